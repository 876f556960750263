using DiffusionChat.Models;
using DiffusionChat.Models.Dit;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling.Mdlm;

/// <summary>
/// MDLM's ancestral sampler with the <c>ddpm_cache</c> predictor and the log-linear schedule (Sahoo et al. 2024,
/// "Simple and Effective Masked Diffusion Language Models"; kuleshov-group/mdlm <c>diffusion.py</c>
/// <c>_sample</c> / <c>_ddpm_caching_update</c>): from all-mask, each step moves masked positions to a token with
/// probability <c>p_x0 * (t - s)</c> or keeps them masked with probability <c>s</c>; unmasked tokens are carried.
/// The network is called again only when some position changed (the prediction depends only on x).
/// </summary>
public sealed class MdlmAncestralSampler
{
    private readonly IMaskedDenoiser model;
    private readonly DeviceTransfers transfers;

    /// <summary>Creates the sampler for a denoiser whose output uses MDLM's subs parameterization.</summary>
    /// <param name="model">The denoiser (not owned).</param>
    /// <param name="transfers">The gate every host read goes through (a new one when null): one small flag per step.</param>
    public MdlmAncestralSampler(IMaskedDenoiser model, DeviceTransfers? transfers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.transfers = transfers ?? new DeviceTransfers();
    }

    /// <summary>Samples <paramref name="batch"/> sequences of <paramref name="length"/> tokens.</summary>
    /// <param name="batch">Number of sequences (at least 1).</param>
    /// <param name="length">Sequence length (at least 1).</param>
    /// <param name="steps">Number of denoising steps (at least 1).</param>
    /// <param name="uniforms">
    /// Source of the step's uniform draws: called with the step index and must return a float32 tensor [B, L, V] in
    /// [0, 1) on the model's device (the caller keeps ownership). Pass <see cref="FromGenerator"/> for fresh randomness.
    /// </param>
    /// <param name="eps">Final time (the reference's <c>sampling_eps</c>, 1e-5).</param>
    /// <param name="observer">Optional per-step hook (x before/after, whether the network ran); for tracing.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    /// <returns>The sampled ids [B, L] (after the final noise-removal argmax) and the network calls.</returns>
    public MdlmSample Sample(int batch, int length, int steps, Func<int, Tensor> uniforms, double eps = 1e-5, Action<MdlmStep>? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(uniforms);
        if (!(eps > 0 && eps < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be in (0, 1).");
        }

        using var outer = NewDisposeScope();
        var mask = model.MaskTokenId;
        var x = HeldScalars.Filled([batch, length], mask, int64, model.Device);
        using var timesteps = linspace(1.0, eps, steps + 1, dtype: float32, device: model.Device);
        var dt = (1 - eps) / steps;
        Tensor? pX0 = null;
        int calls = 0;
        for (int k = 0; k < steps; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            bool called = false;
            if (pX0 is null)
            {
                pX0 = LogProbs(x).exp().MoveToOuterDisposeScope();
                calls++;
                called = true;
            }

            var t = timesteps[k].expand(batch);
            var s = t.Minus(dt);
            var q = pX0 * (t - s).view(-1, 1, 1);
            q = q.index_put_(s.view(-1, 1).expand(batch, length), [TensorIndex.Ellipsis, TensorIndex.Single(mask)]);
            var drawn = SampleCategorical(q, uniforms(k));
            var next = where(x.IsNotEqualTo(mask), x, drawn);

            // Reuse the cached p_x0 only when nothing changed (the reference's allclose test): one small read.
            var changed = transfers.ReadBool(next.ne(x).any());
            observer?.Invoke(new MdlmStep(k, x, next, called));
            var previous = x;
            x = next.MoveToOuterDisposeScope();
            previous.Dispose();
            if (changed)
            {
                pX0.Dispose();
                pX0 = null;
            }
        }

        pX0?.Dispose();

        // Noise removal: one last prediction; positions still masked take the argmax.
        var final = LogProbs(x).argmax(-1);
        calls++;
        return new MdlmSample(final.MoveToOuterDisposeScope(), calls);
    }

    /// <summary>A uniform source drawing fresh <c>rand</c> values from <paramref name="generator"/>.</summary>
    /// <param name="generator">The request's generator (on the model's device).</param>
    /// <param name="model">The model (for shape and device).</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="length">Sequence length.</param>
    /// <returns>The source; every returned tensor is owned by the current dispose scope.</returns>
    public static Func<int, Tensor> FromGenerator(Generator generator, IMaskedDenoiser model, int batch, int length)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(model);
        return _ => rand([batch, length, model.VocabSize], generator: generator, dtype: float32, device: model.Device);
    }

    /// <summary>The reference's <c>_sample_categorical</c>: argmax of <c>q / (1e-10 - log(u + 1e-10))</c>.</summary>
    private static Tensor SampleCategorical(Tensor q, Tensor u) =>
        (q / u.Plus(1e-10).log().neg().Plus(1e-10)).argmax(-1);

    private Tensor LogProbs(Tensor x)
    {
        using var logits = model.Forward(x);
        return SubsParameterization.LogProbs(logits, x, model.MaskTokenId);
    }
}

/// <summary>One step of <see cref="MdlmAncestralSampler"/>, for tracing.</summary>
/// <param name="Step">0-based step index.</param>
/// <param name="Before">x entering the step [B, L] (valid only during the callback).</param>
/// <param name="After">x leaving the step [B, L] (valid only during the callback).</param>
/// <param name="NetworkCalled">Whether the step recomputed <c>p_x0</c>.</param>
public sealed record MdlmStep(int Step, Tensor Before, Tensor After, bool NetworkCalled);

/// <summary>The result of <see cref="MdlmAncestralSampler.Sample"/>.</summary>
/// <param name="Ids">Sampled ids [B, L]; the caller disposes it.</param>
/// <param name="ForwardPasses">Number of network calls (cached steps make none; the noise removal makes one).</param>
public sealed record MdlmSample(Tensor Ids, int ForwardPasses);

using DiffusionChat.Models;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Llada;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>
/// Negative log-likelihood per token of held-out text, the comparison MDLM's paper makes between masked diffusion and
/// autoregressive models: exact for an autoregressive model, the continuous-time ELBO bound for a masked one.
/// </summary>
/// <remarks>
/// Every row is one context token (the <c>&lt;|endoftext|&gt;</c> that precedes a document chunk) followed by the
/// scored tokens, so both models score the same tokens given the same visible start. The masked bound, for the
/// log-linear schedule (alpha_t = 1 - t) and SUBS: E over t ~ U(0, 1) of (1/t) * sum over masked tokens of
/// -log p(x_i | z_t), divided by the number of scored tokens (for a block-causal model BD3-LM's sum of that bound
/// over blocks, each given the clean blocks before it). It is estimated with stratified t per row (one
/// forward pass for all draws of a row), so it is a Monte Carlo figure: an upper bound on the true NLL in
/// expectation, with a small sampling error that the draw count controls.
/// </remarks>
internal static class HeldOutLikelihood
{
    private const double MinimumTime = 1e-3;

    /// <summary>Exact NLL per scored token of an autoregressive model.</summary>
    public static double Autoregressive(LlamaForCausalLM model, IReadOnlyList<long[]> rows, Device device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PerScoredToken(rows, cancellationToken, row =>
        {
            var ids = tensor(row, [1, row.Length], device: device);
            var logProbs = model.forward(ids)[0, ..^1].log_softmax(-1); // position i predicts token i + 1
            return -logProbs.gather(-1, ids[0, 1..].unsqueeze(-1)).sum().item<float>();
        });
    }

    /// <summary>MDLM's ELBO bound on the NLL per scored token of a masked-diffusion model.</summary>
    /// <param name="denoiser">The model.</param>
    /// <param name="rows">Rows: one context token, then the scored tokens.</param>
    /// <param name="draws">Noise levels per row (stratified over [0, 1)).</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <param name="cancellationToken">Stops between rows.</param>
    public static double MaskedElbo(IMaskedDenoiser denoiser, IReadOnlyList<long[]> rows, int draws, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        var device = denoiser.Device;
        using var generator = new Generator((ulong)seed, device);
        return PerScoredToken(rows, cancellationToken, row =>
        {
            var clean = tensor(row, [1, row.Length], device: device).expand(draws, row.Length);
            var u = rand(1, generator: generator, device: device).Plus(HeldScalars.Range(0, draws, ScalarType.Float32, device)).DividedBy(draws);
            var time = u.Times(1 - MinimumTime).Plus(MinimumTime);
            var scored = ones(draws, row.Length, ScalarType.Bool, device);
            scored[.., 0] = false; // the context token stays visible
            var masked = rand(draws, row.Length, generator: generator, device: device).lt(time.unsqueeze(1)).logical_and(scored);
            var noisy = clean.FillMasked(masked, denoiser.MaskTokenId);
            // A LLaDA model scores as it trains (a block-causal one each block given the clean blocks before it).
            var logits = (denoiser is LladaDenoiser llada
                ? llada.DenoisingLogits(noisy, clean, ones_like(clean, ScalarType.Bool))
                : denoiser.Forward(noisy)).to(ScalarType.Float32);
            logits = logits.IndexFilled(-1, tensor(new[] { denoiser.MaskTokenId }, device: device), double.NegativeInfinity); // SUBS
            var nll = -logits.log_softmax(-1).gather(-1, clean.unsqueeze(-1)).squeeze(-1);
            return (nll * time.DividedInto(1.0).unsqueeze(1)).FillMasked(masked.logical_not(), 0).sum().DividedBy(draws).item<float>();
        });
    }

    /// <summary>Sum of <paramref name="rowTotal"/> over rows (each in its own dispose scope, no autograd) per scored token.</summary>
    private static double PerScoredToken(IReadOnlyList<long[]> rows, CancellationToken cancellationToken, Func<long[], double> rowTotal)
    {
        ArgumentNullException.ThrowIfNull(rows);
        double total = 0;
        long tokens = 0;
        using var noGrad = no_grad();
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            total += rowTotal(row);
            tokens += row.Length - 1;
        }

        return total / Math.Max(tokens, 1);
    }

    /// <summary>
    /// Cuts token streams of held-out documents into rows of one context token plus <paramref name="length"/> scored
    /// tokens, at most <paramref name="count"/> rows.
    /// </summary>
    public static IReadOnlyList<long[]> Rows(IEnumerable<int> stream, int separatorId, int length, int count)
    {
        var rows = new List<long[]>();
        var current = new List<long> { separatorId };
        foreach (var id in stream)
        {
            current.Add(id);
            if (current.Count == length + 1)
            {
                rows.Add(current.ToArray());
                if (rows.Count == count)
                {
                    break;
                }

                current = [id]; // the last scored token is the next row's context
            }
        }

        return rows;
    }
}

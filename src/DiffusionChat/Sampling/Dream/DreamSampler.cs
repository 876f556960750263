using DiffusionChat.Models;
using DiffusionChat.Models.Dream;
using DiffusionChat.Sampling.Categorical;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling.Dream;

/// <summary>
/// Dream's <c>diffusion_generate</c> (Dream-org/Dream-v0-Instruct-7B <c>generation_utils.py</c>, <c>_sample</c>): the
/// whole answer starts masked; each of <see cref="DreamSamplerOptions.Steps"/> steps predicts every masked position
/// from the shifted logits, and fills a share of them chosen by <see cref="DreamSamplerOptions.Unmasking"/> on the
/// time grid <c>linspace(1, eps, steps + 1)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Token choice per masked position: logits / temperature (when positive), then top-p, then top-k (removed logits get
/// float32's lowest value, as in the reference), softmax; the most probable token at temperature 0, else a draw. The
/// confidences (chosen token's probability, top-two margin, or minus the entropy) come from that filtered
/// distribution. Every row fills the same number of positions per step, so no step needs to read the device.
/// </para>
/// <para>
/// Like the reference, the sampler does not stop at the end-of-sequence token: the answer has its full length and
/// callers cut it. Rows of different prompt lengths are left-padded with the pad id, which attention never sees, and
/// positions count real tokens only. Host reads and uploads go through the sampler's <see cref="DeviceTransfers"/>
/// gate: the batch is uploaded once and the answer read once. Thread-safe: no per-request state is kept; the model is
/// only read.
/// </para>
/// </remarks>
public sealed class DreamSampler
{
    private readonly DreamDenoiser model;
    private readonly DeviceTransfers transfers;

    /// <summary>Creates a sampler over <paramref name="model"/> (not owned).</summary>
    /// <param name="model">The denoiser.</param>
    /// <param name="transfers">The gate every host read and upload goes through (a new one when null).</param>
    public DreamSampler(DreamDenoiser model, DeviceTransfers? transfers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.transfers = transfers ?? new DeviceTransfers();
    }

    /// <summary>Generates an answer for every prompt of the request.</summary>
    /// <param name="request">Prompts, options and seed (validated; not modified).</param>
    /// <param name="cancellationToken">Checked before every denoiser call.</param>
    /// <returns>The answers.</returns>
    /// <exception cref="ArgumentException">A prompt is empty or holds an id outside the vocabulary or the mask id.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between steps.</exception>
    public Task<DreamGenerationResult> GenerateAsync(DreamGenerationRequest request, CancellationToken cancellationToken = default) =>
        GenerateAsync(request, onCommitted: null, cancellationToken);

    /// <inheritdoc cref="GenerateAsync(DreamGenerationRequest, CancellationToken)"/>
    /// <param name="request">Prompts, options and seed (validated; not modified).</param>
    /// <param name="onCommitted">
    /// Called once per row when the answer is final (Dream's answer is one block; end ids are left in, as the
    /// reference returns them), on the sampling thread.
    /// </param>
    /// <param name="cancellationToken">Checked before every denoiser call.</param>
    public Task<DreamGenerationResult> GenerateAsync(DreamGenerationRequest request, Action<TokensCommitted>? onCommitted, CancellationToken cancellationToken = default)
    {
        Validate(request);
        return Task.Run(
            () =>
            {
                using var draws = new GeneratorDraws(request.Seed, model.Device);
                return Generate(request, draws, onCommitted, null, cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>The synchronous core; <paramref name="draws"/> supplies every random choice, <paramref name="trace"/> sees every step.</summary>
    internal DreamGenerationResult Generate(DreamGenerationRequest request, ICategoricalDraws draws, Action<TokensCommitted>? onCommitted, Action<DreamStepTrace>? trace, CancellationToken cancellationToken)
    {
        Validate(request);
        var options = request.Options;
        int rows = request.Prompts.Count, answer = options.MaxNewTokens;
        long mask = model.MaskTokenId;
        var timesteps = DreamSchedule.Timesteps(options.Steps, options.Eps);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batch = PaddedBatch.Create(request.Prompts, answer, mask, model.PadTokenId ?? model.EosTokenId ?? 0, model.Device, transfers);
        var x = batch.Ids;
        int start = batch.PromptLength, end = start + answer;
        int masked = answer; // per row; the prompt holds no mask id, and every row fills the same count per step
        for (int i = 0; i < options.Steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            float t = timesteps[i], s = timesteps[i + 1];
            bool last = i == options.Steps - 1;
            var current = x[.., start..end];
            var candidates = current.IsEqualTo(mask);
            var logits = model.Forward(x, batch.AttentionMask, batch.PositionIds, logitsFor: start..end); // [B, G, V], shifted
            var probabilities = Filtered(logits, options).softmax(-1);
            var tokens = options.Temperature > 0 ? draws.Tokens(probabilities) : probabilities.argmax(-1);
            var tokenProbability = probabilities.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);

            Tensor transfer;
            Tensor? confidence = null;
            int count = 0;
            if (options.Unmasking == DreamUnmasking.Origin)
            {
                var u = draws.Uniform([rows, answer], model.Device);
                transfer = candidates.logical_and(u.IsLessThan(DreamSchedule.FillProbability(t, s, last)));
            }
            else
            {
                confidence = Confidence(options.Unmasking, probabilities, tokenProbability).FillMasked(candidates.logical_not(), double.NegativeInfinity);
                count = DreamSchedule.TransferCount(masked, t, s, last);
                transfer = zeros_like(candidates);
                if (count > 0)
                {
                    var chosen = options.AlgorithmTemperature is > 0 and var algTemp
                        ? draws.WithoutReplacement(confidence.DividedBy(algTemp).softmax(-1), count)
                        : confidence.topk(count, -1).indexes;
                    transfer = transfer.scatter(-1, chosen, ones_like(chosen, dtype: ScalarType.Bool));
                }

                masked -= count;
            }

            x.index_put_(where(transfer, tokens, current), TensorIndex.Colon, TensorIndex.Slice(start, end));
            trace?.Invoke(new DreamStepTrace(i, candidates, tokens, tokenProbability, confidence, count, transfer, x));
        }

        var flat = transfers.ReadInt64(x[.., start..end]);
        var answers = Enumerable.Range(0, rows)
            .Select(r => (IReadOnlyList<int>)flat.AsSpan(r * answer, answer).ToArray().Select(v => (int)v).ToList())
            .ToList();
        for (int r = 0; r < rows; r++)
        {
            onCommitted?.Invoke(new TokensCommitted(r, 0, answers[r], Ended: false));
        }

        return new DreamGenerationResult(answers, options.Steps);
    }

    /// <summary>Temperature, top-p, top-k in the reference's order, in float32 (the reference's logits dtype).</summary>
    private static Tensor Filtered(Tensor logits, DreamSamplerOptions options)
    {
        // Removed logits get float32's lowest value, not -inf, as in the reference (softmax gives them 0 either way).
        double removed = float.MinValue;
        var l = logits.to(ScalarType.Float32);
        if (options.Temperature > 0)
        {
            l = l.DividedBy(options.Temperature);
        }

        if (options.TopP is { } topP && topP < 1)
        {
            l = Nucleus.Filter(l, topP, removed);
        }

        if (options.TopK is { } topK)
        {
            l = TopK.Filter(l, topK, removed);
        }

        return l;
    }

    private static Tensor Confidence(DreamUnmasking unmasking, Tensor probabilities, Tensor tokenProbability) => unmasking switch
    {
        DreamUnmasking.MaskGitPlus => tokenProbability,
        DreamUnmasking.TopKMargin => TopTwoMargin(probabilities),
        // Minus the entropy, with the reference's 1e-10 inside the log.
        _ => (probabilities * probabilities.Plus(1e-10).log()).sum(-1),
    };

    private static Tensor TopTwoMargin(Tensor probabilities)
    {
        var (top, _) = probabilities.topk(2, -1);
        return top.select(-1, 0) - top.select(-1, 1);
    }

    private void Validate(DreamGenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prompts, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Options, nameof(request));
        request.Options.Validate();
        PromptCheck.Rows(request.Prompts, model.VocabSize, allowEmpty: false, model.MaskTokenId, "the mask token", nameof(request));
    }
}

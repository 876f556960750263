using DiffusionChat.Models;
using DiffusionChat.Models.Autoregressive;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>
/// Negative log-likelihood per token of held-out text, the comparison MDLM's paper makes between masked diffusion and
/// autoregressive models: exact for an autoregressive model, the continuous-time ELBO bound for a masked one.
/// </summary>
/// <remarks>
/// Every row is one context token (the <c>&lt;|endoftext|&gt;</c> that precedes a document chunk) followed by the
/// scored tokens, so both models score the same tokens given the same visible start. The masked bound, for the
/// log-linear schedule (alpha_t = 1 - t) and SUBS: E over t ~ U(0, 1) of (1/t) * sum over masked tokens of
/// -log p(x_i | z_t), divided by the number of scored tokens. It is estimated with stratified t per row (one
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
        ArgumentNullException.ThrowIfNull(rows);
        double total = 0;
        long tokens = 0;
        using var noGrad = no_grad();
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var ids = tensor(row, [1, row.Length], device: device);
            var logProbs = model.forward(ids)[0, ..^1].log_softmax(-1); // position i predicts token i + 1
            var targets = ids[0, 1..].unsqueeze(-1);
            total += -logProbs.gather(-1, targets).sum().item<float>();
            tokens += row.Length - 1;
        }

        return total / tokens;
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
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        var device = denoiser.Device;
        using var generator = new Generator((ulong)seed, device);
        double total = 0;
        long tokens = 0;
        using var noGrad = no_grad();
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var clean = tensor(row, [1, row.Length], device: device).expand(draws, row.Length);
            var u = (rand(1, generator: generator, device: device) + arange(draws, ScalarType.Float32, device)) / draws;
            var time = MinimumTime + ((1 - MinimumTime) * u);
            var scored = ones(draws, row.Length, ScalarType.Bool, device);
            scored[.., 0] = false; // the context token stays visible
            var masked = rand(draws, row.Length, generator: generator, device: device).lt(time.unsqueeze(1)).logical_and(scored);
            var noisy = clean.masked_fill(masked, denoiser.MaskTokenId);
            var logits = denoiser.Forward(noisy).to(ScalarType.Float32);
            logits = logits.index_fill(-1, tensor(new[] { denoiser.MaskTokenId }, device: device), double.NegativeInfinity);
            var nll = -logits.log_softmax(-1).gather(-1, clean.unsqueeze(-1)).squeeze(-1);
            var bound = (nll * (1.0 / time).unsqueeze(1)).masked_fill(masked.logical_not(), 0).sum() / draws;
            total += bound.item<double>();
            tokens += row.Length - 1;
        }

        return total / tokens;
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

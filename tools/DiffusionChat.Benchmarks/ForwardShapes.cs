using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Llada;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// The matrix products of one LLaDA-layout forward pass (RoPE, grouped-query attention, SwiGLU MLP: LLaDA's and the
/// LLaMA decoder's layout alike) over <see cref="Positions"/> positions of each of <see cref="Batch"/> rows that
/// returns logits for <see cref="LogitRows"/> of them, and their floating-point operation count (a multiply-add counts 2).
/// </summary>
/// <param name="Config">The architecture.</param>
/// <param name="Positions">Query positions per row (prompt + answer for a full pass; 1 for a cached decode step).</param>
/// <param name="LogitRows">Positions per row whose logits the pass projects (the current block; 1 for a decode step).</param>
/// <param name="Batch">Rows computed together.</param>
/// <param name="KeyPositions">Positions each query attends to (the cache plus the new ones); null = <see cref="Positions"/>.</param>
internal sealed record ForwardShapes(LladaConfig Config, int Positions, int LogitRows, int Batch = 1, int? KeyPositions = null)
{
    /// <summary>The shapes of a LLaMA decoder's pass (the autoregressive baseline, the simplex-llama denoiser).</summary>
    public static ForwardShapes ForLlama(LlamaConfig config, int positions, int logitRows, int batch = 1, int? keyPositions = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var layout = new LladaConfig(config.HiddenSize, config.NumAttentionHeads, config.NumKeyValueHeads, config.NumHiddenLayers, config.IntermediateSize, config.VocabSize,
            config.RopeTheta, config.RmsNormEps, MaskTokenId: 0, config.EosTokenId);
        return new ForwardShapes(layout, positions, logitRows, batch, keyPositions);
    }

    /// <summary>Width of the key and value projections (grouped-query attention shrinks them).</summary>
    private int KeyValueWidth => Config.KeyValueHeads * Config.HeadDim;

    /// <summary>(rows, inner, columns) of every dense product of the pass, in order: per layer q, k, v, o, gate, up, down; then the output head. The batch's rows are stacked.</summary>
    public IReadOnlyList<(int M, int K, int N)> Products()
    {
        int d = Config.ModelDim, kv = KeyValueWidth, m = Config.MlpHiddenSize, l = Batch * Positions, q = Batch * LastLayerQueries;
        var layer = new[] { (l, d, d), (l, d, kv), (l, d, kv), (l, d, d), (l, d, m), (l, d, m), (l, m, d) };
        var last = new[] { (q, d, d), (l, d, kv), (l, d, kv), (q, d, d), (q, d, m), (q, d, m), (q, m, d) };
        return [.. Enumerable.Repeat(layer, Config.Layers - 1).SelectMany(p => p), .. last, (Batch * LogitRows, d, Config.EmbeddingSize)];
    }

    /// <summary>Rows whose queries, attention output and MLP the last layer computes: only the logit rows, unless the
    /// model shifts its logits (LladaTransformer keeps every row's final state then).</summary>
    private int LastLayerQueries => Config.ShiftLogits ? Positions : Math.Min(LogitRows, Positions);

    /// <summary>Operations of the dense products (what the matmul peak is measured on).</summary>
    public double DenseFlops => Products().Sum(p => 2.0 * p.M * p.K * p.N);

    /// <summary>Operations of attention's two batched products, q k^T and weights v, over all layers and rows.</summary>
    public double AttentionFlops => Batch * ((Config.Layers - 1) * (double)Positions + LastLayerQueries) * 2.0 * 2.0 * Config.Heads * (KeyPositions ?? Positions) * Config.HeadDim;

    /// <summary>All matrix-product operations of one pass.</summary>
    public double Flops => DenseFlops + AttentionFlops;

    /// <summary>A one-line description for the report.</summary>
    public string Describe() =>
        $"d_model {Config.ModelDim}, {Config.Layers} layers, {Config.Heads} heads ({Config.KeyValueHeads} kv), MLP {Config.MlpHiddenSize}, vocab {Config.EmbeddingSize}; " +
        (Batch == 1 ? "" : $"batch {Batch}, ") + $"{Positions} positions{(KeyPositions is { } keys ? $" attending to {keys}" : "")}, logits for {LogitRows}";
}

using DiffusionChat.Models.Llada;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// The matrix products of one LLaDA forward pass over <see cref="Positions"/> positions that returns logits for
/// <see cref="LogitRows"/> of them, and their floating-point operation count (a multiply-add counts 2).
/// </summary>
/// <param name="Config">The architecture.</param>
/// <param name="Positions">Sequence length of the pass (prompt + answer).</param>
/// <param name="LogitRows">Positions whose logits the pass projects (the current block).</param>
internal sealed record ForwardShapes(LladaConfig Config, int Positions, int LogitRows)
{
    /// <summary>Width of the key and value projections (grouped-query attention shrinks them).</summary>
    private int KeyValueWidth => Config.KeyValueHeads * Config.HeadDim;

    /// <summary>(rows, inner, columns) of every dense product of the pass, in order: per layer q, k, v, o, gate, up, down; then the output head.</summary>
    public IReadOnlyList<(int M, int K, int N)> Products()
    {
        int d = Config.ModelDim, kv = KeyValueWidth, m = Config.MlpHiddenSize, l = Positions;
        var layer = new[] { (l, d, d), (l, d, kv), (l, d, kv), (l, d, d), (l, d, m), (l, d, m), (l, m, d) };
        return [.. Enumerable.Repeat(layer, Config.Layers).SelectMany(p => p), (LogitRows, d, Config.EmbeddingSize)];
    }

    /// <summary>Operations of the dense products (what the matmul peak is measured on).</summary>
    public double DenseFlops => Products().Sum(p => 2.0 * p.M * p.K * p.N);

    /// <summary>Operations of attention's two batched products, q k^T and weights v, over all layers.</summary>
    public double AttentionFlops => Config.Layers * 2.0 * 2.0 * Config.Heads * Positions * (double)Positions * Config.HeadDim;

    /// <summary>All matrix-product operations of one pass.</summary>
    public double Flops => DenseFlops + AttentionFlops;

    /// <summary>A one-line description for the report.</summary>
    public string Describe() =>
        $"d_model {Config.ModelDim}, {Config.Layers} layers, {Config.Heads} heads ({Config.KeyValueHeads} kv), MLP {Config.MlpHiddenSize}, vocab {Config.EmbeddingSize}; {Positions} positions, logits for {LogitRows}";
}

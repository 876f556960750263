using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// Bidirectional multi-head scaled dot-product attention with biased Q/K/V projections
/// (<c>attention.self.{query,key,value}</c>). Padded keys are excluded through an additive mask.
/// </summary>
internal sealed class RobertaSelfAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly int heads;
    private readonly int headSize;
#pragma warning disable IDE1006
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
#pragma warning restore IDE1006

    public RobertaSelfAttention(SsdLmConfig config) : base(nameof(RobertaSelfAttention))
    {
        heads = config.HeadCount;
        headSize = config.HeadSize;
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="hidden">[B, N, H].</param>
    /// <param name="additiveMask">[B, 1, 1, N]: 0 for keys to attend to, a very negative value for padding; or null.</param>
    /// <returns>The attended values [B, N, H] (before the output projection).</returns>
    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];

        // [B, N, H] -> [B, heads, N, headSize]
        Tensor Split(Tensor x) => x.view(batch, length, heads, headSize).transpose(1, 2);
        var q = Split(query.call(hidden));
        var k = Split(key.call(hidden));
        var v = Split(value.call(hidden));

        var scores = q.matmul(k.transpose(-1, -2)).DividedBy(Math.Sqrt(headSize)); // [B, heads, N, N]
        if (additiveMask is not null)
        {
            scores = scores.Plus(additiveMask);
        }

        var context = nn.functional.softmax(scores, -1).matmul(v); // [B, heads, N, headSize]
        return context.transpose(1, 2).reshape(batch, length, heads * headSize).MoveToOuterDisposeScope();
    }
}

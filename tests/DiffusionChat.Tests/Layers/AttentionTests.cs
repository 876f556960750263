using DiffusionChat.Models;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Layers;

/// <summary>
/// The fused attention path (<see cref="Attention.ScaledDotProduct"/>): the same values as the textbook formula with
/// grouped-query heads copied by <c>repeat_interleave</c>, under every mask shape the denoisers pass, and masked keys
/// without any influence.
/// </summary>
public sealed class AttentionTests
{
    private const long B = 2, Heads = 4, Lq = 5, Lk = 7, D = 8;

    public static TheoryData<string, long> Masks => new()
    {
        { "none", 4 }, { "none", 2 }, { "none", 1 },
        { "key padding", 4 }, { "key padding", 2 }, { "key padding", 1 },
        { "block-causal", 4 }, { "block-causal", 2 }, { "block-causal", 1 },
        { "per head", 4 }, { "per head", 2 }, { "per head", 1 },
        { "shared rows", 2 },
    };

    [Theory]
    [MemberData(nameof(Masks))]
    public void Fused_attention_equals_softmax_of_scaled_scores_with_repeated_key_value_heads(string mask, long kvHeads)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(kvHeads, seed: 3);
        var allowed = Mask(mask);

        var fused = Attention.ScaledDotProduct(q, k, v, allowed);
        var reference = Textbook(q, k, v, allowed);

        Assert.Equal([B, Heads, Lq, D], fused.shape);
        Assert.True((fused - reference).abs().max().item<float>() < 1e-5, $"{mask}, {kvHeads} kv heads");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(2)]
    public void Masked_keys_and_values_have_no_influence_at_all(long kvHeads)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(kvHeads, seed: 5);
        var allowed = Mask("block-causal");
        var before = Attention.ScaledDotProduct(q, k, v, allowed);

        // Keys 5 and 6 belong to the last block, which no query of the first rows may see; key 6 is padding for row 1.
        var (k2, v2) = (k.clone(), v.clone());
        k2[.., .., 5..] = randn([B, kvHeads, 2, D]) * 100;
        v2[.., .., 5..] = randn([B, kvHeads, 2, D]) * 100;
        var after = Attention.ScaledDotProduct(q, k2, v2, allowed);

        // Rows 0-2 see keys 0-4 only: exactly the same values.
        Assert.Equal(0f, (after[.., .., ..3] - before[.., .., ..3]).abs().max().item<float>());
    }

    [Fact]
    public void Grouped_query_heads_read_their_own_key_value_head()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(2, seed: 7);
        var before = Attention.ScaledDotProduct(q, k, v, null);

        // Changing kv head 1 changes query heads 2 and 3 (repeat_interleave layout), never heads 0 and 1.
        var v2 = v.clone();
        v2[.., 1] = v2[.., 1] + 1;
        var after = Attention.ScaledDotProduct(q, k, v2, null);

        Assert.Equal(0f, (after[.., ..2] - before[.., ..2]).abs().max().item<float>());
        Assert.True((after[.., 2..] - before[.., 2..]).abs().min().item<float>() > 0.5f);
    }

    private static (Tensor Q, Tensor K, Tensor V) Inputs(long kvHeads, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return (randn([B, Heads, Lq, D], generator: generator), randn([B, kvHeads, Lk, D], generator: generator), randn([B, kvHeads, Lk, D], generator: generator));
    }

    // Every query keeps at least one allowed key, as the callers guarantee.
    private static Tensor? Mask(string kind)
    {
        var keys = tensor(new[] { true, true, true, true, true, true, true, true, true, true, true, true, true, false }, [B, 1, 1, Lk]);
        var queryBlock = tensor(new long[] { 0, 0, 0, 1, 1 }).view(Lq, 1);
        var keyBlock = tensor(new long[] { 0, 0, 0, 0, 0, 1, 1 }).view(1, Lk);
        var blockCausal = keyBlock.le(queryBlock).view(1, 1, Lq, Lk).logical_and(keys); // [B, 1, Lq, Lk]
        return kind switch
        {
            "none" => null,
            "key padding" => keys,
            "block-causal" => blockCausal,
            "per head" => blockCausal.expand(B, Heads, Lq, Lk).logical_and(tensor(new[] { true, false, true, true }).view(1, Heads, 1, 1).logical_or(arange(Lk).eq(0).view(1, 1, 1, Lk))),
            "shared rows" => blockCausal[..1],
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown mask"),
        };
    }

    private static Tensor Textbook(Tensor q, Tensor k, Tensor v, Tensor? allowed)
    {
        long group = q.shape[1] / k.shape[1];
        var (keys, values) = (k.repeat_interleave(group, 1), v.repeat_interleave(group, 1));
        var scores = q.matmul(keys.transpose(-2, -1)) / Math.Sqrt(q.shape[^1]);
        if (allowed is not null)
        {
            scores = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity);
        }

        return scores.softmax(-1).matmul(values);
    }
}

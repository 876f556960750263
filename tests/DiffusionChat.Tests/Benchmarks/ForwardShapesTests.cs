using DiffusionChat.Benchmarks;
using DiffusionChat.Models.Llada;

namespace DiffusionChat.Tests.Benchmarks;

/// <summary>The benchmark counts the products a LLaDA pass really computes, so shares of the matmul peak stay honest.</summary>
public sealed class ForwardShapesTests
{
    private static readonly LladaConfig Bench = new(256, 8, 8, 6, 1024, 4096, RopeTheta: 500000.0, RmsNormEps: 1e-5, MaskTokenId: 4094, EosTokenId: 4095);

    [Fact]
    public void The_last_layer_computes_queries_attention_and_mlp_only_for_the_logit_rows()
    {
        var products = new ForwardShapes(Bench, 96, 8).Products();
        Assert.Equal(6 * 7 + 1, products.Count);
        Assert.All(products.Take(35), p => Assert.Equal(96, p.M));
        Assert.Equal([8, 96, 96, 8, 8, 8, 8, 8], products.Skip(35).Select(p => p.M));

        double full = 2.0 * 96 * 256 * (256 * 4 + 1024 * 3), lastLayer = 2.0 * 256 * (8 * (256 * 2 + 1024 * 3) + 96 * 256 * 2);
        Assert.Equal((5 * full) + lastLayer + (2.0 * 8 * 256 * 4096), new ForwardShapes(Bench, 96, 8).DenseFlops);
    }

    [Fact]
    public void A_model_with_shifted_logits_keeps_every_row_in_the_last_layer()
    {
        var shifted = Bench with { ShiftLogits = true };
        Assert.All(new ForwardShapes(shifted, 96, 8).Products().SkipLast(1), p => Assert.Equal(96, p.M));
        Assert.True(new ForwardShapes(shifted, 96, 8).Flops > new ForwardShapes(Bench, 96, 8).Flops);
    }
}

using DiffusionChat.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Tensors;

/// <summary>The held-scalar operations compute what the TorchSharp operators they replace computed.</summary>
public sealed class HeldScalarsTests
{
    [Fact]
    public void Integer_operands_keep_an_integer_tensor_integer()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 3, 7, 11 });

        var shifted = ids.Plus(2).Minus(1).Times(3).FloorDividedBy(2).ClampMin(7L);

        Assert.Equal(ScalarType.Int64, shifted.dtype);
        Assert.Equal(new long[] { 7, 12, 18 }, shifted.data<long>().ToArray());
    }

    [Fact]
    public void Floating_operands_match_the_operators_they_replace()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { -2f, 0.5f, 4f });
        var y = tensor(new float[] { 1f, 2f, 3f });

        Assert.True((x + y).equal(x.Plus(y)).all().item<bool>());
        Assert.True((x * 0.25).equal(x.Times(0.25)).all().item<bool>());
        Assert.True((x / 3.0).equal(x.DividedBy(3.0)).all().item<bool>());
        Assert.True((1.0 / y).equal(y.DividedInto(1.0)).all().item<bool>());
        Assert.True((1.0 - y).equal(y.SubtractedFrom(1.0)).all().item<bool>());
        Assert.True(x.pow(2).equal(x.Power(2)).all().item<bool>());
        Assert.True(pow(tensor(2.0), y).equal(HeldScalars.PowerOf(2.0, y)).all().item<bool>());
        Assert.Equal(new[] { false, true, true }, x.IsGreaterThan(0).data<bool>().ToArray());
        Assert.Equal(new[] { true, true, false }, x.IsAtMost(0.5).data<bool>().ToArray());
    }

    [Fact]
    public void Fills_and_ranges_match_their_TorchSharp_counterparts()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3, 4 });
        var mask = tensor(new[] { true, false, true, false });

        Assert.Equal(new[] { double.NegativeInfinity, 2, double.NegativeInfinity, 4 }, x.FillMasked(mask, double.NegativeInfinity).data<double>().ToArray());
        Assert.Equal(new double[] { 1, 0, 3, 4 }, x.IndexFilled(0, tensor(new long[] { 1 }), 0).data<double>().ToArray());
        Assert.Equal(new long[] { 5, 7, 9 }, HeldScalars.Range(5, 11, ScalarType.Int64, null, step: 2).data<long>().ToArray());
        Assert.Equal(new long[] { -1, -1 }, HeldScalars.Filled([2], -1L, ScalarType.Int64, null).data<long>().ToArray());
        Assert.Equal(new[] { 0.5, 0.5, 0.5, 0.5 }, HeldScalars.FilledLike(x, 0.5).data<double>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2 }, arange(3, ScalarType.Int64).data<long>().ToArray());
    }

    [Fact]
    public void In_place_updates_follow_the_optimizer_formulas()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new double[] { 1, 2 });
        var b = tensor(new double[] { 4, 8 });

        var x = tensor(new double[] { 10, 20 });
        x.TimesInPlace(0.5).PlusScaledInPlace(a, 2).PlusScaledProductInPlace(a, b, 0.25).PlusScaledQuotientInPlace(b, a, -1).PlusInPlace(1);

        // 10*0.5 + 2*1 + 0.25*1*4 - 4/1 + 1 = 5; 20*0.5 + 2*2 + 0.25*2*8 - 8/2 + 1 = 15
        Assert.Equal(new[] { 5.0, 15.0 }, x.data<double>().ToArray());
    }
}

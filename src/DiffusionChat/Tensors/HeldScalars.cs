using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tensors;

/// <summary>
/// Tensor operations with a .NET number (and tensor addition), written so that the native scalar LibTorch reads stays
/// alive until the call returns.
/// </summary>
/// <remarks>
/// Why: TorchSharp 0.107 turns every number passed to a tensor operation into a native <see cref="Scalar"/> that only
/// its finalizer frees (dispose scopes hold tensors, not scalars), and hands LibTorch the raw handle without keeping
/// the wrapper reachable. A garbage collection on any thread during the native call can then finalize the scalar while
/// LibTorch reads it: a training run died of it (`Expected false to be true` in `Scalar::toFloat`), and a freed value
/// that still reads can silently change a result (docs/reliability.md, "Native scalars"). TorchSharp also creates such
/// a scalar itself inside some overloads (<c>a + b</c> passes an alpha of 1, <c>arange(stop)</c> a start and a step).
/// Every method here creates its scalars explicitly and disposes them after the call, which keeps them alive for it.
/// A test (NativeScalarLifetimeTests) fails the suite if library, trainer, CLI or benchmark code converts a number to a
/// scalar, or calls an overload that does, anywhere but here.
/// Integer overloads keep integer tensors integer (a double scalar would promote an int64 tensor to float).
/// </remarks>
internal static class HeldScalars
{
    /// <summary>Element-wise <paramref name="x"/> + <paramref name="y"/> (with broadcasting).</summary>
    public static Tensor Plus(this Tensor x, Tensor y)
    {
        using var one = 1.ToScalar();
        return x.add(y, one);
    }

    /// <summary><paramref name="x"/> + <paramref name="value"/>.</summary>
    public static Tensor Plus(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        using var one = 1.ToScalar();
        return x.add(held, one);
    }

    /// <summary><paramref name="x"/> + <paramref name="value"/>, integer (keeps an integer tensor integer).</summary>
    public static Tensor Plus(this Tensor x, long value)
    {
        using var held = value.ToScalar();
        using var one = 1.ToScalar();
        return x.add(held, one);
    }

    /// <summary><paramref name="x"/> - <paramref name="value"/>.</summary>
    public static Tensor Minus(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.sub(held);
    }

    /// <summary><paramref name="x"/> - <paramref name="value"/>, integer (keeps an integer tensor integer).</summary>
    public static Tensor Minus(this Tensor x, long value)
    {
        using var held = value.ToScalar();
        return x.sub(held);
    }

    /// <summary><paramref name="value"/> - <paramref name="x"/>.</summary>
    public static Tensor SubtractedFrom(this Tensor x, double value)
    {
        using var negated = x.neg();
        return negated.Plus(value);
    }

    /// <summary><paramref name="x"/> * <paramref name="value"/>.</summary>
    public static Tensor Times(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.mul(held);
    }

    /// <summary><paramref name="x"/> * <paramref name="value"/>, integer (keeps an integer tensor integer).</summary>
    public static Tensor Times(this Tensor x, long value)
    {
        using var held = value.ToScalar();
        return x.mul(held);
    }

    /// <summary><paramref name="x"/> / <paramref name="value"/> (true division: the result is floating point).</summary>
    public static Tensor DividedBy(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.div(held);
    }

    /// <summary><paramref name="value"/> / <paramref name="x"/>, element-wise.</summary>
    public static Tensor DividedInto(this Tensor x, double value)
    {
        using var reciprocal = x.reciprocal();
        return reciprocal.Times(value);
    }

    /// <summary>Floor of <paramref name="x"/> / <paramref name="value"/> (integer tensors stay integer).</summary>
    public static Tensor FloorDividedBy(this Tensor x, long value)
    {
        using var held = value.ToScalar();
        return x.div(held, RoundingMode.floor);
    }

    /// <summary><paramref name="x"/> raised to <paramref name="exponent"/>.</summary>
    public static Tensor Power(this Tensor x, double exponent)
    {
        using var held = exponent.ToScalar();
        return x.pow(held);
    }

    /// <summary><paramref name="value"/> raised to each element of <paramref name="exponent"/>.</summary>
    public static Tensor PowerOf(double value, Tensor exponent)
    {
        // TorchSharp has no scalar-base pow; a 0-dim tensor base computes in the exponent's dtype.
        using var basis = tensor(value, device: exponent.device);
        return pow(basis, exponent);
    }

    /// <summary><paramref name="x"/> with every element below <paramref name="min"/> raised to it.</summary>
    public static Tensor ClampMin(this Tensor x, long min)
    {
        using var held = min.ToScalar();
        return x.clamp_min(held);
    }

    /// <summary><paramref name="x"/> with every element below <paramref name="min"/> raised to it.</summary>
    public static Tensor ClampMin(this Tensor x, double min)
    {
        using var held = min.ToScalar();
        return x.clamp_min(held);
    }

    /// <summary><paramref name="x"/> clamped to [<paramref name="min"/>, <paramref name="max"/>], integer (keeps an integer tensor integer).</summary>
    public static Tensor Clamp(this Tensor x, long min, long max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return x.clamp(low, high);
    }

    /// <summary>In place: <paramref name="x"/> *= <paramref name="value"/>.</summary>
    public static Tensor TimesInPlace(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.mul_(held);
    }

    /// <summary>In place: <paramref name="x"/> += <paramref name="value"/>.</summary>
    public static Tensor PlusInPlace(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        using var one = 1.ToScalar();
        return x.add_(held, one);
    }

    /// <summary>In place: <paramref name="x"/> += <paramref name="alpha"/> * <paramref name="y"/>.</summary>
    public static Tensor PlusScaledInPlace(this Tensor x, Tensor y, double alpha)
    {
        using var held = alpha.ToScalar();
        return x.add_(y, held);
    }

    /// <summary>In place: <paramref name="x"/> += <paramref name="value"/> * <paramref name="a"/> * <paramref name="b"/>.</summary>
    public static Tensor PlusScaledProductInPlace(this Tensor x, Tensor a, Tensor b, double value)
    {
        using var held = value.ToScalar();
        return x.addcmul_(a, b, held);
    }

    /// <summary>In place: <paramref name="x"/> += <paramref name="value"/> * <paramref name="a"/> / <paramref name="b"/>.</summary>
    public static Tensor PlusScaledQuotientInPlace(this Tensor x, Tensor a, Tensor b, double value)
    {
        using var held = value.ToScalar();
        return x.addcdiv_(a, b, held);
    }

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor FillMasked(this Tensor x, Tensor mask, double value)
    {
        using var held = value.ToScalar();
        return x.masked_fill(mask, held);
    }

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true, integer.</summary>
    public static Tensor FillMasked(this Tensor x, Tensor mask, long value)
    {
        using var held = value.ToScalar();
        return x.masked_fill(mask, held);
    }

    /// <summary>Fills <paramref name="x"/> in place with <paramref name="value"/>.</summary>
    public static Tensor FillWith(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.fill_(held);
    }

    /// <summary>Fills the entries of <paramref name="x"/> at <paramref name="index"/> along <paramref name="dim"/> in place.</summary>
    public static Tensor IndexFillWith(this Tensor x, long dim, Tensor index, double value)
    {
        using var held = value.ToScalar();
        return x.index_fill_(dim, index, held);
    }

    /// <summary>A copy of <paramref name="x"/> with the entries at <paramref name="index"/> along <paramref name="dim"/> set to <paramref name="value"/>.</summary>
    public static Tensor IndexFilled(this Tensor x, long dim, Tensor index, double value)
    {
        using var held = value.ToScalar();
        return x.index_fill(dim, index, held);
    }

    /// <summary>A tensor shaped, typed and placed like <paramref name="like"/>, filled with <paramref name="value"/>.</summary>
    public static Tensor FilledLike(Tensor like, double value)
    {
        using var held = value.ToScalar();
        return full_like(like, held);
    }

    /// <summary>Element-wise <paramref name="x"/> == <paramref name="value"/>.</summary>
    public static Tensor IsEqualTo(this Tensor x, long value)
    {
        using var held = value.ToScalar();
        return x.eq(held);
    }

    /// <summary>Element-wise <paramref name="x"/> != <paramref name="value"/>.</summary>
    public static Tensor IsNotEqualTo(this Tensor x, long value)
    {
        using var held = value.ToScalar();
        return x.ne(held);
    }

    /// <summary>Element-wise <paramref name="x"/> &gt; <paramref name="value"/>.</summary>
    public static Tensor IsGreaterThan(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.gt(held);
    }

    /// <summary>Element-wise <paramref name="x"/> &gt;= <paramref name="value"/>.</summary>
    public static Tensor IsAtLeast(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.ge(held);
    }

    /// <summary>Element-wise <paramref name="x"/> &lt; <paramref name="value"/>.</summary>
    public static Tensor IsLessThan(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.lt(held);
    }

    /// <summary>Element-wise <paramref name="x"/> &lt;= <paramref name="value"/>.</summary>
    public static Tensor IsAtMost(this Tensor x, double value)
    {
        using var held = value.ToScalar();
        return x.le(held);
    }

    /// <summary>A tensor of <paramref name="size"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Filled(long[] size, double value, ScalarType dtype, Device? device)
    {
        using var held = value.ToScalar();
        return full(size, held, dtype, device);
    }

    /// <summary>A tensor of <paramref name="size"/> filled with <paramref name="value"/>, integer.</summary>
    public static Tensor Filled(long[] size, long value, ScalarType dtype, Device? device)
    {
        using var held = value.ToScalar();
        return full(size, held, dtype, device);
    }

    /// <summary>start, start + step, ... below stop (integer).</summary>
    public static Tensor Range(long start, long stop, ScalarType dtype, Device? device, long step = 1)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        using var stride = step.ToScalar();
        return arange(first, end, stride, dtype, device);
    }
}

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
    /// <summary>Alpha of an addition; static, so reachable for every call (LibTorch only reads it).</summary>
    private static readonly Scalar One = 1.ToScalar();

    /// <summary>Element-wise <paramref name="x"/> + <paramref name="y"/> (with broadcasting).</summary>
    public static Tensor Plus(this Tensor x, Tensor y) => x.add(y, One);

    /// <summary><paramref name="x"/> + <paramref name="value"/>.</summary>
    public static Tensor Plus(this Tensor x, double value) => Held(value, s => x.add(s, One));

    /// <summary><paramref name="x"/> + <paramref name="value"/>, integer (keeps an integer tensor integer).</summary>
    public static Tensor Plus(this Tensor x, long value) => Held(value, s => x.add(s, One));

    /// <summary><paramref name="x"/> - <paramref name="value"/>.</summary>
    public static Tensor Minus(this Tensor x, double value) => Held(value, s => x.sub(s));

    /// <summary><paramref name="x"/> - <paramref name="value"/>, integer (keeps an integer tensor integer).</summary>
    public static Tensor Minus(this Tensor x, long value) => Held(value, s => x.sub(s));

    /// <summary><paramref name="value"/> - <paramref name="x"/>.</summary>
    public static Tensor SubtractedFrom(this Tensor x, double value)
    {
        using var negated = x.neg();
        return negated.Plus(value);
    }

    /// <summary><paramref name="x"/> * <paramref name="value"/>.</summary>
    public static Tensor Times(this Tensor x, double value) => Held(value, s => x.mul(s));

    /// <summary><paramref name="x"/> * <paramref name="value"/>, integer (keeps an integer tensor integer).</summary>
    public static Tensor Times(this Tensor x, long value) => Held(value, s => x.mul(s));

    /// <summary><paramref name="x"/> / <paramref name="value"/> (true division: the result is floating point).</summary>
    public static Tensor DividedBy(this Tensor x, double value) => Held(value, s => x.div(s));

    /// <summary><paramref name="value"/> / <paramref name="x"/>, element-wise.</summary>
    public static Tensor DividedInto(this Tensor x, double value)
    {
        using var reciprocal = x.reciprocal();
        return reciprocal.Times(value);
    }

    /// <summary>Floor of <paramref name="x"/> / <paramref name="value"/> (integer tensors stay integer).</summary>
    public static Tensor FloorDividedBy(this Tensor x, long value) => Held(value, s => x.div(s, RoundingMode.floor));

    /// <summary><paramref name="x"/> raised to <paramref name="exponent"/>.</summary>
    public static Tensor Power(this Tensor x, double exponent) => Held(exponent, s => x.pow(s));

    /// <summary><paramref name="value"/> raised to each element of <paramref name="exponent"/>.</summary>
    public static Tensor PowerOf(double value, Tensor exponent)
    {
        // TorchSharp has no scalar-base pow; a 0-dim tensor base computes in the exponent's dtype.
        using var basis = tensor(value, device: exponent.device);
        return pow(basis, exponent);
    }

    /// <summary><paramref name="x"/> with every element below <paramref name="min"/> raised to it.</summary>
    public static Tensor ClampMin(this Tensor x, long min) => Held(min, s => x.clamp_min(s));

    /// <summary><paramref name="x"/> with every element below <paramref name="min"/> raised to it.</summary>
    public static Tensor ClampMin(this Tensor x, double min) => Held(min, s => x.clamp_min(s));

    /// <summary><paramref name="x"/> clamped to [<paramref name="min"/>, <paramref name="max"/>], integer (keeps an integer tensor integer).</summary>
    public static Tensor Clamp(this Tensor x, long min, long max) => Held(min, low => Held(max, high => x.clamp(low, high)));

    /// <summary>In place: <paramref name="x"/> *= <paramref name="value"/>.</summary>
    public static Tensor TimesInPlace(this Tensor x, double value) => Held(value, s => x.mul_(s));

    /// <summary>In place: <paramref name="x"/> += <paramref name="value"/>.</summary>
    public static Tensor PlusInPlace(this Tensor x, double value) => Held(value, s => x.add_(s, One));

    /// <summary>In place: <paramref name="x"/> += <paramref name="alpha"/> * <paramref name="y"/>.</summary>
    public static Tensor PlusScaledInPlace(this Tensor x, Tensor y, double alpha) => Held(alpha, s => x.add_(y, s));

    /// <summary>In place: <paramref name="x"/> += <paramref name="value"/> * <paramref name="a"/> * <paramref name="b"/>.</summary>
    public static Tensor PlusScaledProductInPlace(this Tensor x, Tensor a, Tensor b, double value) => Held(value, s => x.addcmul_(a, b, s));

    /// <summary>In place: <paramref name="x"/> += <paramref name="value"/> * <paramref name="a"/> / <paramref name="b"/>.</summary>
    public static Tensor PlusScaledQuotientInPlace(this Tensor x, Tensor a, Tensor b, double value) => Held(value, s => x.addcdiv_(a, b, s));

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor FillMasked(this Tensor x, Tensor mask, double value) => Held(value, s => x.masked_fill(mask, s));

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true, integer.</summary>
    public static Tensor FillMasked(this Tensor x, Tensor mask, long value) => Held(value, s => x.masked_fill(mask, s));

    /// <summary>Fills <paramref name="x"/> in place with <paramref name="value"/>.</summary>
    public static Tensor FillWith(this Tensor x, double value) => Held(value, s => x.fill_(s));

    /// <summary>Fills the entries of <paramref name="x"/> at <paramref name="index"/> along <paramref name="dim"/> in place.</summary>
    public static Tensor IndexFillWith(this Tensor x, long dim, Tensor index, double value) => Held(value, s => x.index_fill_(dim, index, s));

    /// <summary>A copy of <paramref name="x"/> with the entries at <paramref name="index"/> along <paramref name="dim"/> set to <paramref name="value"/>.</summary>
    public static Tensor IndexFilled(this Tensor x, long dim, Tensor index, double value) => Held(value, s => x.index_fill(dim, index, s));

    /// <summary>A tensor shaped, typed and placed like <paramref name="like"/>, filled with <paramref name="value"/>.</summary>
    public static Tensor FilledLike(Tensor like, double value) => Held(value, s => full_like(like, s));

    /// <summary>Element-wise <paramref name="x"/> == <paramref name="value"/>.</summary>
    public static Tensor IsEqualTo(this Tensor x, long value) => Held(value, s => x.eq(s));

    /// <summary>Element-wise <paramref name="x"/> != <paramref name="value"/>.</summary>
    public static Tensor IsNotEqualTo(this Tensor x, long value) => Held(value, s => x.ne(s));

    /// <summary>Element-wise <paramref name="x"/> &gt; <paramref name="value"/>.</summary>
    public static Tensor IsGreaterThan(this Tensor x, double value) => Held(value, s => x.gt(s));

    /// <summary>Element-wise <paramref name="x"/> &gt;= <paramref name="value"/>.</summary>
    public static Tensor IsAtLeast(this Tensor x, double value) => Held(value, s => x.ge(s));

    /// <summary>Element-wise <paramref name="x"/> &lt; <paramref name="value"/>.</summary>
    public static Tensor IsLessThan(this Tensor x, double value) => Held(value, s => x.lt(s));

    /// <summary>Element-wise <paramref name="x"/> &lt;= <paramref name="value"/>.</summary>
    public static Tensor IsAtMost(this Tensor x, double value) => Held(value, s => x.le(s));

    /// <summary>A tensor of <paramref name="size"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Filled(long[] size, double value, ScalarType dtype, Device? device) => Held(value, s => full(size, s, dtype, device));

    /// <summary>A tensor of <paramref name="size"/> filled with <paramref name="value"/>, integer.</summary>
    public static Tensor Filled(long[] size, long value, ScalarType dtype, Device? device) => Held(value, s => full(size, s, dtype, device));

    /// <summary>start, start + step, ... below stop (integer).</summary>
    public static Tensor Range(long start, long stop, ScalarType dtype, Device? device, long step = 1) =>
        Held(start, first => Held(stop, end => Held(step, stride => arange(first, end, stride, dtype, device))));

    /// <summary>Runs <paramref name="operation"/> with <paramref name="value"/> as a native scalar that lives until it returns.</summary>
    private static Tensor Held(double value, Func<Scalar, Tensor> operation)
    {
        using var scalar = value.ToScalar();
        return operation(scalar);
    }

    /// <summary>Runs <paramref name="operation"/> with <paramref name="value"/> as an integer native scalar that lives until it returns.</summary>
    private static Tensor Held(long value, Func<Scalar, Tensor> operation)
    {
        using var scalar = value.ToScalar();
        return operation(scalar);
    }
}

using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

public sealed class NucleusTests
{
    [Fact]
    public void Nucleus_keeps_the_token_at_exactly_p_where_the_mass_before_it_must_exceed_p()
    {
        using var scope = NewDisposeScope();
        using var sorted = tensor(new[] { 0.5, 0.25, 0.25 }, [1, 3]);

        var removed = Nucleus.RemovedSorted(sorted, 0.5, NucleusBoundary.MassBeforeExceedsP).data<bool>().ToArray();

        Assert.Equal([false, false, true], removed); // mass before the second is exactly 0.5: kept (Dream, SDAR)
    }

    [Fact]
    public void Nucleus_drops_the_token_at_exactly_p_where_the_mass_before_it_must_stay_below_p()
    {
        using var scope = NewDisposeScope();
        using var sorted = tensor(new[] { 0.5, 0.25, 0.25 }, [1, 3]);

        var removed = Nucleus.RemovedSorted(sorted, 0.5, NucleusBoundary.MassBeforeReachesP).data<bool>().ToArray();

        Assert.Equal([false, true, true], removed); // SSD-LM's cumsum < top_p
    }

    [Fact]
    public void Nucleus_filter_always_keeps_the_most_likely_token_and_the_one_crossing_p_in_any_order()
    {
        using var scope = NewDisposeScope();
        using var logits = tensor(new[] { 0.0, 3.0, 1.0, 2.9 }, [1, 4]);

        var filtered = Nucleus.Filter(logits, 0.6).data<double>().ToArray();

        // softmax ~ [0.02, 0.48, 0.06, 0.43]: 3.0 alone is below 0.6, so 2.9 (crossing p) stays, the rest go.
        Assert.Equal([double.NegativeInfinity, 3.0, double.NegativeInfinity, 2.9], filtered);
    }
}

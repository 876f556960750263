using DiffusionChat.Sampling;
using TorchSharp;

namespace DiffusionChat.Tests.Masked;

/// <summary>Runs a block-causal sampler over a set of requests, and checks that doing so leaks no native tensor.</summary>
internal static class SamplerRequests
{
    /// <summary>
    /// Runs <paramref name="requests"/> once (warm-up), then five more times, and asserts that the thread's live tensor
    /// count is where the warm-up left it.
    /// </summary>
    public static void AssertNoLiveTensorsLeft(BlockCausalSampler sampler, IReadOnlyList<MaskedGenerationRequest> requests)
    {
        void RunAll()
        {
            foreach (var request in requests)
            {
                sampler.Generate(request, null, _ => { }, default);
            }
        }

        RunAll();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 5; i++)
        {
            RunAll();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Sampling.Autoregressive;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Autoregressive;

public sealed class NativeMemoryTests
{
    [Fact]
    public void Repeated_decoding_leaves_no_live_tensors_behind()
    {
        using var model = TinyLlama.Create();
        var options = new DecodingOptions(MaxNewTokens: 8, StopTokenIds: [3], PadTokenId: 0) { Temperature = 1.0, TopK = 10, TopP = 0.9 };
        CausalDecoder.Generate(model, [[1, 2, 3], [4]], options); // warm-up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 25; i++)
        {
            CausalDecoder.Generate(model, [[1, 2, 3], [4]], options with { Seed = i });
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

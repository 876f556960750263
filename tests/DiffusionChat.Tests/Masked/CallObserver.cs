using DiffusionChat.Sampling;

namespace DiffusionChat.Tests.Masked;

/// <summary>Sees every denoiser call of the masked sampler (window logits, no replayed reference loop shape).</summary>
internal sealed class CallObserver(Action<SamplerCallTrace> called) : IMaskedSamplerObserver
{
    public bool WantsWindowLogits => true;

    public void Called(SamplerCallTrace call) => called(call);

    public bool CallsAgain(int block, int step, KeyValueCacheMode cache) => false;
}

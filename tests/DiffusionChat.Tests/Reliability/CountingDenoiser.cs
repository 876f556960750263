using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Models;
using TorchSharp;

namespace DiffusionChat.Tests.Reliability;

/// <summary>
/// Wraps a real denoiser, counts its forward passes and calls a hook after each one (from the sampler's thread), so
/// tests can cancel "during step k" and count what happens afterwards instead of timing it.
/// </summary>
internal sealed class CountingDenoiser(IMaskedDenoiser inner, Action<int>? onForward) : DelegatingMaskedDenoiser(inner)
{
    private int passes;

    public int ForwardPasses => Volatile.Read(ref passes);

    /// <summary>A client over the reliability checkpoint whose denoiser is wrapped by a counter.</summary>
    public static DiffusionChatClient Client(ReliabilityModel model, Action<int>? onForward, out CountingDenoiser counter, DiffusionChatClientOptions? options = null)
    {
        var loaded = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = model.Folder, Device = "cpu" });
        var generator = (MaskedTokenGenerator)loaded.Generator;
        counter = new CountingDenoiser(generator.Denoiser, onForward);

        // The new generator owns the wrapper, which owns the loaded denoiser; the loaded ChatModelParts is dropped undisposed
        // on purpose (disposing it would dispose the same denoiser twice).
        var wrapped = new MaskedTokenGenerator(counter, generator.DefaultDiffusion, generator.MaxSequenceLength);
        return new DiffusionChatClient(new ChatModelParts(loaded.ModelId, wrapped, loaded.Tokenizer, loaded.Format, loaded.Folder), options);
    }

    protected override torch.Tensor OnForward(torch.Tensor logits)
    {
        onForward?.Invoke(Interlocked.Increment(ref passes));
        return logits;
    }
}

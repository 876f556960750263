using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Models;
using TorchSharp;

namespace DiffusionChat.Server.Tests;

/// <summary>
/// Loads the real checkpoint and wraps its denoiser so tests can count forward passes, slow each one down, hold them
/// at a gate (a full queue), or hold the load itself (a server that is still loading).
/// </summary>
internal sealed class ObservedModelLoader : IChatModelLoader
{
    private int passes;

    /// <summary>Forward passes so far, over every request.</summary>
    public int ForwardPasses => Volatile.Read(ref passes);

    /// <summary>Added to every forward pass.</summary>
    public TimeSpan PassDelay { get; init; }

    /// <summary>When set, every forward pass waits for it (at most 30 s).</summary>
    public ManualResetEventSlim? PassGate { get; init; }

    /// <summary>When set, the load waits for it (at most 30 s).</summary>
    public ManualResetEventSlim? LoadGate { get; init; }

    public ChatModelParts Load(DiffusionChatHostingOptions options, CancellationToken cancellationToken = default)
    {
        LoadGate?.Wait(TimeSpan.FromSeconds(30), cancellationToken);
        var loaded = new CheckpointChatModelLoader().Load(options, cancellationToken);
        var generator = (MaskedTokenGenerator)loaded.Generator;
        // The new generator owns the wrapper, which owns the loaded denoiser; the loaded ChatModelParts is dropped
        // undisposed so the denoiser is not disposed twice.
        var observed = new ObservedDenoiser(generator.Denoiser, this);
        var wrapped = new MaskedTokenGenerator(observed, generator.DefaultDiffusion, generator.MaxSequenceLength);
        return new ChatModelParts(loaded.ModelId, wrapped, loaded.Tokenizer, loaded.Format, loaded.Folder);
    }

    private void OnForward()
    {
        Interlocked.Increment(ref passes);
        PassGate?.Wait(TimeSpan.FromSeconds(30));
        if (PassDelay > TimeSpan.Zero)
        {
            Thread.Sleep(PassDelay);
        }
    }

    private sealed class ObservedDenoiser(IMaskedDenoiser inner, ObservedModelLoader owner) : DelegatingMaskedDenoiser(inner)
    {
        protected override torch.Tensor OnForward(torch.Tensor logits)
        {
            owner.OnForward();
            return logits;
        }
    }
}

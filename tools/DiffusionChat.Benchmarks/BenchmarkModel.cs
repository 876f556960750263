using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Sampling;

namespace DiffusionChat.Benchmarks;

/// <summary>A chat client over one model folder, with the live-tensor probe when the model is masked diffusion.</summary>
internal sealed class BenchmarkModel : IDisposable
{
    private BenchmarkModel(string folder, DiffusionChatClient client, ModelFamily family, TensorCountingDenoiser? tensors)
    {
        Folder = folder;
        Name = Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar));
        Client = client;
        Family = family;
        Tensors = tensors;
    }

    public string Folder { get; }

    public string Name { get; }

    public DiffusionChatClient Client { get; }

    public ModelFamily Family { get; }

    /// <summary>Whether the model can sample with a key/value cache; cached settings are skipped for one that cannot.</summary>
    public bool SupportsCache => Tensors?.SupportsKeyValueCache ?? false;

    /// <summary>Whether a setting can run on this model.</summary>
    public bool CanRun(DiffusionGenerationOptions knobs) => SupportsCache || knobs.Cache is null or KeyValueCacheMode.None;

    /// <summary>The live-tensor probe (masked models only).</summary>
    public TensorCountingDenoiser? Tensors { get; }

    public static BenchmarkModel Load(string folder, int maxBatchSize)
    {
        var loaded = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" });
        var options = new DiffusionChatClientOptions { MaxBatchSize = maxBatchSize, MaxQueueLength = Math.Max(64, maxBatchSize * 2) };
        if (loaded.Generator is DreamTokenGenerator dream)
        {
            // Dream runs the masked plan's block settings through Fast-dLLM's block-wise path, probed like a masked model.
            var dreamProbe = new TensorCountingDenoiser(dream.Denoiser);
            var observed = new DreamTokenGenerator(dream.Denoiser, dream.DefaultDiffusion, dream.MaxSequenceLength, dreamProbe);
            var dreamModel = new ChatModelParts(loaded.ModelId, observed, loaded.Tokenizer, loaded.Format, loaded.Folder);
            return new BenchmarkModel(folder, new DiffusionChatClient(dreamModel, options), ModelFamily.MaskedDiffusion, dreamProbe);
        }

        if (loaded.Generator is not MaskedTokenGenerator masked)
        {
            return new BenchmarkModel(folder, new DiffusionChatClient(loaded, options), loaded.Generator.Family, null);
        }

        // The wrapping generator owns the probe, which owns the loaded denoiser; the first generator is dropped
        // undisposed so the denoiser is disposed once.
        var probe = new TensorCountingDenoiser(masked.Denoiser);
        var generator = new MaskedTokenGenerator(probe, masked.DefaultDiffusion, masked.MaxSequenceLength);
        var model = new ChatModelParts(loaded.ModelId, generator, loaded.Tokenizer, loaded.Format, loaded.Folder);
        return new BenchmarkModel(folder, new DiffusionChatClient(model, options), ModelFamily.MaskedDiffusion, probe);
    }

    public void Dispose() => Client.Dispose();
}

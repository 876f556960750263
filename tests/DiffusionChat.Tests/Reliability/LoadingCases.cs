using DiffusionChat.Checkpoints;
using DiffusionChat.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DiffusionChat.Tests.Reliability;

/// <summary>Bad checkpoints handed to <see cref="CheckpointChatModelLoader"/> and bad options handed to DI registration.</summary>
internal static class LoadingCases
{
    public static IEnumerable<BadInputCase> All()
    {
        // Checkpoint folders.
        yield return Case("checkpoint folder does not exist", typeof(DirectoryNotFoundException), ["Checkpoint folder", "does not exist"],
            () => new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = Path.Combine(Path.GetTempPath(), "dc-no-such-folder"), Device = "cpu" }));
        yield return Damaged("config.json missing", typeof(CheckpointFormatException), ["config.json is missing"], c => File.Delete(c.File("config.json")));
        yield return Damaged("config.json is not JSON", typeof(CheckpointFormatException), ["config.json", "is not valid JSON"], c => File.WriteAllText(c.File("config.json"), "{ d_model: 16,"));
        yield return Damaged("config.json is a JSON array", typeof(CheckpointFormatException), ["must hold a JSON object, found Array"], c => File.WriteAllText(c.File("config.json"), "[]"));
        yield return Damaged("unknown model_type", typeof(NotSupportedException), ["'gpt-neox'", "supported: masked diffusion", "llama"],
            c => c.EditConfig(j => { j["model_type"] = "gpt-neox"; j.Remove("architectures"); }));
        yield return Damaged("no model_type at all", typeof(NotSupportedException), ["no model_type or architectures"],
            c => c.EditConfig(j => { j.Remove("model_type"); j.Remove("architectures"); }));
        yield return Damaged("config names no context length", typeof(CheckpointFormatException), ["names no usable context length", "max_sequence_length, model_length, max_position_embeddings"],
            c => c.EditConfig(j => { j.Remove("max_sequence_length"); j.Remove("model_length"); j.Remove("max_position_embeddings"); }));
        yield return Damaged("weights file missing", typeof(CheckpointFormatException), ["no weights found", "looked for 'model.safetensors' and 'model.safetensors.index.json'"], c => File.Delete(c.File("model.safetensors")));
        yield return Damaged("truncated weights", typeof(CheckpointFormatException), ["model.safetensors", "run past the end of the data section", "may be truncated"], Truncate);
        yield return Damaged("weights shape differs from config (d_model)", typeof(CheckpointFormatException), ["tensor 'model.transformer.wte.weight'", "has shape [3072, 16]", "expects [3072, 32]"], c => c.EditConfig(j => j["d_model"] = 32));
        yield return Damaged("embedding table in config larger than the weights", typeof(CheckpointFormatException), ["tensor 'model.transformer.wte.weight'", "has shape [3072, 16]", "expects [4000, 16]"], c => c.EditConfig(j => { j["embedding_size"] = 4000; j["vocab_size"] = 4000; }));
        yield return Damaged("embedding table in config too small for the special ids", typeof(CheckpointFormatException), ["mask_token_id", "outside the embedding table of 100 rows"],
            c => c.EditConfig(j => { j["embedding_size"] = 100; j["vocab_size"] = 100; }));
        yield return Damaged("tokenizer files missing", typeof(FileNotFoundException), ["No tokenizer found", "Looked for: tokenizer.json; vocab.json + merges.txt"],
            c => { foreach (var f in new[] { "vocab.json", "merges.txt", "tokenizer.json" }) { File.Delete(c.File(f)); } });
        yield return Damaged("tokenizer.json corrupted", typeof(CheckpointFormatException), ["tokenizer.json': is not valid JSON"], c => File.WriteAllText(c.File("tokenizer.json"), "{\"model\": "));
        yield return Damaged("tokenizer vocab.json corrupted (no tokenizer.json)", typeof(CheckpointFormatException), ["vocab.json': is not valid JSON"], c =>
        {
            File.Delete(c.File("tokenizer.json"));
            File.WriteAllText(c.File("vocab.json"), "{\"a\": ");
        });
        yield return Case("dtype name not known", typeof(ArgumentException), ["DType 'int8'", "float32, float16, bfloat16"], () =>
        {
            using var c = ReliabilityModel.NewCorruptible();
            c.Load("int8").Dispose();
        });
        yield return Case("null options to the loader", typeof(ArgumentNullException), ["(Parameter 'options')"], () => new CheckpointChatModelLoader().Load(null!));

        // Dependency injection.
        yield return Registered("DI: DefaultMaxOutputTokens = 0", ["DefaultMaxOutputTokens must be at least 1; got 0"], o => o.DefaultMaxOutputTokens = 0);
        yield return Registered("DI: MaxBatchSize = 0", ["MaxBatchSize must be at least 1; got 0"], o => o.MaxBatchSize = 0);
        yield return Registered("DI: MaxQueueLength negative", ["MaxQueueLength must be at least 1; got -1"], o => o.MaxQueueLength = -1);
        yield return Registered("DI: Diffusion.BlockLength = 0", ["BlockLength must be at least 1; got 0"], o => o.Diffusion.BlockLength = 0);
        yield return Registered("DI: Diffusion.ConfidenceThreshold = 2", ["ConfidenceThreshold must be in (0, 1]; got 2"], o => o.Diffusion.ConfidenceThreshold = 2);
        yield return Registered("DI: Device unknown", ["Device 'tpu'", "Allowed: 'auto', 'cpu', 'cuda' or 'cuda:N'"], o => o.Device = "tpu");
        yield return Case("DI: null configure delegate", typeof(ArgumentNullException), ["(Parameter 'configure')"],
            () => new ServiceCollection().AddDiffusionChatClient((Action<DiffusionChatHostingOptions>)null!));
    }

    private static BadInputCase Case(string name, Type expected, string[] fragments, Action act) => new(name, expected, fragments, _ =>
    {
        act();
        return Task.CompletedTask;
    });

    private static BadInputCase Damaged(string name, Type expected, string[] fragments, Action<CorruptibleCheckpoint> damage) => Case(name, expected, fragments, () =>
    {
        using var checkpoint = ReliabilityModel.NewCorruptible();
        damage(checkpoint);
        checkpoint.Load().Dispose();
    });

    private static BadInputCase Registered(string name, string[] fragments, Action<DiffusionChatHostingOptions> configure) =>
        Case(name, typeof(OptionsValidationException), fragments, () =>
        {
            var services = new ServiceCollection();
            services.AddDiffusionChatClient(o =>
            {
                o.ModelPath = AppContext.BaseDirectory;
                configure(o);
            });
            using var provider = services.BuildServiceProvider();
            provider.GetRequiredService<IStartupValidator>().Validate();
        });

    private static void Truncate(CorruptibleCheckpoint checkpoint)
    {
        var path = checkpoint.File("model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }
}

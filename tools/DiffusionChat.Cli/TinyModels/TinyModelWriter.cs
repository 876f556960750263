using System.Globalization;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Llada;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Tools;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Cli.TinyModels;

/// <summary>
/// Writes a Hugging Face-layout folder holding a tiny, randomly initialised model of one family, sized to a trained
/// tokenizer folder (the repository's <c>models/tokenizer</c>). Such a model talks gibberish but loads through
/// <c>CheckpointChatModelLoader</c> and exercises the whole load, template, sample and decode path, so samples and docs
/// can run before a trained model exists.
/// </summary>
internal static class TinyModelWriter
{
    // Small enough to load and sample in milliseconds on a CPU, large enough that attention and MLPs are real.
    private const int Width = 16, Heads = 2, Hidden = 32, Layers = 1, Context = 1024;

    /// <summary>Tokenizer files every folder needs.</summary>
    public static IReadOnlyList<string> RequiredTokenizerFiles { get; } = ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>Tokenizer files copied when present (older folders split text with GPT-2's pattern and have no <c>tokenizer.json</c>).</summary>
    public static IReadOnlyList<string> OptionalTokenizerFiles { get; } = ["tokenizer.json"];

    /// <summary>Writes the folder (created if missing; existing model files are replaced).</summary>
    /// <param name="folder">Target folder.</param>
    /// <param name="family">Architecture to write.</param>
    /// <param name="tokenizerFolder">Folder with the byte-level BPE tokenizer files and ChatML special tokens.</param>
    /// <param name="seed">Seed of the random weights (same seed, same model).</param>
    /// <exception cref="DirectoryNotFoundException">The tokenizer folder does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The tokenizer folder lacks a file or a special token the model needs.</exception>
    public static void Write(string folder, TinyModelFamily family, string tokenizerFolder, int seed = 7)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenizerFolder);
        if (!Enum.IsDefined(family))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, $"family must be one of {string.Join(", ", Enum.GetNames<TinyModelFamily>())}.");
        }

        if (!Directory.Exists(tokenizerFolder))
        {
            throw new DirectoryNotFoundException($"Tokenizer folder '{tokenizerFolder}' does not exist.");
        }

        var ids = SpecialIds.Read(tokenizerFolder);
        Directory.CreateDirectory(folder);
        foreach (var file in RequiredTokenizerFiles.Concat(OptionalTokenizerFiles))
        {
            var source = Path.Combine(tokenizerFolder, file);
            if (!File.Exists(source) && OptionalTokenizerFiles.Contains(file))
            {
                continue;
            }

            if (!File.Exists(source))
            {
                throw new CheckpointFormatException(source, null, $"tokenizer file '{file}' is missing from '{tokenizerFolder}'.");
            }

            File.Copy(source, Path.Combine(folder, file), overwrite: true);
        }

        using var generator = new Generator(unchecked((ulong)seed));
        switch (family)
        {
            case TinyModelFamily.Masked:
                WriteLlada(folder, ids, seed, generator);
                break;
            case TinyModelFamily.Simplex:
                WriteSsdLm(folder, ids, generator);
                break;
            default:
                WriteLlama(folder, ids, generator);
                break;
        }
    }

    private static void WriteLlada(string folder, SpecialIds ids, int seed, Generator generator)
    {
        var config = new LladaConfig(Width, Heads, Heads, Layers, Hidden, ids.VocabSize, RopeTheta: 10000.0, RmsNormEps: 1e-5, ids.Mask, ids.EndOfText);
        // The library's own config writer, so the folder carries exactly the fields the loader reads.
        var json = config.ToJson(ids.Pad, Context);
        // Short blocks keep a tiny model's answers quick and make the block-by-block commits visible.
        json["generation_defaults"] = new JsonObject { ["steps"] = 8, ["block_length"] = 8 };
        RandomModelWriter.WriteLlada(folder, config, json, seed, Noised(generator));
    }

    private static void WriteSsdLm(string folder, SpecialIds ids, Generator generator)
    {
        // RoBERTa numbers positions from pad_token_id + 1, so the table must reach past the pad id.
        int positions = ids.Pad + 2 + Context;
        var config = new JsonObject
        {
            ["model_type"] = "roberta",
            ["architectures"] = new JsonArray("RobertaForDiffusionLM"),
            ["vocab_size"] = ids.VocabSize,
            ["hidden_size"] = Width,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["intermediate_size"] = Hidden,
            ["max_position_embeddings"] = positions,
            ["type_vocab_size"] = 1,
            ["pad_token_id"] = ids.Pad,
            ["eos_token_id"] = ids.EndOfText,
            ["layer_norm_eps"] = 1e-5,
            ["hidden_act"] = "gelu",
            ["position_embedding_type"] = "absolute",
            ["generation_defaults"] = new JsonObject { ["steps"] = 8, ["block_length"] = 8 },
        };
        using var model = new SsdLmDenoiser(SsdLmConfig.FromJson(System.Text.Json.JsonDocument.Parse(config.ToJsonString()).RootElement, "tiny config"));
        RandomModelWriter.Write(folder, config, model, "", Seeded(generator));
    }

    private static void WriteLlama(string folder, SpecialIds ids, Generator generator)
    {
        var llama = new LlamaConfig(ids.VocabSize, Width, Hidden, Layers, Heads, Heads, Context)
        {
            EosTokenId = ids.EndOfText,
            PadTokenId = ids.Pad,
        };
        using var model = new LlamaForCausalLM(llama.Validate());
        RandomModelWriter.Write(folder, llama.ToJson(), model, "", Seeded(generator));
    }

    // Fresh weights plus seeded noise: spread-out logits, so greedy answers differ from prompt to prompt.
    private static RandomModelWriter.Draw Noised(Generator generator) =>
        (_, initialised) => initialised.Plus(randn(initialised.shape, generator: generator).Times(initialised.dim() == 1 ? 0.1 : 0.5));

    // SSD-LM and LLaMA modules initialise from torch's global generator, which tests running in parallel share, so their
    // own initial values are not reproducible ("same seed, same model" would not hold, and a rare draw answered with
    // nothing). Every value is drawn from the seeded generator instead, at the modules' own scales: N(0, 1) for
    // embeddings, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for other matrices, ones for norm weights and zeros for biases;
    // then the same noise as Noised. (LLaDA's initialisation is already seeded.)
    private static RandomModelWriter.Draw Seeded(Generator generator) =>
        (name, initialised) =>
        {
            var shape = initialised.shape;
            var fresh = initialised.dim() == 1
                ? (name.EndsWith("bias", StringComparison.Ordinal) ? zeros(shape) : ones(shape))
                : name.Contains("embed", StringComparison.OrdinalIgnoreCase)
                    ? randn(shape, generator: generator)
                    : rand(shape, generator: generator).Times(2).Minus(1).Times(1 / Math.Sqrt(shape[^1]));
            return fresh.Plus(randn(shape, generator: generator).Times(initialised.dim() == 1 ? 0.1 : 0.5));
        };

    /// <summary>The special-token ids a tiny model's config needs, read from <c>tokenizer_config.json</c>.</summary>
    private sealed record SpecialIds(int VocabSize, int EndOfText, int Mask, int Pad)
    {
        public static SpecialIds Read(string tokenizerFolder)
        {
            var path = Path.Combine(tokenizerFolder, "tokenizer_config.json");
            if (!File.Exists(path))
            {
                throw new CheckpointFormatException(path, null, "tokenizer_config.json is missing; the tiny model needs its added_tokens_decoder.");
            }

            var added = JsonNode.Parse(File.ReadAllText(path))?["added_tokens_decoder"] as JsonObject
                ?? throw new CheckpointFormatException(path, null, "tokenizer_config.json has no added_tokens_decoder object.");
            var byContent = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (key, value) in added)
            {
                if (value?["content"]?.GetValue<string>() is { } content)
                {
                    byContent[content] = int.Parse(key, CultureInfo.InvariantCulture);
                }
            }

            int Id(string content) => byContent.TryGetValue(content, out int id)
                ? id
                : throw new CheckpointFormatException(path, null, $"special token '{content}' is missing; the tiny model needs {string.Join(", ", Needed)}.");
            int vocab = Math.Max(byContent.Values.Max(), VocabEntries(tokenizerFolder) - 1) + 1;
            return new SpecialIds(vocab, Id("<|endoftext|>"), Id("<|mask|>"), Id("<|pad|>"));
        }

        private static readonly string[] Needed = ["<|endoftext|>", "<|mask|>", "<|pad|>"];

        private static int VocabEntries(string tokenizerFolder)
        {
            var vocab = Path.Combine(tokenizerFolder, "vocab.json");
            return File.Exists(vocab) && JsonNode.Parse(File.ReadAllText(vocab)) is JsonObject o ? o.Count : 0;
        }
    }
}

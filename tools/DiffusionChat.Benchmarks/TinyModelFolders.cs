using System.Globalization;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Llada;
using DiffusionChat.Models.Qwen;
using DiffusionChat.Tools;
using TorchSharp;
using DiffusionChat.Tensors;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// Writes randomly initialised checkpoint folders with the shipped models' shapes (d_model 256, 4 layers, the
/// repository tokenizer's 3077 ids), so speed and memory can be measured before trained models exist.
/// </summary>
/// <remarks>
/// The output rows of special tokens (end of text, end of turn, padding, mask) are zeroed: random weights would
/// otherwise end some answers early at random, and a length sweep must generate every token it asks for.
/// </remarks>
internal static class TinyModelFolders
{
    private const int Dim = 256, Layers = 4, Heads = 4, Mlp = 1024, Context = 1024, PaddedVocab = 3077;

    /// <summary>Writes a LLaDA-architecture masked diffusion folder.</summary>
    public static string WriteMasked(string folder, string tokenizerFolder)
    {
        var (vocab, ids) = CopyTokenizer(folder, tokenizerFolder);
        var config = new LladaConfig(Dim, Heads, Heads, Layers, Mlp, vocab, RopeTheta: 10000.0, RmsNormEps: 1e-5, ids["<|mask|>"], ids["<|endoftext|>"]);
        // The library's own config writer, so the folder carries exactly the fields the loader reads.
        var json = config.ToJson(ids["<|pad|>"], Context);
        json["generation_defaults"] = new JsonObject { ["block_length"] = 32, ["steps"] = 8 };
        using var generator = new torch.Generator(17);
        RandomModelWriter.WriteLlada(folder, config, json, seed: 17, TrainedLike(generator, vocab, ids.Values));
        return folder;
    }

    /// <summary>Writes a llama-architecture autoregressive baseline folder of the same size.</summary>
    public static string WriteAutoregressive(string folder, string tokenizerFolder)
    {
        var (vocab, ids) = CopyTokenizer(folder, tokenizerFolder);
        var config = new LlamaConfig(vocab, Dim, Mlp, Layers, Heads, Heads, Context)
        {
            TieWordEmbeddings = false,
            EosTokenId = ids["<|endoftext|>"],
            PadTokenId = ids["<|pad|>"],
        };
        using var generator = new torch.Generator(23);
        using var model = new LlamaForCausalLM(config);
        RandomModelWriter.Write(folder, config.ToJson(), model, "", TrainedLike(generator, vocab, ids.Values));
        return folder;
    }

    /// <summary>
    /// Writes a Dream-architecture folder of the same size (Qwen2 decoder with q/k/v biases, run bidirectionally with
    /// shifted logits), for measuring Dream's own sampler against Fast-dLLM's block-wise path with and without caches.
    /// </summary>
    public static string WriteDream(string folder, string tokenizerFolder)
    {
        var (vocab, ids) = CopyTokenizer(folder, tokenizerFolder);
        var config = new QwenConfig(vocab, Dim, Mlp, Layers, Heads, Heads, Dim / Heads, RopeTheta: 10000.0, RmsNormEps: 1e-6)
        {
            AttentionBias = true,
            MaskTokenId = ids["<|mask|>"],
            EosTokenId = ids["<|endoftext|>"],
            PadTokenId = ids["<|pad|>"],
        };
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("DreamModel"), ["model_type"] = "Dream",
            ["vocab_size"] = vocab, ["hidden_size"] = Dim, ["intermediate_size"] = Mlp, ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads, ["num_key_value_heads"] = Heads, ["rope_theta"] = 10000.0, ["rms_norm_eps"] = 1e-6,
            ["tie_word_embeddings"] = false, ["max_position_embeddings"] = Context,
            ["mask_token_id"] = ids["<|mask|>"], ["eos_token_id"] = ids["<|endoftext|>"], ["pad_token_id"] = ids["<|pad|>"],
            ["bos_token_id"] = ids["<|endoftext|>"],
        };
        using var generator = new torch.Generator(29);
        using var layout = new QwenCausalLM(config, torch.CPU, torch.ScalarType.Float32);
        RandomModelWriter.Write(folder, json, layout, "", TrainedLike(generator, vocab, ids.Values));
        return folder;
    }

    /// <summary>Number of parameters in a folder's safetensors file.</summary>
    public static long ParameterCount(string folder)
    {
        using var checkpoint = CheckpointFolder.Open(folder);
        return checkpoint.TensorNames.Sum(n => checkpoint.Info(n).ElementCount);
    }

    // Unit norms, N(0, 1) embeddings, other matrices scaled by 1/sqrt(fan-in) like a trained model's weights so
    // activations stay in range through the layers; output heads with the special tokens' rows zeroed.
    private static RandomModelWriter.Draw TrainedLike(torch.Generator generator, int vocab, IEnumerable<int> specialIds) => (name, initialised) =>
    {
        var shape = initialised.shape;
        return name is "lm_head.weight" or "ff_out.weight" ? OutputHead(generator, vocab, specialIds)
            : shape.Length == 1 ? torch.ones(shape)
            : name is "wte.weight" || name.Contains("embed_tokens", StringComparison.Ordinal) ? Random(generator, 1.0, shape)
            : Random(generator, Scale(shape[1]), shape);
    };

    private static double Scale(long fanIn) => 1.0 / Math.Sqrt(fanIn);

    private static torch.Tensor Random(torch.Generator generator, double scale, params long[] shape) => torch.randn(shape, generator: generator).Times(scale);

    private static torch.Tensor OutputHead(torch.Generator generator, int vocab, IEnumerable<int> specialIds)
    {
        var head = Random(generator, Scale(Dim), vocab, Dim);
        foreach (var id in specialIds)
        {
            head[id].zero_();
        }

        return head;
    }

    private static (int Vocab, Dictionary<string, int> SpecialIds) CopyTokenizer(string folder, string tokenizerFolder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(tokenizerFolder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }

        var added = JsonNode.Parse(File.ReadAllText(Path.Combine(tokenizerFolder, "tokenizer_config.json")))!["added_tokens_decoder"]!.AsObject();
        var ids = added.ToDictionary(kv => kv.Value!["content"]!.GetValue<string>(), kv => int.Parse(kv.Key, CultureInfo.InvariantCulture));
        // The shipped models pad the embedding table to 3077 rows; the rows past the tokenizer are never decoded.
        int vocab = Math.Max(PaddedVocab, ids.Values.Max() + 1);
        for (int id = ids.Values.Max() + 1; id < vocab; id++)
        {
            ids[$"<|unused{id}|>"] = id;
        }

        return (vocab, ids);
    }
}

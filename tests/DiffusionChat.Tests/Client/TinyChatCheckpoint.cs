using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using TorchSharp;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// A throwaway Hugging Face-layout folder holding a tiny random LLaDA-architecture model sized to the repository's
/// trained tokenizer (models/tokenizer), so the whole load -> template -> sample -> decode path runs for real.
/// </summary>
internal sealed class TinyChatCheckpoint : IDisposable
{
    private const int Dim = 16, Mlp = 32, Layers = 1;

    public TinyChatCheckpoint(JsonObject? generationDefaults = null)
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dc-chat-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        var tokenizer = RepoPaths.Path("models", "tokenizer");
        foreach (var file in System.IO.Directory.GetFiles(tokenizer))
        {
            File.Copy(file, System.IO.Path.Combine(Directory, System.IO.Path.GetFileName(file)));
        }

        var added = JsonNode.Parse(File.ReadAllText(System.IO.Path.Combine(tokenizer, "tokenizer_config.json")))!["added_tokens_decoder"]!.AsObject();
        int Id(string content) => int.Parse(added.First(kv => kv.Value!["content"]!.GetValue<string>() == content).Key, System.Globalization.CultureInfo.InvariantCulture);
        int vocab = added.Select(kv => int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture)).Max() + 1;

        var config = new JsonObject
        {
            ["model_type"] = "llada",
            ["architectures"] = new JsonArray("LLaDAModelLM"),
            ["d_model"] = Dim,
            ["n_heads"] = 2,
            ["n_kv_heads"] = 2,
            ["n_layers"] = Layers,
            ["mlp_hidden_size"] = Mlp,
            ["embedding_size"] = vocab,
            ["vocab_size"] = vocab,
            ["rope_theta"] = 10000.0,
            ["rms_norm_eps"] = 1e-5,
            ["mask_token_id"] = Id("<|mask|>"),
            ["eos_token_id"] = Id("<|endoftext|>"),
            ["pad_token_id"] = Id("<|pad|>"),
            ["max_sequence_length"] = 256,
        };
        if (generationDefaults is not null)
        {
            config["generation_defaults"] = generationDefaults;
        }

        File.WriteAllText(System.IO.Path.Combine(Directory, "config.json"), config.ToJsonString());
        WriteRandomWeights(System.IO.Path.Combine(Directory, "model.safetensors"), vocab);
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static void WriteRandomWeights(string path, int vocab)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(7);
        torch.Tensor Random(params long[] shape) => torch.randn(shape, generator: generator) * 0.5f;
        torch.Tensor Norm() => torch.ones(Dim) + (torch.randn(Dim, generator: generator) * 0.1f);
        const string p = "model.transformer.";
        var tensors = new Dictionary<string, torch.Tensor>
        {
            [p + "wte.weight"] = Random(vocab, Dim),
            [p + "ln_f.weight"] = Norm(),
            [p + "ff_out.weight"] = Random(vocab, Dim),
        };
        for (int i = 0; i < Layers; i++)
        {
            var b = $"{p}blocks.{i}.";
            tensors[b + "attn_norm.weight"] = Norm();
            tensors[b + "ff_norm.weight"] = Norm();
            tensors[b + "q_proj.weight"] = Random(Dim, Dim);
            tensors[b + "k_proj.weight"] = Random(Dim, Dim);
            tensors[b + "v_proj.weight"] = Random(Dim, Dim);
            tensors[b + "attn_out.weight"] = Random(Dim, Dim);
            tensors[b + "ff_proj.weight"] = Random(Mlp, Dim);
            tensors[b + "up_proj.weight"] = Random(Mlp, Dim);
            tensors[b + "ff_out.weight"] = Random(Dim, Mlp);
        }

        SafetensorsWriter.Write(path, tensors);
    }
}

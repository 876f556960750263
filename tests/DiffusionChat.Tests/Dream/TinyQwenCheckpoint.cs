using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Dream;

/// <summary>
/// A throwaway Hugging Face-layout folder with a tiny random Dream or SDAR model (Qwen key names) sized to the
/// repository's byte-level BPE tokenizer (models/tokenizer, ChatML tokens), so the whole load -> template -> sample ->
/// decode path of the client runs for real.
/// </summary>
internal sealed class TinyQwenCheckpoint : IDisposable
{
    private const int Vocab = 3072, Hidden = 16, Heads = 2, KeyValueHeads = 1, HeadDim = 8, Intermediate = 32;

    public TinyQwenCheckpoint(bool sdar)
    {
        Directory = Path.Combine(Path.GetTempPath(), "dc-qwen-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        var tokenizer = RepoPaths.Path("models", "tokenizer");
        foreach (var file in System.IO.Directory.GetFiles(tokenizer))
        {
            File.Copy(file, Path.Combine(Directory, Path.GetFileName(file)));
        }

        var config = new JsonObject
        {
            ["model_type"] = sdar ? "sdar" : "Dream",
            ["architectures"] = new JsonArray(sdar ? "SDARForCausalLM" : "DreamModel"),
            ["vocab_size"] = Vocab, ["hidden_size"] = Hidden, ["intermediate_size"] = Intermediate, ["num_hidden_layers"] = 1,
            ["num_attention_heads"] = Heads, ["num_key_value_heads"] = KeyValueHeads, ["head_dim"] = HeadDim,
            ["rope_theta"] = 1000000.0, ["rms_norm_eps"] = 1e-6, ["tie_word_embeddings"] = false, ["max_position_embeddings"] = 256,
            ["mask_token_id"] = 3070, ["eos_token_id"] = 3067, ["pad_token_id"] = 3071, ["bos_token_id"] = 3067,
        };
        if (sdar)
        {
            config["block_size"] = 4;
            config["attention_bias"] = false;
        }

        File.WriteAllText(Path.Combine(Directory, "config.json"), config.ToJsonString());
        using var scope = NewDisposeScope();
        using var generator = new Generator(5, CPU);
        var tensors = new Dictionary<string, Tensor>
        {
            ["model.embed_tokens.weight"] = randn([Vocab, Hidden], generator: generator),
            ["model.norm.weight"] = ones(Hidden),
            ["lm_head.weight"] = randn([Vocab, Hidden], generator: generator),
        };
        const string layer = "model.layers.0.";
        foreach (var (name, rows, columns) in new[] { ("self_attn.q_proj", Heads * HeadDim, Hidden), ("self_attn.k_proj", KeyValueHeads * HeadDim, Hidden), ("self_attn.v_proj", KeyValueHeads * HeadDim, Hidden), ("self_attn.o_proj", Hidden, Heads * HeadDim), ("mlp.gate_proj", Intermediate, Hidden), ("mlp.up_proj", Intermediate, Hidden), ("mlp.down_proj", Hidden, Intermediate) })
        {
            tensors[$"{layer}{name}.weight"] = randn([rows, columns], generator: generator).div(tensor(Math.Sqrt(columns)));
            if (!sdar && name is "self_attn.q_proj" or "self_attn.k_proj" or "self_attn.v_proj")
            {
                tensors[$"{layer}{name}.bias"] = randn([rows], generator: generator);
            }
        }

        foreach (var norm in sdar ? new[] { "input_layernorm", "post_attention_layernorm", "self_attn.q_norm", "self_attn.k_norm" } : ["input_layernorm", "post_attention_layernorm"])
        {
            tensors[$"{layer}{norm}.weight"] = ones(norm.StartsWith("self_attn", StringComparison.Ordinal) ? HeadDim : Hidden);
        }

        SafetensorsWriter.Write(Path.Combine(Directory, CheckpointFolder.SingleWeightsFile), tensors);
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

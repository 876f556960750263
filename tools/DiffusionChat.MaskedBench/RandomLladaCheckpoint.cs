using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.MaskedBench;

/// <summary>
/// Writes a randomly initialised LLaDA checkpoint folder (config.json + model.safetensors) with the goldens' recipe:
/// embeddings N(0, 1), norms 1 + N(0, 0.2), matrices N(0, 1.5/sqrt(fan_in)), output N(0, 4/sqrt(d)), so logits are
/// decisive like a trained model's rather than near-uniform.
/// </summary>
internal static class RandomLladaCheckpoint
{
    public static void Write(string directory, int dModel, int heads, int layers, int mlp, int vocab, long seed, int? attentionBlock = null, bool shiftLogits = false)
    {
        Directory.CreateDirectory(directory);
        var config = new Dictionary<string, object?>
        {
            ["model_type"] = "llada", ["architectures"] = new[] { "LLaDAModelLM" }, ["d_model"] = dModel, ["n_heads"] = heads,
            ["n_kv_heads"] = heads, ["n_layers"] = layers, ["mlp_hidden_size"] = mlp, ["vocab_size"] = vocab,
            ["embedding_size"] = vocab, ["rope_theta"] = 500000.0, ["rms_norm_eps"] = 1e-5, ["mask_token_id"] = vocab - 2,
            ["eos_token_id"] = vocab - 1, ["block_type"] = "llama", ["layer_norm_type"] = "rms",
        };
        if (attentionBlock is { } block)
        {
            config["block_size"] = block;
        }

        if (shiftLogits)
        {
            config["shift_logits"] = true;
        }

        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(config));

        var gen = new Generator((ulong)seed, CPU);
        var tensors = new List<(string Name, Tensor Value)>();
        Tensor Normal(double std, params long[] shape) => randn(shape, generator: gen).Times(std);
        const string p = "model.transformer.";
        tensors.Add((p + "wte.weight", Normal(1.0, vocab, dModel)));
        for (int i = 0; i < layers; i++)
        {
            var b = $"{p}blocks.{i}.";
            tensors.Add((b + "attn_norm.weight", Normal(0.2, dModel).Plus(1.0)));
            tensors.Add((b + "ff_norm.weight", Normal(0.2, dModel).Plus(1.0)));
            foreach (var m in new[] { "q_proj", "k_proj", "v_proj", "attn_out" })
            {
                tensors.Add((b + m + ".weight", Normal(1.5 / Math.Sqrt(dModel), dModel, dModel)));
            }

            tensors.Add((b + "ff_proj.weight", Normal(1.5 / Math.Sqrt(dModel), mlp, dModel)));
            tensors.Add((b + "up_proj.weight", Normal(1.5 / Math.Sqrt(dModel), mlp, dModel)));
            tensors.Add((b + "ff_out.weight", Normal(1.5 / Math.Sqrt(mlp), dModel, mlp)));
        }

        tensors.Add((p + "ln_f.weight", Normal(0.2, dModel).Plus(1.0)));
        var output = Normal(4 / Math.Sqrt(dModel), vocab, dModel);
        output[vocab - 2].TimesInPlace(0.05); // like the goldens: the mask token is never the argmax
        tensors.Add((p + "ff_out.weight", output));
        WriteSafetensors(Path.Combine(directory, "model.safetensors"), tensors);
    }

    private static void WriteSafetensors(string path, List<(string Name, Tensor Value)> tensors)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, value) in tensors)
        {
            long bytes = value.numel() * 4;
            header[name] = new { dtype = "F32", shape = value.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = json.Concat(Enumerable.Repeat((byte)' ', (8 - (json.Length % 8)) % 8)).ToArray();
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((long)padded.Length));
        file.Write(padded);
        foreach (var (_, value) in tensors)
        {
            var floats = value.contiguous().data<float>().ToArray();
            var raw = new byte[floats.Length * 4];
            Buffer.BlockCopy(floats, 0, raw, 0, raw.Length);
            file.Write(raw);
        }
    }
}

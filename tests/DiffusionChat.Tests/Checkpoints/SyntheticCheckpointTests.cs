using DiffusionChat.Checkpoints;
using DiffusionChat.Cli;
using DiffusionChat.Cli.Synthetic;
using DiffusionChat.Models.Dream;
using DiffusionChat.Models.Qwen;
using DiffusionChat.Models.Sdar;
using TorchSharp;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>
/// <c>make-synthetic-checkpoint</c> writes folders the Dream and SDAR loaders accept, and its 7B/8B presets describe
/// the architecture their config.json makes the loader build (so the measured folder is the size it claims).
/// </summary>
public class SyntheticCheckpointTests
{
    private static SyntheticShape Tiny(SyntheticShape released, QwenConfig config) => released with
    {
        Config = config,
        ConfigJson = () =>
        {
            var json = released.ConfigJson();
            json["vocab_size"] = config.VocabSize;
            json["hidden_size"] = config.HiddenSize;
            json["intermediate_size"] = config.IntermediateSize;
            json["num_hidden_layers"] = config.Layers;
            json["num_attention_heads"] = config.Heads;
            json["num_key_value_heads"] = config.KeyValueHeads;
            json["mask_token_id"] = config.MaskTokenId;
            json["bos_token_id"] = config.EosTokenId;
            json["eos_token_id"] = config.EosTokenId;
            if (config.PadTokenId is { } pad)
            {
                json["pad_token_id"] = pad;
            }
            if (json.ContainsKey("head_dim"))
            {
                json["head_dim"] = config.HeadDim;
            }

            return json;
        },
    };

    [Fact]
    public void Synthetic_dream_folder_loads_in_bfloat16_with_the_written_values()
    {
        using var folder = new TempFolder();
        var config = SyntheticShape.Dream7B.Config with { VocabSize = 40, HiddenSize = 16, IntermediateSize = 24, Layers = 2, Heads = 4, KeyValueHeads = 2, HeadDim = 4 };
        var shape = Tiny(SyntheticShape.Dream7B, config with { MaskTokenId = 39, EosTokenId = 38, PadTokenId = 38 });

        long bytes = MakeSyntheticCheckpointCommand.Write(folder.Path, shape, torch.ScalarType.BFloat16, maxShardBytes: 2000, seed: 1);

        using var checkpoint = CheckpointFolder.Open(folder.Path);
        Assert.True(checkpoint.Files.Count > 1, "the folder should be sharded");
        Assert.Equal(bytes, checkpoint.TensorNames.Sum(n => checkpoint.Info(n).ByteLength));
        Assert.All(checkpoint.TensorNames, n => Assert.Equal(SafetensorsDType.BF16, checkpoint.Info(n).DType));
        using var model = DreamDenoiser.Load(checkpoint, torch.CPU, torch.ScalarType.BFloat16);
        using var scope = torch.NewDisposeScope();
        using var logits = model.DecoderLogits(torch.tensor(new long[] { 1, 2, 3 }).unsqueeze(0));
        Assert.Equal([1L, 3, 40], logits.shape);
        using var stored = checkpoint.Load("model.layers.1.mlp.up_proj.weight");
        Assert.True(stored.abs().max().to_type(torch.ScalarType.Float32).item<float>() > 0, "weights are drawn, not zero");
    }

    [Fact]
    public void Synthetic_sdar_folder_loads_in_bfloat16()
    {
        using var folder = new TempFolder();
        var config = SyntheticShape.Sdar8B.Config with { VocabSize = 40, HiddenSize = 16, IntermediateSize = 24, Layers = 2, Heads = 4, KeyValueHeads = 2, HeadDim = 8 };
        var shape = Tiny(SyntheticShape.Sdar8B, config with { MaskTokenId = 39, EosTokenId = 38 });

        MakeSyntheticCheckpointCommand.Write(folder.Path, shape, torch.ScalarType.BFloat16, maxShardBytes: 2000, seed: 2);

        using var checkpoint = CheckpointFolder.Open(folder.Path);
        using var model = SdarDenoiser.Load(checkpoint, torch.CPU, torch.ScalarType.BFloat16);
        Assert.Equal(40, model.VocabSize);
    }

    [Theory]
    [InlineData("dream-7b", 7_615_616_512L)]
    [InlineData("sdar-8b", 8_190_735_360L)]
    public void Released_shapes_match_their_config_json_and_parameter_count(string name, long parameters)
    {
        var shape = SyntheticShape.All.Single(s => s.Name == name);
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(CheckpointFolder.ConfigFile), shape.ConfigJson().ToJsonString());
        using (var scope = torch.NewDisposeScope())
        {
            // Any weights file, so the folder opens; only config.json is read here.
            SafetensorsWriter.Write(folder.File(CheckpointFolder.SingleWeightsFile), new Dictionary<string, torch.Tensor> { ["x"] = torch.ones(1) });
        }

        using var checkpoint = CheckpointFolder.Open(folder.Path);
        bool dream = DreamDenoiser.ModelTypes.Contains(checkpoint.Config.GetProperty("model_type").GetString());
        var read = QwenConfig.From(checkpoint, attentionBias: dream, queryKeyNorm: !dream);
        using var layout = new QwenCausalLM(read, new torch.Device(DeviceType.META), torch.ScalarType.BFloat16);

        Assert.Equal(shape.Config, read);
        Assert.Equal(parameters, layout.parameters().Sum(p => p.numel()));
    }
}

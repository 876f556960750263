using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Trainer.Checkpoints;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Autoregressive;

public sealed class LlamaCheckpointTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("llama");

    public void Dispose() => folder.Delete(recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Saved_folder_loads_back_with_identical_logits(bool tied)
    {
        using var model = TinyLlama.Create(seed: 5, tied: tied);
        PretrainedFolderWriter.Write(folder.FullName, model.Config.ToJson(), model, tokenizerFolder: null, modelCard: null);

        using var checkpoint = CheckpointFolder.Open(folder.FullName);
        using var loaded = LlamaForCausalLM.FromCheckpoint(checkpoint, CPU);

        using var ids = tensor(new long[] { 3, 1, 4, 1, 5, 9 }, [1, 6]);
        using var _ = no_grad();
        using var expected = model.forward(ids);
        using var actual = loaded.forward(ids);
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(0f, (expected - actual).abs().max().item<float>());
    }

    [Fact]
    public void Checkpoint_keys_use_hugging_face_llama_names()
    {
        using var model = TinyLlama.Create(tied: false);

        var names = model.state_dict().Keys.ToHashSet();

        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Contains("model.layers.1.self_attn.q_proj.weight", names);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", names);
        Assert.Contains("model.layers.0.post_attention_layernorm.weight", names);
        Assert.Contains("model.norm.weight", names);
        Assert.Contains("lm_head.weight", names);
    }

    [Fact]
    public void Config_round_trips_through_json()
    {
        var config = TinyLlama.Config() with { EosTokenId = 7, PadTokenId = 8, RopeTheta = 5000 };

        using var doc = System.Text.Json.JsonDocument.Parse(config.ToJson().ToJsonString());

        Assert.Equal(config, LlamaConfig.FromJson(doc.RootElement));
    }

    [Fact]
    public void Config_with_heads_that_do_not_divide_the_width_is_rejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => TinyLlama.Config() with { NumAttentionHeads = 5 } is var c ? c.Validate() : null);

        Assert.Contains("num_attention_heads", ex.Message, StringComparison.Ordinal);
    }
}

using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Simplex;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Simplex;

public class SsdLmDenoiserTests(TinySsdLm tiny) : IClassFixture<TinySsdLm>
{
    private static (Tensor Context, Tensor Xt, Tensor T) Inputs(long batch, long context, long block, int seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return (
            randint(3, 100, [batch, context], generator: generator, dtype: ScalarType.Int64),
            randn([batch, block, 100], generator: generator) * 5,
            tensor(new float[batch].Select((_, i) => 3f + i).ToArray()));
    }

    [Fact]
    public void Left_padded_row_with_mask_predicts_as_the_unpadded_row_alone()
    {
        using var scope = NewDisposeScope();
        var (context, xt, t) = Inputs(1, 3, 4, seed: 1);
        var alone = tiny.Model.EquivalentScore(context, xt, t, 10);

        var padded = cat([full(1, 2, 1L, ScalarType.Int64), context], 1);
        var mask = tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1 }).reshape(1, 9);
        var inBatch = tiny.Model.EquivalentScore(padded, xt, t, 10, mask);

        Assert.True((alone - inBatch).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Equivalent_score_is_the_block_part_of_the_logits()
    {
        using var scope = NewDisposeScope();
        var (context, xt, t) = Inputs(2, 3, 4, seed: 2);

        var logits = tiny.Model.Logits(context, xt, t, 10);
        var score = tiny.Model.EquivalentScore(context, xt, t, 10);

        Assert.Equal([2L, 7, 100], logits.shape);
        Assert.True(score.allclose(logits.narrow(1, 3, 4), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Denoiser_rejects_a_block_with_the_wrong_vocabulary_size()
    {
        using var scope = NewDisposeScope();
        var (context, _, t) = Inputs(2, 3, 4, seed: 3);

        var ex = Assert.Throws<ArgumentException>(() => tiny.Model.Logits(context, zeros(2, 4, 99), t, 10));
        Assert.Equal("simplexLogits", ex.ParamName);
        Assert.Contains("[2, 4, 99]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Denoiser_rejects_more_positions_than_the_table_holds()
    {
        using var scope = NewDisposeScope();
        var (context, xt, t) = Inputs(2, 35, 4, seed: 4);

        var ex = Assert.Throws<ArgumentException>(() => tiny.Model.Logits(context, xt, t, 10));
        Assert.Contains("39 positions exceed the model's 38", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Denoiser_rejects_float_context_ids_and_a_mask_of_the_wrong_length()
    {
        using var scope = NewDisposeScope();
        var (context, xt, t) = Inputs(2, 3, 4, seed: 5);

        Assert.Throws<ArgumentException>(() => tiny.Model.Logits(context.to_type(ScalarType.Float32), xt, t, 10));
        Assert.Throws<ArgumentException>(() => tiny.Model.Logits(context, xt, t, 10, ones(2, 6, ScalarType.Int64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => tiny.Model.Logits(context, xt, t, 0));
    }

    [Fact]
    public void Release_layout_without_decoder_copies_loads_to_the_same_model()
    {
        using var scope = NewDisposeScope();
        using var files = new SsdLmCheckpointFiles();
        var tensors = SsdLmCheckpointFiles.FixtureTensors();
        tensors.Remove("lm_head.decoder.weight");
        tensors.Remove("lm_head.decoder.bias");
        tensors.Remove("roberta.embeddings.position_ids");
        Safetensors.SaveStateDict(files.PathOf("model.safetensors"), tensors);
        var (context, xt, t) = Inputs(2, 3, 4, seed: 6);

        using var release = SsdLmDenoiser.Load(files.Directory);

        Assert.True(release.Logits(context, xt, t, 10).equal(tiny.Model.Logits(context, xt, t, 10)).all().item<bool>());
    }

    [Fact]
    public void Checkpoint_whose_decoder_is_not_tied_is_rejected()
    {
        using var scope = NewDisposeScope();
        using var files = new SsdLmCheckpointFiles();
        var tensors = SsdLmCheckpointFiles.FixtureTensors();
        tensors["lm_head.decoder.weight"] = tensors["lm_head.decoder.weight"] + 0.5f;
        Safetensors.SaveStateDict(files.PathOf("model.safetensors"), tensors);

        var ex = Assert.Throws<CheckpointFormatException>(() => SsdLmDenoiser.Load(files.Directory));
        Assert.Contains("lm_head.decoder.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_missing_the_timestep_layer_is_rejected()
    {
        using var scope = NewDisposeScope();
        using var files = new SsdLmCheckpointFiles();
        var tensors = SsdLmCheckpointFiles.FixtureTensors();
        tensors.Remove("timestep_layer.bias");
        Safetensors.SaveStateDict(files.PathOf("model.safetensors"), tensors);

        var ex = Assert.Throws<CheckpointFormatException>(() => SsdLmDenoiser.Load(files.Directory));
        Assert.Contains("timestep_layer.bias", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"hidden_act\": \"relu\"", "hidden_act")]
    [InlineData("\"num_attention_heads\": 5", "not divisible")]
    [InlineData("\"vocab_size\": 0", "vocab_size")]
    public void Config_that_the_denoiser_cannot_build_is_rejected(string field, string expected)
    {
        var json = File.ReadAllText(Path.Combine(GoldenPaths.Folder("ssdlm"), "config.json"));
        var name = field[..field.IndexOf(':', StringComparison.Ordinal)];
        var start = json.IndexOf(name, StringComparison.Ordinal);
        var end = json.IndexOfAny([',', '\n'], start);
        using var doc = System.Text.Json.JsonDocument.Parse(json[..start] + field + json[end..]);

        var ex = Assert.Throws<CheckpointFormatException>(() => SsdLmConfig.FromJson(doc.RootElement, "config.json"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}

using DiffusionChat.Checkpoints;
using DiffusionChat.Trainer.Checkpoints;
using DiffusionChat.Trainer.Training;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class LlamaToLladaWeightsTests : IDisposable
{
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Fact]
    public void A_masked_run_initialised_from_an_AR_model_starts_from_its_weights_under_LLaDA_names()
    {
        var ar = TrainAr("ar");

        // Learning rate 0: the one step changes nothing, so the written weights are the ones the run started from.
        var masked = Path.Combine(setup.Folder.FullName, "masked");
        using (var objective = setup.CreateMaskedObjective(seed: 2, tied: true))
        {
            var options = setup.Options(masked, 1) with { Objective = "masked", InitFrom = ar, PeakLearningRate = 0, MinLearningRate = 0 };
            new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        }

        using var source = CheckpointFolder.Open(ar);
        using var result = CheckpointFolder.Open(Path.Combine(masked, "checkpoint"));
        Assert.Equal(source.TensorNames.Count, result.TensorNames.Count);
        foreach (var name in result.TensorNames)
        {
            using var expected = source.Load(LlamaToLladaWeights.LlamaKeyOf(name));
            using var actual = result.Load(name);
            Assert.True(expected.eq(actual).all().item<bool>(), $"{name} is not the AR model's {LlamaToLladaWeights.LlamaKeyOf(name)}");
        }
    }

    [Fact]
    public void An_AR_model_of_another_shape_is_refused_naming_the_difference()
    {
        var ar = TrainAr("ar-tied");
        using var objective = setup.CreateMaskedObjective(tied: false);
        var options = setup.Options(Path.Combine(setup.Folder.FullName, "untied"), 1) with { Objective = "masked", InitFrom = ar };

        var ex = Assert.Throws<ArgumentException>(() =>
            new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None));

        Assert.Contains("tied embeddings True vs False", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ar, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.transformer.wte.weight", "model.embed_tokens.weight")]
    [InlineData("model.transformer.ln_f.weight", "model.norm.weight")]
    [InlineData("model.transformer.ff_out.weight", "lm_head.weight")]
    [InlineData("model.transformer.blocks.3.attn_out.weight", "model.layers.3.self_attn.o_proj.weight")]
    [InlineData("model.transformer.blocks.0.ff_proj.weight", "model.layers.0.mlp.gate_proj.weight")]
    [InlineData("model.transformer.blocks.12.ff_out.weight", "model.layers.12.mlp.down_proj.weight")]
    [InlineData("model.transformer.blocks.1.ff_norm.weight", "model.layers.1.post_attention_layernorm.weight")]
    public void LLaDA_names_map_to_their_LLaMA_counterparts(string llada, string llama) =>
        Assert.Equal(llama, LlamaToLladaWeights.LlamaKeyOf(llada));

    [Fact]
    public void A_name_without_a_LLaMA_counterpart_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => LlamaToLladaWeights.LlamaKeyOf("model.transformer.blocks.0.att_proj.weight"));
        Assert.Contains("att_proj", ex.Message, StringComparison.Ordinal);
    }

    private string TrainAr(string name)
    {
        var folder = Path.Combine(setup.Folder.FullName, name);
        using var objective = setup.CreateObjective();
        new TrainingRun(setup.Options(folder, 2) with { PeakLearningRate = 1e-2 }, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        return Path.Combine(folder, "checkpoint");
    }
}

using System.Text.Json.Nodes;
using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Models.Llada;
using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Checkpoints;
using DiffusionChat.Trainer.Training.Masked;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class LladaTrainedFolderTests : IDisposable
{
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)] // shift_logits, as for a model started from the AR baseline
    [InlineData(true, true, 3)] // block-causal attention
    public void Created_model_written_by_the_trainer_loads_in_the_library_with_identical_logits(bool tied, bool shifted, int? blockSize = null)
    {
        using var objective = setup.CreateMaskedObjective(seed: 3, tied, shifted: shifted, blockSize: blockSize);
        var folder = Path.Combine(setup.Folder.FullName, "llada");
        PretrainedFolderWriter.Write(folder, objective.ModelConfig, objective.Model, setup.TokenizerFolder, modelCard: null);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3, SpecialIdsMask(), SpecialIdsMask(), 40, 41, 42 }, [1, 8]);
        // The trainer's model and the loaded one run the same inference pass on the same shapes: bit for bit equal
        // when the folder holds exactly the trained weights (the training pass attends with a mask, another kernel).
        var expected = objective.Denoiser.Forward(ids);

        using var model = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" });
        var loaded = Assert.IsType<LladaDenoiser>(((MaskedTokenGenerator)model.Generator).Denoiser);
        var actual = loaded.Forward(ids);

        Assert.Equal(objective.Denoiser.Config, loaded.Config);
        Assert.Equal(tied, loaded.Config.WeightTying);
        Assert.Equal(shifted, loaded.Config.ShiftLogits);
        Assert.Equal(blockSize, loaded.Config.BlockSize);
        Assert.Equal(tied, (bool)objective.ModelConfig["weight_tying"]!);
        Assert.Equal(0f, (actual - expected).abs().max().item<float>());
        using var weights = DiffusionChat.Checkpoints.CheckpointFolder.Open(folder);
        Assert.Equal(!tied, weights.Contains("model.transformer.ff_out.weight")); // tied: the output table is wte itself
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tied_model_scores_each_output_token_with_its_own_input_embedding(bool tied)
    {
        using var objective = setup.CreateMaskedObjective(seed: 3, tied);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 5, 6, 7 }, [1, 3]); // token 9 is not in the input
        var valid = ones(1, 3, ScalarType.Bool);
        var before = objective.Denoiser.TrainingLogits(ids, valid);

        objective.Denoiser.Transformer.get_parameter("wte.weight")![9].add_(1.0); // only token 9's embedding row
        var after = objective.Denoiser.TrainingLogits(ids, valid);

        Assert.Equal(tied, objective.Denoiser.Transformer.named_parameters().All(p => p.name != "ff_out.weight"));
        Assert.Equal(0f, (after - before).index_fill(-1, tensor(new long[] { 9 }), 0).abs().max().item<float>()); // other tokens unchanged
        Assert.Equal(tied, (after - before)[.., .., 9].abs().max().item<float>() > 0); // token 9's score moves only when tied
    }

    [Fact]
    public void Written_config_names_the_llada_fields_the_tokenizer_ids_and_working_generation_defaults()
    {
        using var objective = setup.CreateMaskedObjective();
        var config = objective.ModelConfig;

        Assert.Equal("llada", (string?)config["model_type"]);
        Assert.Equal("LLaDAModelLM", (string?)config["architectures"]![0]);
        Assert.Equal(setup.SpecialIds[ChatMarkers.Mask], (long)config["mask_token_id"]!);
        Assert.Equal(setup.SpecialIds[ChatMarkers.EndOfText], (long)config["eos_token_id"]!);
        Assert.Equal(setup.SpecialIds[ChatMarkers.Pad], (long)config["pad_token_id"]!);
        Assert.Equal(TinyTrainingSetup.Context, (int)config["max_sequence_length"]!);
        var defaults = Assert.IsType<JsonObject>(config["generation_defaults"]);
        // 4-token blocks, one token per step: the setting chosen for the shipped masked model (docs/training.md, session 5).
        Assert.Equal(4, (int)defaults["block_length"]!);
        Assert.Equal(4, (int)defaults["steps"]!);
        Assert.Equal("LowConfidence", (string?)defaults["remasking"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_chosen_sampler_block_is_written_as_the_generation_defaults_with_one_token_per_step(int block)
    {
        using var objective = setup.CreateMaskedObjective(samplerBlock: block);

        var defaults = Assert.IsType<JsonObject>(objective.ModelConfig["generation_defaults"]);

        Assert.Equal(block, (int)defaults["block_length"]!);
        Assert.Equal(block, (int)defaults["steps"]!);
    }

    [Fact]
    public void A_sampler_block_that_does_not_divide_the_answer_window_is_refused_naming_the_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => setup.CreateMaskedObjective(samplerBlock: 5));

        Assert.Equal(5, error.ActualValue);
        Assert.Contains("divide the 64-token answer window", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_gives_the_same_weights_for_the_same_seed_and_different_ones_for_another()
    {
        var config = new LladaConfig(32, 4, 2, 2, 64, 400, 10000, 1e-5, 398, 396);
        using var a = LladaDenoiser.Create(config, CPU, 11);
        using var b = LladaDenoiser.Create(config, CPU, 11);
        using var c = LladaDenoiser.Create(config, CPU, 12);
        var wa = a.Transformer.state_dict();
        var wb = b.Transformer.state_dict();
        var wc = c.Transformer.state_dict();

        Assert.All(wa.Keys, k => Assert.True(wa[k].eq(wb[k]).all().item<bool>(), k));
        Assert.False(wa["wte.weight"].eq(wc["wte.weight"]).all().item<bool>());
        Assert.All(a.Transformer.parameters(), p => Assert.True(p.requires_grad));
    }

    private long SpecialIdsMask() => setup.SpecialIds[ChatMarkers.Mask];
}

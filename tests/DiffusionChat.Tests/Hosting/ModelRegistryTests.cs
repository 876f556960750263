using DiffusionChat.Checkpoints;
using DiffusionChat.Hosting;

namespace DiffusionChat.Tests.Hosting;

/// <summary>The one map from config.json to a model family.</summary>
public sealed class ModelRegistryTests
{
    [Theory]
    [InlineData("tests/fixtures/goldens/llada", "masked diffusion")]
    [InlineData("tests/fixtures/goldens/mdlm-dit", "masked diffusion")]
    [InlineData("tests/fixtures/goldens/dream", "Dream")]
    [InlineData("tests/fixtures/goldens/sdar", "SDAR")]
    [InlineData("tests/fixtures/goldens/ssdlm", "simplex diffusion")]
    [InlineData("models/dc-ar", "autoregressive baseline")]
    [InlineData("models/dc-masked", "masked diffusion")]
    public void Each_checkpoint_maps_to_its_family(string folder, string family)
    {
        using var checkpoint = CheckpointFolder.Open(RepoPaths.Path(folder.Split('/')));

        Assert.Equal(family, ModelRegistry.Find(checkpoint).Family);
    }

    [Fact]
    public void Only_released_mdlm_folders_fall_back_to_the_built_in_gpt2_tokenizer()
    {
        using var mdlm = CheckpointFolder.Open(GoldenPaths.Folder("mdlm-dit"));
        using var llada = CheckpointFolder.Open(GoldenPaths.Folder("llada"));

        Assert.Equal("gpt2", ModelRegistry.Find(mdlm).TokenizerFallback);
        Assert.Null(ModelRegistry.Find(llada).TokenizerFallback);
    }
}

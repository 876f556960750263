using DiffusionChat.Cli.Conversion;
using DiffusionChat.Models.Simplex;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Simplex;

public class SsdLmReleaseConversionTests(TinySsdLm tiny) : IClassFixture<TinySsdLm>
{
    /// <summary>Writes the released layout: three pickles, no tied decoder copies, DataParallel prefix on one file.</summary>
    private static void WriteReleasePickles(SsdLmCheckpointFiles files)
    {
        var tensors = SsdLmCheckpointFiles.FixtureTensors();
        var roberta = tensors
            .Where(kv => kv.Key.StartsWith("roberta.", StringComparison.Ordinal) || kv.Key is "lm_head.bias" || kv.Key.StartsWith("lm_head.dense", StringComparison.Ordinal) || kv.Key.StartsWith("lm_head.layer_norm", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        PyTorchPickler.PickleStateDict(files.PathOf(SsdLmReleaseConversion.ModelPickle), roberta);
        PyTorchPickler.PickleStateDict(files.PathOf(SsdLmReleaseConversion.EmbedSumPickle),
            new Dictionary<string, Tensor> { ["module.weight"] = tensors["embed_sum_layer.weight"] });
        PyTorchPickler.PickleStateDict(files.PathOf(SsdLmReleaseConversion.TimestepPickle),
            new Dictionary<string, Tensor> { ["weight"] = tensors["timestep_layer.weight"], ["bias"] = tensors["timestep_layer.bias"] });
    }

    [Fact]
    public void Released_pickles_convert_to_a_checkpoint_that_predicts_like_the_original()
    {
        using var scope = NewDisposeScope();
        using var files = new SsdLmCheckpointFiles();
        WriteReleasePickles(files);

        SsdLmReleaseConversion.Convert(files.Directory, overwrite: false);
        using var converted = SsdLmDenoiser.Load(files.Directory);

        var context = tensor(new long[] { 5, 6, 7, 8, 9, 10 }).reshape(2, 3);
        var xt = ones(2, 4, 100) * linspace(-5, 5, 100);
        var t = tensor(new float[] { 2, 7 });
        Assert.True(converted.Logits(context, xt, t, 10).equal(tiny.Model.Logits(context, xt, t, 10)).all().item<bool>());
    }

    [Fact]
    public void Conversion_does_not_overwrite_an_existing_checkpoint_unless_forced()
    {
        using var files = new SsdLmCheckpointFiles();
        WriteReleasePickles(files);
        SsdLmReleaseConversion.Convert(files.Directory, overwrite: false);

        Assert.Throws<IOException>(() => SsdLmReleaseConversion.Convert(files.Directory, overwrite: false));
        SsdLmReleaseConversion.Convert(files.Directory, overwrite: true);
    }

    [Fact]
    public void Conversion_names_the_missing_pickle()
    {
        using var files = new SsdLmCheckpointFiles();
        WriteReleasePickles(files);
        File.Delete(files.PathOf(SsdLmReleaseConversion.TimestepPickle));

        var ex = Assert.Throws<FileNotFoundException>(() => SsdLmReleaseConversion.Convert(files.Directory, overwrite: false));
        Assert.Contains(SsdLmReleaseConversion.TimestepPickle, ex.Message, StringComparison.Ordinal);
    }
}

using DiffusionChat.Checkpoints;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace DiffusionChat.Tests.Checkpoints;

public class StateDictLoaderTests
{
    /// <summary>A module whose state-dict names mirror a checkpoint: a linear layer and a persistent buffer.</summary>
    private sealed class TinyNet : Module<torch.Tensor, torch.Tensor>
    {
#pragma warning disable IDE1006 // Field names are the checkpoint keys.
        private readonly TorchSharp.Modules.Linear proj;
#pragma warning restore IDE1006

        public TinyNet(int inFeatures, int outFeatures, torch.ScalarType dtype = torch.ScalarType.Float32)
            : base(nameof(TinyNet))
        {
            proj = Linear(inFeatures, outFeatures, dtype: dtype);
            register_buffer("scale", torch.ones(outFeatures, dtype: dtype));
            RegisterComponents();
        }

        public override torch.Tensor forward(torch.Tensor input) => proj.forward(input) * get_buffer("scale")!;
    }

    private static void WriteCheckpoint(TempFolder folder, Dictionary<string, torch.Tensor> tensors)
    {
        File.WriteAllText(folder.File(CheckpointFolder.ConfigFile), "{}");
        SafetensorsWriter.Write(folder.File(CheckpointFolder.SingleWeightsFile), tensors);
    }

    private static Dictionary<string, torch.Tensor> Weights(string prefix = "", long outFeatures = 3) => new(StringComparer.Ordinal)
    {
        [prefix + "proj.weight"] = torch.arange(outFeatures * 2, dtype: torch.float32).reshape(outFeatures, 2),
        [prefix + "proj.bias"] = torch.full(outFeatures, 0.5f),
        [prefix + "scale"] = torch.full(outFeatures, 2f),
    };

    [Fact]
    public void Loads_parameters_and_buffers_by_name_under_a_prefix()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        WriteCheckpoint(folder, Weights("backbone."));
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        var net = new TinyNet(2, 3);

        StateDictLoader.Load(net, checkpoint, "backbone.");

        var output = net.forward(torch.tensor(new float[] { 1, 1 }).reshape(1, 2));
        Assert.Equal(new float[] { 3, 11, 19 }, output.data<float>().ToArray());
    }

    [Fact]
    public void Converts_checkpoint_tensors_to_the_modules_dtype()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        WriteCheckpoint(folder, Weights());
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        var net = new TinyNet(2, 3, torch.ScalarType.Float64);

        StateDictLoader.Load(net, checkpoint);

        var weight = net.state_dict()["proj.weight"];
        Assert.Equal(torch.ScalarType.Float64, weight.dtype);
        Assert.Equal(new double[] { 0, 1, 2, 3, 4, 5 }, weight.data<double>().ToArray());
    }

    [Fact]
    public void Missing_tensor_names_the_weights_file_and_the_tensor()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var weights = Weights();
        weights.Remove("scale");
        WriteCheckpoint(folder, weights);
        using var checkpoint = CheckpointFolder.Open(folder.Path);

        var ex = Assert.Throws<CheckpointFormatException>(() => StateDictLoader.Load(new TinyNet(2, 3), checkpoint));

        Assert.Equal("scale", ex.TensorName);
        Assert.Equal(folder.File(CheckpointFolder.SingleWeightsFile), ex.FilePath);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unexpected_tensor_names_the_file_and_the_tensor_unless_ignored()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var weights = Weights();
        weights["extra.weight"] = torch.ones(1);
        WriteCheckpoint(folder, weights);
        using var checkpoint = CheckpointFolder.Open(folder.Path);

        var ex = Assert.Throws<CheckpointFormatException>(() => StateDictLoader.Load(new TinyNet(2, 3), checkpoint));
        StateDictLoader.Load(new TinyNet(2, 3), checkpoint, ignoreUnexpected: ["extra.weight"]);

        Assert.Equal("extra.weight", ex.TensorName);
        Assert.Equal(folder.File(CheckpointFolder.SingleWeightsFile), ex.FilePath);
        Assert.Contains("not used by the model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_mismatch_against_the_config_names_both_shapes()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        WriteCheckpoint(folder, Weights(outFeatures: 4));
        using var checkpoint = CheckpointFolder.Open(folder.Path);

        var ex = Assert.Throws<CheckpointFormatException>(() => StateDictLoader.Load(new TinyNet(2, 3), checkpoint));

        Assert.Equal(folder.File(CheckpointFolder.SingleWeightsFile), ex.FilePath);
        Assert.NotNull(ex.TensorName);
        Assert.Contains("[4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3", ex.Message, StringComparison.Ordinal);
    }
}

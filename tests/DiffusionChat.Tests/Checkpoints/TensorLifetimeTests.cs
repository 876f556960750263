using DiffusionChat.Checkpoints;
using TorchSharp;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>Reading and writing leave no tensor behind: repeated calls keep the number of live native tensors flat.</summary>
public class TensorLifetimeTests
{
    private static long LiveTensors() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Loading_thousands_of_tensors_with_conversion_leaks_no_native_tensor()
    {
        using var checkpoint = CheckpointFolder.Open(GoldenPaths.Folder("llada"));
        var names = checkpoint.TensorNames.ToArray();
        checkpoint.Load(names[0], torch.ScalarType.BFloat16).Dispose();
        long before = LiveTensors();

        for (int round = 0; round < 100; round++)
        {
            foreach (var name in names)
            {
                using var same = checkpoint.Load(name);
                using var converted = checkpoint.Load(name, torch.ScalarType.BFloat16, torch.CPU);
            }
        }

        Assert.Equal(before, LiveTensors());
    }

    [Fact]
    public void Writing_and_loading_into_a_module_repeatedly_leaks_no_native_tensor()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(CheckpointFolder.ConfigFile), "{}");
        using var module = torch.nn.Linear(8, 4);
        var stateDict = module.state_dict();
        SafetensorsWriter.Write(folder.File(CheckpointFolder.SingleWeightsFile), stateDict);
        long before = LiveTensors();

        for (int round = 0; round < 200; round++)
        {
            SafetensorsWriter.Write(folder.File(CheckpointFolder.SingleWeightsFile), stateDict);
            using var checkpoint = CheckpointFolder.Open(folder.Path);
            StateDictLoader.Load(module, checkpoint);
        }

        Assert.Equal(before, LiveTensors());
    }
}

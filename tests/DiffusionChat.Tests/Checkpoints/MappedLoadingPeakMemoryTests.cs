using DiffusionChat.Checkpoints;
using DiffusionChat.Cli;
using TorchSharp;
using Xunit.Abstractions;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>Runs alone, so other tests' allocations do not move this process's peak resident set.</summary>
[CollectionDefinition(nameof(PeakMemoryCollection), DisableParallelization = true)]
public sealed class PeakMemoryCollection;

/// <summary>
/// Loading a 256 MiB tensor into an allocated parameter raises the process's peak resident set by about one chunk,
/// not by a second copy of the tensor (which staging the whole tensor, or mapping the whole file at once, would add).
/// </summary>
[Collection(nameof(PeakMemoryCollection))]
public class MappedLoadingPeakMemoryTests(ITestOutputHelper output)
{
    private const long Rows = 8192;
    private const long Columns = 16384;

    private sealed class OneMatrix : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
#pragma warning disable IDE1006 // Field name is the checkpoint key.
        private readonly TorchSharp.Modules.Parameter weight;
#pragma warning restore IDE1006

        public OneMatrix()
            : base(nameof(OneMatrix))
        {
            // zeros, not empty: every page is touched before the peak is reset.
            weight = new TorchSharp.Modules.Parameter(torch.zeros([Rows, Columns], dtype: torch.ScalarType.BFloat16));
            RegisterComponents();
        }

        public override torch.Tensor forward(torch.Tensor input) => input.matmul(weight);
    }

    [Theory]
    [InlineData(torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float32)]
    public void Loading_into_a_bfloat16_parameter_adds_at_most_a_few_chunks_to_the_peak(torch.ScalarType stored)
    {
        Assert.True(ResidentMemory.IsAvailable || !OperatingSystem.IsLinux(), "Linux without /proc/self/status");
        if (!ResidentMemory.IsAvailable)
        {
            return; // the peak is read from /proc, which only Linux has
        }

        using var folder = new TempFolder();
        File.WriteAllText(folder.File(CheckpointFolder.ConfigFile), "{}");
        using (var scope = torch.NewDisposeScope())
        {
            SafetensorsWriter.Write(
                folder.File(CheckpointFolder.SingleWeightsFile),
                new Dictionary<string, torch.Tensor> { ["weight"] = torch.full([Rows, Columns], 0.5, dtype: stored) });
        }

        using var checkpoint = CheckpointFolder.Open(folder.Path);
        using var module = new OneMatrix();
        long tensorBytes = Rows * Columns * 2;
        // Native memory of earlier tests' unreferenced tensors must be freed now, not by the finalizer mid-load.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        ResidentMemory.ResetPeak();
        long before = ResidentMemory.Current();

        StateDictLoader.Load(module, checkpoint);

        long added = ResidentMemory.Peak() - before;
        output.WriteLine($"stored {stored}: peak resident set grew by {added >> 20} MiB while loading a {tensorBytes >> 20} MiB bfloat16 parameter");
        using var loaded = module.state_dict()["weight"].to_type(torch.ScalarType.Float32);
        Assert.Equal(0.5f, loaded.min().item<float>());
        Assert.Equal(0.5f, loaded.max().item<float>());
        // One 64 MiB chunk of mapped file pages, plus a 64 MiB staging chunk when the dtype changes; a whole-tensor
        // staging copy or a whole-file view would add at least the tensor's 256 MiB.
        Assert.True(added < tensorBytes * 5 / 8, $"peak grew by {added} bytes while loading a {tensorBytes}-byte parameter");
    }
}

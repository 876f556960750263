using DiffusionChat.Checkpoints;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch.nn;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>
/// Weights go from the memory-mapped shards into the module's own storage in bounded chunks: the values are the
/// file's, bad files are still reported, and no copy of a whole tensor is made on the way.
/// </summary>
public class MappedLoadingTests(ITestOutputHelper output)
{
    /// <summary>A module whose parameters mirror a two-layer checkpoint, in a chosen dtype.</summary>
    private sealed class TwoLayers : Module<torch.Tensor, torch.Tensor>
    {
#pragma warning disable IDE1006 // Field names are the checkpoint keys.
        private readonly TorchSharp.Modules.Linear first;
        private readonly TorchSharp.Modules.Linear second;
#pragma warning restore IDE1006

        public TwoLayers(long width, torch.ScalarType dtype)
            : base(nameof(TwoLayers))
        {
            first = Linear(width, width, dtype: dtype);
            second = Linear(width, width, hasBias: false, dtype: dtype);
            RegisterComponents();
        }

        public override torch.Tensor forward(torch.Tensor input) => second.forward(first.forward(input));
    }

    private static Dictionary<string, torch.Tensor> Weights(long width, torch.ScalarType dtype, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        return new(StringComparer.Ordinal)
        {
            ["first.weight"] = torch.randn([width, width], generator: generator).to_type(dtype),
            ["first.bias"] = torch.randn([width], generator: generator).to_type(dtype),
            ["second.weight"] = torch.randn([width, width], generator: generator).to_type(dtype),
        };
    }

    private static void WriteSharded(TempFolder folder, Dictionary<string, torch.Tensor> tensors, long maxShardBytes)
    {
        File.WriteAllText(folder.File(CheckpointFolder.ConfigFile), "{}");
        ShardedSafetensorsWriter.Write(folder.Path, tensors, maxShardBytes);
    }

    [Theory]
    [InlineData(torch.ScalarType.BFloat16, torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float32, torch.ScalarType.Float32)]
    [InlineData(torch.ScalarType.BFloat16, torch.ScalarType.Float32)]
    [InlineData(torch.ScalarType.Float32, torch.ScalarType.BFloat16)]
    public void CopyTo_fills_the_target_with_the_stored_values_across_chunk_borders(torch.ScalarType stored, torch.ScalarType target)
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        // 37 x 53 elements in 1000-byte chunks: many chunks, the last one partial, none aligned to a row.
        var expected = torch.randn([37, 53], generator: new torch.Generator(3)).to_type(stored);
        WriteSharded(folder, new(StringComparer.Ordinal) { ["w"] = expected, ["v"] = torch.ones(5) }, maxShardBytes: 100);
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        Assert.Equal(2, checkpoint.Files.Count);
        var filled = torch.zeros([37, 53], dtype: target);

        checkpoint.CopyTo("w", filled, chunkBytes: 1000);

        TensorAssert.Equal(expected.to_type(target), filled, "w");
    }

    [Theory]
    [InlineData(torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float32)]
    public void Sharded_checkpoint_loads_into_a_module_of_its_dtype_bit_exactly(torch.ScalarType dtype)
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var weights = Weights(48, dtype, seed: 4);
        WriteSharded(folder, weights, maxShardBytes: 48 * 48 * 2);
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        Assert.True(checkpoint.Files.Count > 1, "the checkpoint should be sharded");
        var module = new TwoLayers(48, dtype);

        StateDictLoader.Load(module, checkpoint);

        foreach (var (name, parameter) in module.state_dict())
        {
            Assert.Equal(dtype, parameter.dtype);
            TensorAssert.Equal(weights[name], parameter, name);
        }
    }

    [Fact]
    public void Bfloat16_checkpoint_loads_into_a_float32_module_exactly_widened()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var weights = Weights(48, torch.ScalarType.BFloat16, seed: 5);
        WriteSharded(folder, weights, maxShardBytes: 48 * 48 * 2);
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        var module = new TwoLayers(48, torch.ScalarType.Float32);

        StateDictLoader.Load(module, checkpoint);

        foreach (var (name, parameter) in module.state_dict())
        {
            TensorAssert.Equal(weights[name].to_type(torch.ScalarType.Float32), parameter, name);
        }
    }

    [Fact]
    public void Truncated_shard_is_a_format_error_naming_the_shard_and_a_tensor()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(CheckpointFolder.ConfigFile), "{}");
        IReadOnlyList<string> shards;
        using (var scope = torch.NewDisposeScope())
        {
            shards = ShardedSafetensorsWriter.Write(folder.Path, Weights(48, torch.ScalarType.BFloat16, seed: 6), maxShardBytes: 48 * 48 * 2);
        }

        Assert.True(shards.Count > 1, "the checkpoint should be sharded");
        var shard = folder.File(shards[^1]);
        using (var stream = new FileStream(shard, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length - 100);
        }

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointFolder.Open(folder.Path));

        Assert.Equal(shard, ex.FilePath);
        Assert.NotNull(ex.TensorName);
        Assert.Contains("may be truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CopyTo_refuses_a_target_of_another_shape_naming_both_shapes()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        WriteSharded(folder, Weights(8, torch.ScalarType.BFloat16, seed: 7), maxShardBytes: 1 << 20);
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        var target = torch.zeros([8, 9], dtype: torch.ScalarType.BFloat16);

        var ex = Assert.Throws<ArgumentException>(() => checkpoint.CopyTo("first.weight", target));

        Assert.Contains("[8, 8]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[8, 9]", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, target.count_nonzero().item<long>());
    }

    [Fact]
    public void Loading_a_bfloat16_module_allocates_no_managed_copy_of_the_weights()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        // 3 x 2048 x 2048 bfloat16 = 24 MiB of weights.
        WriteSharded(folder, Weights(2048, torch.ScalarType.BFloat16, seed: 8), maxShardBytes: 2048 * 2048 * 2);
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        var module = new TwoLayers(2048, torch.ScalarType.BFloat16);
        StateDictLoader.Load(module, checkpoint); // warm up JIT and the maps' first views

        long before = GC.GetAllocatedBytesForCurrentThread();
        StateDictLoader.Load(module, checkpoint);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"managed bytes allocated while loading 24 MiB of bfloat16 weights: {allocated}");

        Assert.True(allocated < 1 << 20, $"allocated {allocated} managed bytes while loading 24 MiB of weights");
    }
}

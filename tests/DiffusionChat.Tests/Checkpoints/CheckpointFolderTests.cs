using System.Text.Json;
using DiffusionChat.Checkpoints;
using TorchSharp;
using Xunit.Abstractions;

namespace DiffusionChat.Tests.Checkpoints;

public class CheckpointFolderTests(ITestOutputHelper output)
{
    private static Dictionary<string, torch.Tensor> SmallStateDict(torch.Generator generator) => new(StringComparer.Ordinal)
    {
        ["embed.weight"] = torch.randn([16, 8], generator: generator),
        ["blocks.0.weight"] = torch.randn([8, 8], generator: generator).to_type(torch.ScalarType.BFloat16),
        ["blocks.1.weight"] = torch.randn([8, 8], generator: generator).to_type(torch.ScalarType.Float16),
        ["head.bias"] = torch.randn([16], generator: generator),
        ["position_ids"] = torch.arange(12, dtype: torch.int64),
    };

    private static void WriteConfig(TempFolder folder, string json = """{"model_type":"tiny","hidden_size":8}""") =>
        File.WriteAllText(folder.File(CheckpointFolder.ConfigFile), json);

    [Fact]
    public void Sharded_round_trip_splits_by_size_and_reads_every_tensor_back()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var tensors = SmallStateDict(new torch.Generator(1));
        WriteConfig(folder);

        var shards = ShardedSafetensorsWriter.Write(folder.Path, tensors, maxShardBytes: 300, new Dictionary<string, string> { ["format"] = "pt" });

        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], shards);
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        Assert.Equal(3, checkpoint.Files.Count);
        Assert.Equal(folder.File(CheckpointFolder.ShardIndexFile), checkpoint.WeightsSource);
        Assert.Equal("pt", checkpoint.Files[0].Metadata["format"]);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), checkpoint.TensorNames.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in tensors)
        {
            using var loaded = checkpoint.Load(name);
            Assert.Equal(expected.dtype, loaded.dtype);
            TensorAssert.Equal(expected, loaded, name);
        }
    }

    [Fact]
    public void Shard_index_records_total_size_and_the_shard_of_every_tensor()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var tensors = SmallStateDict(new torch.Generator(2));

        ShardedSafetensorsWriter.Write(folder.Path, tensors, maxShardBytes: 1 << 20);

        using var index = JsonDocument.Parse(File.ReadAllText(folder.File(CheckpointFolder.ShardIndexFile)));
        long expectedTotal = tensors.Values.Sum(SafetensorsWriter.ByteLength);
        Assert.Equal(expectedTotal, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(tensors.Count, map.Count);
        Assert.All(map.Values, file => Assert.Equal("model-00001-of-00001.safetensors", file));
    }

    [Fact]
    public void Produced_shards_hold_what_the_producer_made_for_a_layout_without_data()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        WriteConfig(folder);
        var meta = new torch.Device(DeviceType.META);
        var layout = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal)
        {
            ["a"] = torch.empty([4, 8], torch.ScalarType.BFloat16, meta),
            ["b"] = torch.empty([4, 8], torch.ScalarType.BFloat16, meta),
            ["c"] = torch.empty([3], torch.ScalarType.Float32, meta),
        };
        var asked = new List<string>();

        var shards = ShardedSafetensorsWriter.Write(folder.Path, layout, name =>
        {
            asked.Add(name);
            return torch.full(layout[name].shape, name[0] - 'a' + 1, dtype: layout[name].dtype);
        }, maxShardBytes: 64);

        Assert.Equal(3, shards.Count);
        Assert.Equal(["a", "b", "c"], asked);
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        foreach (var (name, planned) in layout)
        {
            using var loaded = checkpoint.Load(name);
            TensorAssert.Equal(torch.full(planned.shape, name[0] - 'a' + 1, dtype: planned.dtype), loaded, name);
        }
    }

    [Fact]
    public void Producer_making_another_shape_is_refused_naming_the_tensor_and_both_shapes()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var layout = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal)
        {
            ["w"] = torch.empty([4, 8], torch.ScalarType.BFloat16, new torch.Device(DeviceType.META)),
        };

        var ex = Assert.Throws<ArgumentException>(() =>
            ShardedSafetensorsWriter.Write(folder.Path, layout, _ => torch.zeros([8, 4], dtype: torch.ScalarType.BFloat16), maxShardBytes: 1 << 20));

        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[8, 4]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 8]", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File(CheckpointFolder.ShardIndexFile)));
    }

    [Fact]
    public void Rewriting_with_fewer_shards_removes_the_stale_shards()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var tensors = SmallStateDict(new torch.Generator(3));
        WriteConfig(folder);
        ShardedSafetensorsWriter.Write(folder.Path, tensors, maxShardBytes: 300);
        File.WriteAllText(folder.File(CheckpointFolder.SingleWeightsFile), "stale");

        ShardedSafetensorsWriter.Write(folder.Path, tensors, maxShardBytes: 1 << 20);

        Assert.Equal(
            [CheckpointFolder.ConfigFile, "model-00001-of-00001.safetensors", CheckpointFolder.ShardIndexFile],
            Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var checkpoint = CheckpointFolder.Open(folder.Path);
        Assert.Equal(tensors.Count, checkpoint.TensorNames.Count);
    }

    [Fact]
    public void Missing_folder_throws_DirectoryNotFoundException_naming_it()
    {
        using var folder = new TempFolder();
        var absent = folder.File("nope");

        var ex = Assert.Throws<DirectoryNotFoundException>(() => CheckpointFolder.Open(absent));

        Assert.Contains(absent, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_config_json_is_a_format_error_naming_it()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        SafetensorsWriter.Write(folder.File(CheckpointFolder.SingleWeightsFile), new Dictionary<string, torch.Tensor> { ["w"] = torch.ones(1) });

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointFolder.Open(folder.Path));

        Assert.Equal(folder.File(CheckpointFolder.ConfigFile), ex.FilePath);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"hidden_size\": 8,")]
    [InlineData("[1, 2]")]
    [InlineData("")]
    public void Invalid_config_json_is_a_format_error_naming_it(string json)
    {
        using var folder = new TempFolder();
        WriteConfig(folder, json);

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointFolder.Open(folder.Path));

        Assert.Equal(folder.File(CheckpointFolder.ConfigFile), ex.FilePath);
        Assert.Contains(ex.FilePath!, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_weights_lists_the_files_looked_for()
    {
        using var folder = new TempFolder();
        WriteConfig(folder);

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointFolder.Open(folder.Path));

        Assert.Contains(CheckpointFolder.SingleWeightsFile, ex.Message, StringComparison.Ordinal);
        Assert.Contains(CheckpointFolder.ShardIndexFile, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_shard_names_the_index_the_shard_and_a_tensor_in_it()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        WriteConfig(folder);
        ShardedSafetensorsWriter.Write(folder.Path, SmallStateDict(new torch.Generator(4)), maxShardBytes: 300);
        File.Delete(folder.File("model-00002-of-00003.safetensors"));

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointFolder.Open(folder.Path));

        Assert.Equal(folder.File(CheckpointFolder.ShardIndexFile), ex.FilePath);
        Assert.Contains("model-00002-of-00003.safetensors", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.TensorName);
        Assert.Contains($"'{ex.TensorName}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"weight_map":{"w":"../model.safetensors"}}""", "w")]
    [InlineData("""{"weight_map":{"w":3}}""", "w")]
    [InlineData("""{"weight_map":{"other":"model-00001-of-00001.safetensors","w":"model-00001-of-00001.safetensors"}}""", "other")]
    public void Inconsistent_shard_index_names_the_tensor(string index, string tensor)
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        WriteConfig(folder);
        SafetensorsWriter.Write(folder.File("model-00001-of-00001.safetensors"), new Dictionary<string, torch.Tensor> { ["w"] = torch.ones(1) });
        File.WriteAllText(folder.File(CheckpointFolder.ShardIndexFile), index);

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointFolder.Open(folder.Path));

        Assert.Equal(tensor, ex.TensorName);
        Assert.Contains(CheckpointFolder.ShardIndexFile, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_every_tensor_allocates_no_managed_copy_of_the_weights()
    {
        using var folder = new TempFolder();
        WriteConfig(folder);
        using (var scope = torch.NewDisposeScope())
        {
            var big = Enumerable.Range(0, 8).ToDictionary(i => $"layer{i}", _ => torch.ones([1024, 1024]), StringComparer.Ordinal);
            SafetensorsWriter.Write(folder.File(CheckpointFolder.SingleWeightsFile), big);
        }

        using var checkpoint = CheckpointFolder.Open(folder.Path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var name in checkpoint.TensorNames)
        {
            using var tensor = checkpoint.Load(name, torch.ScalarType.BFloat16, torch.CPU);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"managed bytes allocated while loading 32 MiB of float32 weights as bfloat16: {allocated}");

        // 32 MiB of float32 weights: reading through the memory map must not stage them in managed arrays.
        Assert.True(allocated < 1 << 20, $"allocated {allocated} managed bytes while loading 32 MiB of weights");
    }

    [Fact]
    public void Golden_checkpoints_open_and_name_their_weights_file()
    {
        using var checkpoint = CheckpointFolder.Open(GoldenPaths.Folder("llada"));

        Assert.Equal(Path.Combine(checkpoint.Directory, CheckpointFolder.SingleWeightsFile), checkpoint.WeightsSource);
        Assert.NotEmpty(checkpoint.TensorNames);
        Assert.Equal(64, checkpoint.Config.GetProperty("d_model").GetInt32());
    }
}

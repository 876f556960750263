using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using DiffusionChat.Checkpoints;
using TorchSharp;
using Xunit.Abstractions;

namespace DiffusionChat.Tests.Checkpoints;

public class SafetensorsWriterTests(ITestOutputHelper output)
{
    public static TheoryData<torch.ScalarType> EveryDType() =>
    [
        torch.ScalarType.Float64, torch.ScalarType.Float32, torch.ScalarType.Float16, torch.ScalarType.BFloat16,
        torch.ScalarType.Int64, torch.ScalarType.Int32, torch.ScalarType.Int16, torch.ScalarType.Int8,
        torch.ScalarType.Byte, torch.ScalarType.Bool,
    ];

    [Theory]
    [MemberData(nameof(EveryDType))]
    public void Round_trip_preserves_values_dtype_and_shape(torch.ScalarType dtype)
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(7);
        var values = torch.randint(-100, 100, [3, 5, 2], generator: generator).to_type(dtype);
        var scalar = torch.tensor(1, dtype: torch.int64).to_type(dtype);
        var empty = torch.empty([0, 4], dtype);

        var path = folder.File("w.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["values"] = values, ["scalar"] = scalar, ["empty"] = empty });

        using var file = SafetensorsFile.Open(path);
        var loaded = file.Load("values");
        Assert.Equal(dtype, loaded.dtype);
        Assert.Equal(values.shape, loaded.shape);
        TensorAssert.Equal(values, loaded);
        Assert.Empty(file.Load("scalar").shape);
        TensorAssert.Equal(scalar, file.Load("scalar"));
        Assert.Equal(new long[] { 0, 4 }, file.Load("empty").shape);
    }

    [Theory]
    [InlineData(torch.ScalarType.BFloat16, 1.0 / 128)]
    [InlineData(torch.ScalarType.Float16, 1.0 / 1024)]
    public void Half_precision_weights_load_as_float32_within_their_precision(torch.ScalarType stored, double relativeTolerance)
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var original = torch.randn([64, 32], generator: new torch.Generator(3));
        var path = folder.File("half.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["w"] = original.to_type(stored) });

        using var file = SafetensorsFile.Open(path);
        var loaded = file.Load("w", torch.ScalarType.Float32, torch.CPU);

        Assert.Equal(torch.ScalarType.Float32, loaded.dtype);
        var relative = ((loaded - original).abs() / original.abs().clamp_min(1e-3)).max().item<float>();
        output.WriteLine($"{stored} -> float32: max relative error {relative:E3} (bound {relativeTolerance:E3})");
        Assert.True(relative <= relativeTolerance, $"max relative error {relative} > {relativeTolerance}");
    }

    [Fact]
    public void Float32_weights_load_as_bfloat16_and_integers_as_float()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var weights = torch.linspace(-2, 2, 17);
        var ids = torch.arange(5, dtype: torch.int64);
        var path = folder.File("mixed.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["w"] = weights, ["ids"] = ids });

        using var file = SafetensorsFile.Open(path);

        TensorAssert.Equal(file.Load("w", torch.ScalarType.BFloat16), weights.to_type(torch.ScalarType.BFloat16));
        Assert.Equal(new float[] { 0, 1, 2, 3, 4 }, file.Load("ids", torch.ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void Header_lists_metadata_then_sorted_names_with_contiguous_offsets_padded_to_eight_bytes()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var path = folder.File("layout.safetensors");
        SafetensorsWriter.Write(
            path,
            new Dictionary<string, torch.Tensor> { ["b"] = torch.ones(3), ["a"] = torch.ones(2, dtype: torch.int16), ["c"] = torch.ones(1, dtype: torch.float64) },
            new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        using var json = JsonDocument.Parse(header);
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        var offsets = names.Skip(1).Select(n => json.RootElement.GetProperty(n).GetProperty("data_offsets")).Select(o => (o[0].GetInt64(), o[1].GetInt64())).ToArray();

        Assert.Equal(0, headerLength % 8);
        Assert.EndsWith("}", header.TrimEnd(' '), StringComparison.Ordinal);
        Assert.InRange(header.Length - header.TrimEnd(' ').Length, 0, 7);
        Assert.Equal(new[] { "__metadata__", "a", "b", "c" }, names);
        Assert.Equal(new[] { (0L, 4L), (4L, 16L), (16L, 24L) }, offsets);
        Assert.Equal(8 + headerLength + 24, bytes.Length);
    }

    [Fact]
    public void Non_contiguous_tensors_are_written_in_logical_order()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var transposed = torch.arange(6, dtype: torch.float32).reshape(2, 3).t();
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["t"] = transposed });

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, file.Load("t").data<float>().ToArray());
    }

    [Fact]
    public void Writing_replaces_an_existing_file_and_leaves_no_temporary_files()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var path = folder.File("w.safetensors");
        File.WriteAllText(path, "old contents");

        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["x"] = torch.ones(2) });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["x"], file.Tensors.Keys);
        Assert.Equal(["w.safetensors"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_cancelled_write_keeps_the_previous_file_and_leaves_no_temporary_files()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var path = folder.File("w.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["old"] = torch.ones(2) });
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["new"] = torch.ones(2) }, cancellationToken: cancelled.Token));

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["old"], file.Tensors.Keys);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Unsupported_dtype_is_rejected_naming_the_tensor_before_any_file_is_created()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var path = folder.File("c.safetensors");

        var ex = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["complex"] = torch.zeros(2, dtype: torch.complex64) }));

        Assert.Contains("'complex'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BF16", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("__metadata__")]
    public void Reserved_or_empty_names_are_rejected(string name)
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();

        var ex = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(folder.File("n.safetensors"), new Dictionary<string, torch.Tensor> { [name] = torch.ones(1) }));

        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_does_not_change_the_callers_tensors()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var tensor = torch.arange(4, dtype: torch.float32).reshape(2, 2).t();
        var before = tensor.clone();

        SafetensorsWriter.Write(folder.File("x.safetensors"), new Dictionary<string, torch.Tensor> { ["x"] = tensor });

        Assert.False(tensor.IsInvalid);
        Assert.False(tensor.is_contiguous());
        TensorAssert.Equal(tensor, before);
    }

    [Theory]
    [InlineData("llada")]
    [InlineData("mdlm-dit")]
    [InlineData("ssdlm")]
    public void Rewriting_golden_weights_reproduces_every_tensor_and_the_metadata(string golden)
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        using var original = SafetensorsFile.Open(Path.Combine(GoldenPaths.Folder(golden), "model.safetensors"));
        var tensors = original.Tensors.Keys.ToDictionary(name => name, name => original.Load(name), StringComparer.Ordinal);
        var path = folder.File("rewritten.safetensors");

        SafetensorsWriter.Write(path, tensors, original.Metadata);

        using var rewritten = SafetensorsFile.Open(path);
        Assert.Equal(original.Metadata, rewritten.Metadata);
        Assert.Equal(original.Tensors.Keys.Order(StringComparer.Ordinal), rewritten.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in tensors)
        {
            TensorAssert.Equal(expected, rewritten.Load(name), name);
        }
    }
}

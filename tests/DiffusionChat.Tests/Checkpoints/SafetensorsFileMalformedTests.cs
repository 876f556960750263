using DiffusionChat.Checkpoints;

namespace DiffusionChat.Tests.Checkpoints;

public class SafetensorsFileMalformedTests
{
    private const string ValidHeader = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    private static CheckpointFormatException OpenFails(TempFolder folder, byte[] bytes)
    {
        var path = folder.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private static void AssertNamesTensor(CheckpointFormatException ex, string tensor)
    {
        Assert.Equal(tensor, ex.TensorName);
        Assert.Contains($"'{tensor}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_throws_FileNotFoundException_naming_it()
    {
        using var folder = new TempFolder();
        var path = folder.File("absent.safetensors");

        var ex = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void File_shorter_than_the_length_prefix_is_truncated(int length)
    {
        using var folder = new TempFolder();

        var ex = OpenFails(folder, new byte[length]);

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_past_the_end_of_the_file_is_rejected()
    {
        using var folder = new TempFolder();
        var valid = RawSafetensors.Build(ValidHeader, new byte[8]);

        var ex = OpenFails(folder, RawSafetensors.WithDeclaredHeaderLength(valid, valid.Length));

        Assert.Contains("runs past the end of the file", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(SafetensorsFile.MaxHeaderLength + 1)]
    public void Header_length_outside_the_allowed_range_is_rejected(long declared)
    {
        using var folder = new TempFolder();

        var ex = OpenFails(folder, RawSafetensors.WithDeclaredHeaderLength(RawSafetensors.Build(ValidHeader, new byte[8]), declared));

        Assert.Contains($"header length {declared}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"w\":")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public void Header_that_is_not_a_json_object_is_rejected(string header)
    {
        using var folder = new TempFolder();

        var ex = OpenFails(folder, RawSafetensors.Build(header, []));

        Assert.Contains("header", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_data_section_names_the_tensor_whose_offsets_run_past_the_end()
    {
        using var folder = new TempFolder();

        var ex = OpenFails(folder, RawSafetensors.Build(ValidHeader, new byte[5]));

        AssertNamesTensor(ex, "w");
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[8,0]")]
    [InlineData("[-4,4]")]
    [InlineData("[0]")]
    [InlineData("[\"0\",8]")]
    [InlineData("[0,8.5]")]
    public void Invalid_offsets_name_the_tensor(string offsets)
    {
        using var folder = new TempFolder();
        var header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" + offsets + "}}";

        var ex = OpenFails(folder, RawSafetensors.Build(header, new byte[8]));

        AssertNamesTensor(ex, "w");
    }

    [Fact]
    public void Overlapping_offsets_name_both_tensors()
    {
        using var folder = new TempFolder();
        const string header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";

        var ex = OpenFails(folder, RawSafetensors.Build(header, new byte[12]));

        AssertNamesTensor(ex, "b");
        Assert.Contains("overlap", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("F8_E4M3")]
    [InlineData("C64")]
    [InlineData("f32")]
    public void Unknown_dtype_names_the_tensor_and_the_supported_dtypes(string dtype)
    {
        using var folder = new TempFolder();
        var header = "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}";

        var ex = OpenFails(folder, RawSafetensors.Build(header, new byte[8]));

        AssertNamesTensor(ex, "w");
        Assert.Contains($"'{dtype}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(SafetensorsDTypes.AllowedNames, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[3]")]
    [InlineData("[2,2]")]
    [InlineData("[]")]
    public void Byte_size_not_matching_the_shape_names_the_tensor(string shape)
    {
        using var folder = new TempFolder();
        var header = "{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}";

        var ex = OpenFails(folder, RawSafetensors.Build(header, new byte[16]));

        AssertNamesTensor(ex, "w");
        Assert.Contains("does not match shape", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[-1]")]
    [InlineData("[\"2\"]")]
    [InlineData("[4611686018427387904,4]")]
    public void Invalid_or_overflowing_shape_names_the_tensor(string shape)
    {
        using var folder = new TempFolder();
        var header = "{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}";

        var ex = OpenFails(folder, RawSafetensors.Build(header, new byte[8]));

        AssertNamesTensor(ex, "w");
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""")]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,8]}}""")]
    [InlineData("""{"w":[1]}""")]
    public void Duplicate_or_incomplete_entries_name_the_tensor(string header)
    {
        using var folder = new TempFolder();

        var ex = OpenFails(folder, RawSafetensors.Build(header, new byte[8]));

        AssertNamesTensor(ex, "w");
    }

    [Fact]
    public void Metadata_values_must_be_strings()
    {
        using var folder = new TempFolder();
        const string header = """{"__metadata__":{"format":1}}""";

        var ex = OpenFails(folder, RawSafetensors.Build(header, []));

        Assert.Contains("__metadata__", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_with_invalid_utf8_is_rejected_as_a_format_error()
    {
        using var folder = new TempFolder();
        byte[] header = [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'];

        OpenFails(folder, RawSafetensors.Build(header, []));
    }

    [Fact]
    public void Loading_an_unknown_tensor_throws_KeyNotFoundException_naming_file_and_tensor()
    {
        using var folder = new TempFolder();
        var path = folder.File("ok.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(ValidHeader, new byte[8]));
        using var file = SafetensorsFile.Open(path);

        var ex = Assert.Throws<KeyNotFoundException>(() => file.Load("missing"));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'missing'", ex.Message, StringComparison.Ordinal);
    }
}

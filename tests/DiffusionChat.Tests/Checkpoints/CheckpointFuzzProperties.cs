using System.Globalization;
using System.Text;
using DiffusionChat.Checkpoints;
using FsCheck;
using FsCheck.Xunit;
using TorchSharp;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>
/// Random and mutated inputs: opening either succeeds (and then every tensor loads) or fails with the documented
/// <see cref="CheckpointFormatException"/>; never another exception, a hang or a native crash.
/// </summary>
public sealed class CheckpointFuzzProperties : IDisposable
{
    private static readonly string[] DTypeNames = ["F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E5M2", "", "f32"];

    private readonly TempFolder folder = new();
    private readonly byte[] validFile;

    public CheckpointFuzzProperties()
    {
        var path = folder.File("valid.safetensors");
        using (var scope = torch.NewDisposeScope())
        {
            SafetensorsWriter.Write(
                path,
                new Dictionary<string, torch.Tensor>
                {
                    ["a.weight"] = torch.ones([3, 4]),
                    ["b.bias"] = torch.zeros(5, dtype: torch.ScalarType.BFloat16),
                    ["ids"] = torch.arange(3, dtype: torch.int64),
                },
                new Dictionary<string, string> { ["format"] = "pt" });
        }

        validFile = File.ReadAllBytes(path);
    }

    public void Dispose() => folder.Dispose();

    [Property(MaxTest = 2000)]
    public void Mutated_safetensors_files_load_or_throw_CheckpointFormatException(NonNegativeInt[] positions, byte[] values, NonNegativeInt cut, bool truncate)
    {
        var bytes = (byte[])validFile.Clone();
        for (int i = 0; i < Math.Min(positions.Length, values.Length); i++)
        {
            // Bias the edits towards the length prefix and the header, where the interesting failures are.
            bytes[positions[i].Get % Math.Min(bytes.Length, 8 + 200)] = values[i];
        }

        if (truncate)
        {
            bytes = bytes[..(cut.Get % (bytes.Length + 1))];
        }

        OpenAndLoadEverything(bytes);
    }

    [Property(MaxTest = 2000)]
    public void Random_safetensors_headers_load_or_throw_CheckpointFormatException(int seed)
    {
        var random = new Random(seed);
        var header = new StringBuilder("{");
        int count = random.Next(0, 4);
        long offset = 0;
        for (int i = 0; i < count; i++)
        {
            string dtype = DTypeNames[random.Next(DTypeNames.Length)];
            var shape = Enumerable.Range(0, random.Next(0, 3)).Select(_ => random.Next(-1, 4)).ToArray();
            long begin = random.Next(4) == 0 ? random.Next(-2, 40) : offset;
            long end = begin + (random.Next(4) == 0 ? random.Next(-2, 40) : Math.Max(0, shape.Aggregate(1, (a, d) => a * d)) * 4);
            offset = end;
            string name = random.Next(6) == 0 ? "t0" : $"t{i}";
            header.Append(CultureInfo.InvariantCulture, $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{begin},{end}]}},");
        }

        if (random.Next(3) == 0)
        {
            header.Append(random.Next(2) == 0 ? "\"__metadata__\":{\"k\":\"v\"}," : "\"__metadata__\":[1],");
        }

        if (header[^1] == ',')
        {
            header.Length--;
        }

        header.Append('}');
        var data = new byte[random.Next(0, 64)];
        random.NextBytes(data);

        OpenAndLoadEverything(RawSafetensors.Build(header.ToString(), data));
    }

    [Property(MaxTest = 1000)]
    public void Mutated_config_json_opens_or_throws_CheckpointFormatException(NonNegativeInt[] positions, char[] replacements, bool deleteInstead)
    {
        const string config = """{"model_type":"llada","d_model":64,"n_layers":2,"rope_theta":500000.0,"mask_token_id":156,"tags":["a",null,true]}""";
        var text = new StringBuilder(config);
        for (int i = 0; i < Math.Min(positions.Length, replacements.Length) && text.Length > 0; i++)
        {
            int at = positions[i].Get % text.Length;
            if (deleteInstead)
            {
                text.Remove(at, 1);
            }
            else
            {
                text[at] = replacements[i];
            }
        }

        var checkpointFolder = folder.File("checkpoint");
        Directory.CreateDirectory(checkpointFolder);
        File.WriteAllBytes(Path.Combine(checkpointFolder, CheckpointFolder.SingleWeightsFile), validFile);
        File.WriteAllText(Path.Combine(checkpointFolder, CheckpointFolder.ConfigFile), text.ToString());
        try
        {
            using var checkpoint = CheckpointFolder.Open(checkpointFolder);
            Assert.Equal(System.Text.Json.JsonValueKind.Object, checkpoint.Config.ValueKind);
        }
        catch (CheckpointFormatException ex)
        {
            Assert.Contains(CheckpointFolder.ConfigFile, ex.Message, StringComparison.Ordinal);
        }
    }

    private void OpenAndLoadEverything(byte[] bytes)
    {
        var path = folder.File("fuzz.safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var name in file.Tensors.Keys)
            {
                using var tensor = file.Load(name, torch.ScalarType.Float32);
                Assert.Equal(file.Tensors[name].Shape, tensor.shape);
            }
        }
        catch (CheckpointFormatException ex)
        {
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        }
    }
}

using System.Text.Json;
using DiffusionChat.Checkpoints;

namespace DiffusionChat.Models;

/// <summary>Typed access to <c>config.json</c> fields with errors that name the field and the file.</summary>
internal sealed class ModelConfigReader(JsonElement config, string path)
{
    public int RequirePositiveInt(string name)
    {
        var value = OptionalInt(name) ?? throw new CheckpointFormatException(path, null, $"config field '{name}' is required (a positive integer).");
        if (value < 1)
        {
            throw new CheckpointFormatException(path, null, $"config field '{name}' is {value}; it must be a positive integer.");
        }

        return value;
    }

    public int? OptionalInt(string name)
    {
        if (!config.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var v))
        {
            throw new CheckpointFormatException(path, null, $"config field '{name}' must be an integer, found {e}.");
        }

        return v;
    }

    public long? OptionalLong(string name)
    {
        if (!config.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var v))
        {
            throw new CheckpointFormatException(path, null, $"config field '{name}' must be an integer, found {e}.");
        }

        return v;
    }

    public double? OptionalDouble(string name)
    {
        if (!config.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Number)
        {
            throw new CheckpointFormatException(path, null, $"config field '{name}' must be a number, found {e}.");
        }

        return e.GetDouble();
    }

    public bool? OptionalBool(string name)
    {
        if (!config.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new CheckpointFormatException(path, null, $"config field '{name}' must be true or false, found {e}."),
        };
    }

    public string? OptionalString(string name) =>
        config.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    public CheckpointFormatException Invalid(string problem) => new(path, null, problem);
}

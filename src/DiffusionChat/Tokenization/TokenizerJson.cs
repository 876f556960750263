using System.Text.Json;
using DiffusionChat.Checkpoints;

namespace DiffusionChat.Tokenization;

/// <summary>Small JSON helpers shared by the tokenizer file readers: every problem becomes a <see cref="CheckpointFormatException"/> naming the file.</summary>
internal static class TokenizerJson
{
    public static JsonElement? ReadOptional(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, null, $"must hold a JSON object, found {doc.RootElement.ValueKind}.");
            }

            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(path, null, $"is not valid JSON ({ex.Message}).", ex);
        }
    }

    /// <summary>A token given either as a string or as an <c>AddedToken</c> object (<c>{"content": ...}</c>).</summary>
    public static string? TokenText(string path, string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
        _ => throw new CheckpointFormatException(path, null, $"'{key}' must be a token string or an object with a string 'content', found {value.ValueKind}."),
    };

    /// <summary>An id field that may be a number, a list of numbers (eos in newer configs) or null.</summary>
    public static List<int> Ids(string path, string key, JsonElement value)
    {
        var ids = new List<int>();
        if (value.ValueKind == JsonValueKind.Null)
        {
            return ids;
        }

        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id) || id < 0)
            {
                throw new CheckpointFormatException(path, null, $"'{key}' must be a non-negative integer id or a list of them, found {item.GetRawText()}.");
            }

            ids.Add(id);
        }

        return ids;
    }

    public static string? OptionalString(string path, JsonElement owner, string key)
    {
        if (!owner.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new CheckpointFormatException(path, null, $"'{key}' must be a string, found {value.ValueKind}.");
    }

    public static Dictionary<string, int> Vocabulary(string path, JsonElement vocab)
    {
        if (vocab.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, null, $"the vocabulary must be an object of token -> id, found {vocab.ValueKind}.");
        }

        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new CheckpointFormatException(path, null, $"vocabulary entry '{entry.Name}' must map to a non-negative integer id, found {entry.Value.GetRawText()}.");
            }

            result[entry.Name] = id;
        }

        return result;
    }
}

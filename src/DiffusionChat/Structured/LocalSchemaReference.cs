using System.Globalization;
using System.Text.Json;

namespace DiffusionChat.Structured;

/// <summary>Resolves a local <c>$ref</c> (<c>#/$defs/Name</c>, a JSON pointer into the root schema).</summary>
internal static class LocalSchemaReference
{
    /// <summary>The schema <paramref name="reference"/> points at.</summary>
    /// <exception cref="ArgumentException">The reference is not local or does not resolve.</exception>
    public static JsonElement Resolve(JsonElement root, string? reference, string path)
    {
        if (reference is null || !reference.StartsWith('#'))
        {
            throw new ArgumentException($"The schema at {path} has $ref '{reference}'; only local references (#/...) are supported.", "schema");
        }

        var current = root;
        foreach (var raw in reference[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            // JSON pointer escapes: ~1 is '/', ~0 is '~' (RFC 6901), after URI unescaping in a fragment.
            var token = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                throw new ArgumentException($"The schema at {path} has $ref '{reference}', which does not resolve (no '{token}').", "schema");
            }
        }

        return current;
    }
}

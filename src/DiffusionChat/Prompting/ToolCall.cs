using System.Text.Json;

namespace DiffusionChat.Prompting;

/// <summary>A function call emitted by the assistant: <c>&lt;tool_call&gt;{"name":...,"arguments":{...}}&lt;/tool_call&gt;</c>.</summary>
/// <param name="Name">The function name; must not be empty.</param>
/// <param name="ArgumentsJson">The arguments as a JSON object (e.g. <c>{"city":"Paris"}</c>).</param>
public sealed record ToolCall(string Name, string ArgumentsJson)
{
    /// <summary>Checks the call and returns its arguments re-serialized compactly, as the template writes them.</summary>
    /// <exception cref="ArgumentException">The name is empty or the arguments are not a JSON object.</exception>
    internal string CompactArguments()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("A tool call needs a non-empty function name.", nameof(Name));
        }

        ArgumentNullException.ThrowIfNull(ArgumentsJson);
        try
        {
            using var doc = JsonDocument.Parse(ArgumentsJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException(
                    $"Arguments of tool call '{Name}' must be a JSON object, found {doc.RootElement.ValueKind}: {ArgumentsJson}", nameof(ArgumentsJson));
            }

            return TemplateJson.Write(doc.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Arguments of tool call '{Name}' are not valid JSON ({ex.Message}): {ArgumentsJson}", nameof(ArgumentsJson), ex);
        }
    }
}

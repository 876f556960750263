using System.Text.Json;
using DiffusionChat.Prompting;

namespace DiffusionChat.Structured;

/// <summary>
/// The canvas of one tool call in the shipped models' format
/// (<c>&lt;tool_call&gt;{"name":"...","arguments":{...}}&lt;/tool_call&gt;</c>, docs/chat-template.md): the tool is
/// an <see cref="Alternatives"/> over the offered tools (each opening with its name and the start of its arguments),
/// the arguments are laid out from each tool's parameter schema.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class ToolCallScaffold
{
    /// <summary>Builds the canvas of a call to one of <paramref name="tools"/>.</summary>
    /// <param name="tools">The offered tools (at least one; names unique).</param>
    /// <param name="requiredName">When set, only this tool may be called.</param>
    /// <param name="limits">Bounds for what the schemas leave open; defaults when null.</param>
    /// <returns>The canvas, from <c>&lt;tool_call&gt;</c> to <c>&lt;/tool_call&gt;</c>.</returns>
    /// <exception cref="ArgumentException">No tools, a duplicate or unknown name, or a schema that is not a JSON object.</exception>
    public static CanvasNode Build(IReadOnlyList<ToolDefinition> tools, string? requiredName = null, ScaffoldLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (tools.Count == 0)
        {
            throw new ArgumentException("A tool call needs at least one offered tool.", nameof(tools));
        }

        var duplicate = tools.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Tool '{duplicate.Key}' is offered more than once; tool names must be unique.", nameof(tools));
        }

        var callable = requiredName is null ? tools : tools.Where(t => t.Name == requiredName).ToList();
        if (callable.Count == 0)
        {
            throw new ArgumentException($"Tool '{requiredName}' is required but not offered (offered: {string.Join(", ", tools.Select(t => t.Name))}).", nameof(requiredName));
        }

        var options = callable.Select(tool => (CanvasNode)new CanvasSequence(
            [new FixedText(TemplateJson.Write(tool.Name) + ",\"arguments\":"), Arguments(tool, limits)])).ToList();
        return new CanvasSequence(
        [
            new FixedText(ChatMarkers.ToolCallStart + "{\"name\":"),
            options.Count == 1 ? options[0] : new Alternatives(options),
            new FixedText("}" + ChatMarkers.ToolCallEnd),
        ]);
    }

    private static CanvasNode Arguments(ToolDefinition tool, ScaffoldLimits? limits)
    {
        try
        {
            using var schema = JsonDocument.Parse(tool.ParametersSchemaJson ?? "{}");
            if (schema.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"The parameters schema of tool '{tool.Name}' must be a JSON object, found {schema.RootElement.ValueKind}.", nameof(tool));
            }

            // Arguments are always an object, even when the schema forgets to say so.
            return JsonSchemaScaffold.Build(schema.RootElement, limits) is var node && node is CanvasSequence { Parts: [FixedText { Text: "{" }, ..] }
                ? node
                : new CanvasSequence([new FixedText("{}")]);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The parameters schema of tool '{tool.Name}' is not valid JSON ({ex.Message}).", nameof(tool), ex);
        }
    }
}

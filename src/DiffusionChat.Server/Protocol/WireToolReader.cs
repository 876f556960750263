using System.Text.Json;
using System.Text.RegularExpressions;
using DiffusionChat.Server.Errors;
using Microsoft.Extensions.AI;
using static DiffusionChat.Server.Protocol.JsonFields;

namespace DiffusionChat.Server.Protocol;

/// <summary>Reads <c>tools</c> (function declarations) and <c>tool_choice</c> into <see cref="ChatOptions"/>.</summary>
internal static partial class WireToolReader
{
    private static readonly JsonElement EmptySchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    public static void Read(JsonElement body, ChatOptions options)
    {
        var names = new List<string>();
        if (TryGet(body, "tools", out var tools))
        {
            options.Tools = [];
            int i = 0;
            foreach (var tool in Array(tools, "tools").EnumerateArray())
            {
                string path = $"tools[{i++}]";
                Object(tool, path);
                var type = String(Required(tool, "type", path + ".type"), path + ".type");
                if (type != "function")
                {
                    throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid value for '{path}.type': '{type}'. Only 'function' tools are supported.", path + ".type"));
                }

                var function = Object(Required(tool, "function", path + ".function"), path + ".function");
                var name = String(Required(function, "name", path + ".function.name"), path + ".function.name");
                if (!FunctionName().IsMatch(name))
                {
                    throw new OpenAIErrorException(OpenAIError.BadRequest(
                        $"Invalid '{path}.function.name': '{name}' does not match '^[a-zA-Z0-9_-]{{1,64}}$'.", path + ".function.name"));
                }

                var description = OptionalString(function, "description", path + ".function.description") ?? "";
                var schema = TryGet(function, "parameters", out var parameters) ? Object(parameters, path + ".function.parameters") : EmptySchema;
                options.Tools.Add(AIFunctionFactory.CreateDeclaration(name, description, schema.Clone()));
                names.Add(name);
            }
        }

        if (TryGet(body, "tool_choice", out var choice))
        {
            options.ToolMode = ToolMode(choice, names);
        }
    }

    private static ChatToolMode ToolMode(JsonElement choice, List<string> names)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" when names.Count > 0 => ChatToolMode.RequireAny,
                "required" => throw new OpenAIErrorException(OpenAIError.BadRequest("Invalid 'tool_choice': 'required' needs at least one entry in 'tools'.", "tool_choice")),
                var other => throw new OpenAIErrorException(OpenAIError.BadRequest(
                    $"Invalid value for 'tool_choice': '{other}'. Supported values are: 'none', 'auto', 'required' or {{\"type\":\"function\",\"function\":{{\"name\":...}}}}.", "tool_choice")),
            };
        }

        Object(choice, "tool_choice");
        var function = Object(Required(choice, "function", "tool_choice.function"), "tool_choice.function");
        var name = String(Required(function, "name", "tool_choice.function.name"), "tool_choice.function.name");
        if (!names.Contains(name))
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest(
                $"Invalid 'tool_choice.function.name': '{name}' is not among 'tools' ({(names.Count == 0 ? "none given" : string.Join(", ", names))}).", "tool_choice.function.name"));
        }

        return ChatToolMode.RequireSpecific(name);
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();
}

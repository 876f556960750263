using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// A one-parameter function tool as an application defines it: its name (<c>GetCurrentWeather</c>,
/// <c>WeatherPlugin-GetCurrentWeather</c>, <c>get_weather</c> ...), description, and the name and description of the
/// string parameter that takes the place (<c>city</c>, <c>location</c>, <c>place</c> ...).
/// </summary>
/// <param name="Family"><c>weather</c>, <c>time</c> or <c>other</c> (a tool the questions never need).</param>
/// <param name="Name">The function name.</param>
/// <param name="Description">The function description.</param>
/// <param name="Parameter">The parameter name.</param>
/// <param name="ParameterDescription">The parameter description; empty for none.</param>
internal sealed record AppToolDefinition(string Family, string Name, string Description, string Parameter, string ParameterDescription)
{
    // AIFunctionFactory writes schemas compactly, with M.E.AI's other JSON settings (relaxed escaping).
    private static readonly JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>
    /// The parameter schema exactly as <c>AIFunctionFactory</c> writes it for a method with one string parameter
    /// (with <c>[Description]</c> when there is one), so training prompts list tools as apps' prompts do.
    /// </summary>
    public JsonElement Schema()
    {
        var property = new JsonObject();
        if (ParameterDescription.Length > 0)
        {
            property["description"] = ParameterDescription;
        }

        property["type"] = "string";
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { [Parameter] = property },
            ["required"] = new JsonArray(Parameter),
        };
        return JsonSerializer.SerializeToElement(schema, CompactJson);
    }

    /// <summary>The tool as an <see cref="AIFunction"/> that returns <paramref name="returns"/> when invoked.</summary>
    /// <param name="returns">What the tool returns: a JSON object (<see cref="JsonNode"/>) or a string.</param>
    public AIFunction ToFunction(object? returns) => new AppToolFunction(this, returns);
}

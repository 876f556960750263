using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Trainer.Data;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Training;

public sealed class AppToolFunctionTests
{
    [Fact]
    public void Schema_is_what_AIFunctionFactory_writes_for_a_method_with_that_parameter()
    {
        var described = AIFunctionFactory.Create(([Description("The city name.")] string city) => "", "GetCurrentWeather", "Gets the weather.");
        var plain = AIFunctionFactory.Create((string location) => "", "get_weather", "Gets the weather.");

        Assert.Equal(described.JsonSchema.GetRawText(), new AppToolDefinition("weather", "GetCurrentWeather", "Gets the weather.", "city", "The city name.").Schema().GetRawText());
        Assert.Equal(plain.JsonSchema.GetRawText(), new AppToolDefinition("weather", "get_weather", "Gets the weather.", "location", "").Schema().GetRawText());
    }

    [Fact]
    public async Task Results_are_marshalled_as_AIFunctionFactory_marshals_a_return_value()
    {
        var returned = new JsonObject { ["city"] = "São Paulo", ["temp_c"] = 21.5 };
        var definition = new AppToolDefinition("weather", "get_weather", "", "city", "");
        var arguments = new AIFunctionArguments(new Dictionary<string, object?> { ["city"] = "São Paulo" });

        var ours = (JsonElement)(await definition.ToFunction(returned).InvokeAsync(arguments))!;
        var factory = (JsonElement)(await AIFunctionFactory.Create((string city) => returned, "get_weather").InvokeAsync(arguments))!;
        var oursText = (JsonElement)(await definition.ToFunction("21 °C").InvokeAsync(arguments))!;
        var factoryText = (JsonElement)(await AIFunctionFactory.Create((string city) => "21 °C", "get_weather").InvokeAsync(arguments))!;

        Assert.Equal(factory.GetRawText(), ours.GetRawText());
        Assert.Equal(factoryText.GetRawText(), oursText.GetRawText());
    }

    [Fact]
    public async Task A_call_without_the_parameter_is_refused_with_its_name()
    {
        var function = new AppToolDefinition("weather", "get_weather", "", "location", "").ToFunction("x");

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await function.InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?> { ["city"] = "Oslo" })));

        Assert.Contains("'location'", error.Message, StringComparison.Ordinal);
    }
}

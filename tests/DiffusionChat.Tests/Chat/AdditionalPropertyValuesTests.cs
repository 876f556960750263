using DiffusionChat.Sampling;
using System.Text.Json;
using DiffusionChat.Chat;
using DiffusionChat.Generation;

namespace DiffusionChat.Tests.Chat;

public class AdditionalPropertyValuesTests
{
    private static Dictionary<string, object?> Props(string key, object? value) => new() { [key] = value };

    [Fact]
    public void Integer_arrives_as_json_element_from_semantic_kernel()
    {
        var json = JsonDocument.Parse("{\"v\": 12}").RootElement.GetProperty("v");

        Assert.Equal(12, AdditionalPropertyValues.Int32(Props("k", json), "k"));
    }

    [Fact]
    public void Missing_or_null_value_means_unset()
    {
        Assert.Null(AdditionalPropertyValues.Int32(Props("other", 3), "k"));
        Assert.Null(AdditionalPropertyValues.Double(Props("k", null), "k"));
    }

    [Fact]
    public void Enum_names_are_case_insensitive_and_numbers_are_refused()
    {
        Assert.Equal(KeyValueCacheMode.Dual, AdditionalPropertyValues.Enum<KeyValueCacheMode>(Props("k", "dual"), "k"));
        var ex = Assert.Throws<ArgumentException>(() => AdditionalPropertyValues.Enum<KeyValueCacheMode>(Props("k", "7"), "k"));
        Assert.Contains("'7'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("None, Prefix, Dual", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fractional_value_for_an_integer_key_names_key_and_value()
    {
        var ex = Assert.Throws<ArgumentException>(() => AdditionalPropertyValues.Int32(Props("diffusion_steps", 2.5), "diffusion_steps"));

        Assert.Contains("diffusion_steps", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2.5", ex.Message, StringComparison.Ordinal);
    }
}

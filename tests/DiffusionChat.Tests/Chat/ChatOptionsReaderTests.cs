using DiffusionChat.Sampling;
using System.Text.Json;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using Microsoft.Extensions.AI;
using Moq;

namespace DiffusionChat.Tests.Chat;

public class ChatOptionsReaderTests
{
    private static readonly IChatClient Client = Mock.Of<IChatClient>();
    private static readonly DiffusionGenerationOptions Defaults = new() { Steps = 16, BlockLength = 8 };

    private static ChatRequestSettings Read(ChatOptions? options) => ChatOptionsReader.Read(options, Client, "tiny", 64, Defaults);

    [Fact]
    public void Unset_options_take_the_client_defaults_and_a_random_seed()
    {
        var a = Read(null);
        var b = Read(null);

        Assert.Equal(64, a.MaxOutputTokens);
        Assert.Equal(0, a.Sampling.Temperature);
        Assert.Equal(Defaults, a.Diffusion);
        Assert.NotEqual(a.Sampling.Seed, b.Sampling.Seed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Non_positive_MaxOutputTokens_is_rejected(int value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Read(new ChatOptions { MaxOutputTokens = value }));

        Assert.Contains("MaxOutputTokens", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1f, null, null, "Temperature")]
    [InlineData(null, 0f, null, "TopP")]
    [InlineData(null, 1.01f, null, "TopP")]
    [InlineData(null, null, 0, "TopK")]
    public void Out_of_range_sampling_options_are_rejected_by_name(float? temperature, float? topP, int? topK, string name)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Read(new ChatOptions { Temperature = temperature, TopP = topP, TopK = topK }));

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelId_of_another_model_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Read(new ChatOptions { ModelId = "gpt-4o" }));

        Assert.Contains("'gpt-4o'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'tiny'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diffusion_knobs_arrive_through_additional_properties_as_json_elements()
    {
        var json = JsonDocument.Parse("{\"steps\": 4, \"cache\": \"Dual\", \"threshold\": 0.9}").RootElement;
        var options = new ChatOptions
        {
            AdditionalProperties = new()
            {
                [DiffusionPropertyNames.Steps] = json.GetProperty("steps"),
                [DiffusionPropertyNames.Cache] = json.GetProperty("cache"),
                [DiffusionPropertyNames.ConfidenceThreshold] = json.GetProperty("threshold"),
            },
        };

        var settings = Read(options);

        Assert.Equal(new DiffusionGenerationOptions { Steps = 4, BlockLength = 8, Cache = KeyValueCacheMode.Dual, ConfidenceThreshold = 0.9 }, settings.Diffusion);
    }

    [Fact]
    public void Typed_knobs_from_RawRepresentationFactory_win_over_additional_properties()
    {
        var options = new ChatOptions
        {
            AdditionalProperties = new() { [DiffusionPropertyNames.Steps] = 4 },
            RawRepresentationFactory = _ => new DiffusionGenerationOptions { Steps = 2 },
        };

        Assert.Equal(2, Read(options).Diffusion.Steps);
    }

    [Fact]
    public void Invalid_diffusion_knob_is_rejected_by_name()
    {
        var options = new ChatOptions { AdditionalProperties = new() { [DiffusionPropertyNames.BlockLength] = 0 } };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Read(options));

        Assert.Contains("BlockLength", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_stop_sequence_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Read(new ChatOptions { StopSequences = ["ok", ""] }));
    }

    [Fact]
    public void Options_are_not_mutated()
    {
        var options = new ChatOptions { StopSequences = ["x"], AdditionalProperties = new() { [DiffusionPropertyNames.Steps] = 3 } };

        Read(options);

        Assert.Null(options.Seed);
        Assert.Null(options.MaxOutputTokens);
        Assert.Single(options.StopSequences);
        Assert.Single(options.AdditionalProperties);
    }
}

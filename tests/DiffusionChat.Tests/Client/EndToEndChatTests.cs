using System.Text.Json.Nodes;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Prompting;
using DiffusionChat.Tokenization;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Client;

/// <summary>The real path: checkpoint folder -> loader -> template -> tokenizer -> masked sampler -> text.</summary>
public sealed class EndToEndChatTests : IDisposable
{
    private readonly TinyChatCheckpoint checkpoint = new(new JsonObject { ["steps"] = 4, ["block_length"] = 4 });

    public void Dispose() => checkpoint.Dispose();

    private DiffusionChatClient Load() =>
        new(new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = checkpoint.Directory, Device = "cpu" }));

    /// <summary>A client whose denoiser counts its calls by kind.</summary>
    private DiffusionChatClient Load(out CallKindCountingDenoiser denoiser)
    {
        var loaded = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = checkpoint.Directory, Device = "cpu" });
        var generator = (MaskedTokenGenerator)loaded.Generator;
        denoiser = new CallKindCountingDenoiser(generator.Denoiser);

        // The new generator owns the wrapper, which owns the loaded denoiser; the loaded ChatModelParts is dropped undisposed
        // on purpose (disposing it would dispose the same denoiser twice).
        var wrapped = new MaskedTokenGenerator(denoiser, generator.DefaultDiffusion, generator.MaxSequenceLength);
        return new DiffusionChatClient(new ChatModelParts(loaded.ModelId, wrapped, loaded.Tokenizer, loaded.Format, loaded.Folder));
    }

    [Fact]
    public void Loader_picks_the_masked_family_tokenizer_format_and_config_defaults()
    {
        using var client = Load();

        var generator = client.GetService<ITokenGenerator>()!;
        Assert.Equal(ModelFamily.MaskedDiffusion, generator.Family);
        Assert.Equal(256, generator.MaxSequenceLength);
        Assert.Equal(4, generator.DefaultDiffusion.Steps);
        Assert.IsType<ChatMlPromptFormat>(client.GetService<IChatPromptFormat>());
        Assert.IsType<DiffusionTokenizer>(client.GetService<ITextTokenizer>());
        Assert.Equal(Path.GetFileName(checkpoint.Directory), client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task Greedy_answers_are_deterministic_and_report_usage_and_forward_passes()
    {
        using var client = Load();
        var options = new ChatOptions { MaxOutputTokens = 8, Seed = 1 };

        var first = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], options);
        var second = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], options);

        Assert.False(string.IsNullOrEmpty(first.Text), "the tiny model should write something");
        Assert.Equal(first.Text, second.Text);
        var usage = first.Usage!;
        long tokens = usage.OutputTokenCount!.Value, passes = usage.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];
        Assert.True(usage.InputTokenCount > 0);
        Assert.Equal(usage.InputTokenCount + tokens, usage.TotalTokenCount);
        // Blocks of 4 positions with 4 steps each: two blocks for the whole budget of 8, or the answer ended at the end
        // of turn inside block tokens / 4 and decoding stopped after that block.
        if (first.FinishReason == ChatFinishReason.Length)
        {
            Assert.Equal(8, tokens);
            Assert.Equal(8, passes);
        }
        else
        {
            Assert.Equal(ChatFinishReason.Stop, first.FinishReason);
            Assert.InRange(tokens, 1, 7);
            Assert.Equal(4 * ((tokens / 4) + 1), passes);
        }

        Assert.Equal(usage.OutputTokenCount, second.Usage!.OutputTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Threshold_and_cache_knobs_reach_the_sampler_through_additional_properties(bool knobsGiven)
    {
        using var client = Load(out var denoiser);
        var options = new ChatOptions { MaxOutputTokens = 8 };
        if (knobsGiven)
        {
            options.AdditionalProperties = new() { [DiffusionPropertyNames.ConfidenceThreshold] = 0.01, [DiffusionPropertyNames.Cache] = "Prefix" };
        }

        var response = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], options);

        // Without knobs: the folder's fixed 4 steps in each of the two blocks, full passes only. A threshold this low
        // commits a block in fewer passes, and the prefix cache turns all but a block's first pass into window passes.
        long passes = response.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];
        if (knobsGiven)
        {
            Assert.InRange(passes, 2, 4);
            Assert.Equal(0, denoiser.FullPasses);
            Assert.Equal(2, denoiser.CacheBuilds);
            Assert.Equal(passes - 2, denoiser.WindowPasses);
        }
        else
        {
            Assert.Equal(8, passes);
            Assert.Equal(8, denoiser.FullPasses);
            Assert.Equal(0, denoiser.CacheBuilds + denoiser.WindowPasses);
        }
    }

    [Fact]
    public void Folder_without_weights_fails_with_a_checkpoint_error_naming_what_was_looked_for()
    {
        File.Delete(Path.Combine(checkpoint.Directory, "model.safetensors"));

        var ex = Assert.Throws<DiffusionChat.Checkpoints.CheckpointFormatException>(() => Load());

        Assert.Contains("model.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_model_type_lists_the_supported_ones()
    {
        var configPath = Path.Combine(checkpoint.Directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["model_type"] = "mamba";
        config["architectures"] = new JsonArray("MambaForCausalLM");
        File.WriteAllText(configPath, config.ToJsonString());

        var ex = Assert.Throws<NotSupportedException>(() => Load());

        Assert.Contains("'mamba'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("llada", ex.Message, StringComparison.Ordinal);
        Assert.Contains("llama", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mask_token_written_in_a_message_is_rejected_before_it_reaches_a_batch()
    {
        using var client = Load();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new(ChatRole.User, "fill <|mask|> in")]));

        Assert.Contains("mask token", ex.Message, StringComparison.Ordinal);
    }
}

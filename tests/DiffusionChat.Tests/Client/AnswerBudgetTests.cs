using System.Text.Json.Nodes;
using DiffusionChat.Cli.TinyModels;
using DiffusionChat.Hosting;
using DiffusionChat.Tests.Masked;
using DiffusionChat.Tests.Samples;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// A request that leaves <c>MaxOutputTokens</c> unset on a long conversation: models that decode left to right
/// (block-causal diffusion, autoregressive) answer with what the context has left; a bidirectional masked model, whose
/// answer depends on its answer window, and any explicit budget that does not fit are refused with what fits.
/// </summary>
public sealed class AnswerBudgetTests
{
    private const int Context = 64;

    // About 40 prompt tokens with the chat template: it fits the 64-token context, the client's default 256 answer tokens do not.
    private static readonly ChatMessage[] LongQuestion = [new(ChatRole.User, "Tell me about the weather in Paris, Lyon, Nice and Lille this week.")];

    private static DiffusionChatClient Load(string folder) =>
        new(new CheckpointChatModelLoader().Load(new() { ModelPath = folder, Device = "cpu" }));

    [Fact]
    public async Task A_block_causal_model_answers_an_unset_budget_with_what_the_context_has_left()
    {
        using var folder = new TinyBlockCausalFolder(context: Context);
        using var client = Load(folder.Directory);

        var response = await client.GetResponseAsync(LongQuestion, new ChatOptions { Seed = 1 });

        var usage = response.Usage!;
        Assert.InRange(usage.InputTokenCount!.Value, 20, Context - 1);
        Assert.True(usage.InputTokenCount + usage.OutputTokenCount <= Context, $"{usage.InputTokenCount} + {usage.OutputTokenCount} tokens in a context of {Context}");
    }

    [Fact]
    public async Task An_autoregressive_model_answers_an_unset_budget_with_what_the_context_has_left()
    {
        using var folder = new TinyModelFolder(TinyModelFamily.Ar);
        var configPath = Path.Combine(folder.Path, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["max_position_embeddings"] = Context;
        File.WriteAllText(configPath, config.ToJsonString());
        using var client = Load(folder.Path);

        var response = await client.GetResponseAsync(LongQuestion, new ChatOptions { Seed = 1 });

        Assert.True(response.Usage!.InputTokenCount + response.Usage.OutputTokenCount <= Context);
    }

    [Fact]
    public async Task An_explicit_budget_that_does_not_fit_is_refused_with_what_fits()
    {
        using var folder = new TinyBlockCausalFolder(context: Context);
        using var client = Load(folder.Directory);

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync(LongQuestion, new ChatOptions { MaxOutputTokens = 256 }));

        Assert.Contains("ChatOptions.MaxOutputTokens 256", ex.Message, StringComparison.Ordinal);
        Assert.Contains("answer tokens fit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bidirectional_model_keeps_refusing_a_default_budget_that_does_not_fit()
    {
        using var folder = new TinyBlockCausalFolder(blockSize: null, context: Context);
        using var client = Load(folder.Directory);

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync(LongQuestion));

        Assert.Contains("default answer budget of 256", ex.Message, StringComparison.Ordinal);
        Assert.Contains("answer tokens fit", ex.Message, StringComparison.Ordinal);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Chat;
using DiffusionChat.Hosting;
using DiffusionChat.Tests.Masked;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// Draft and verify through the chat client: from a checkpoint's <c>generation_defaults</c> and from the
/// <c>diffusion_draft_and_verify</c> key (as Semantic Kernel passes it), the text is the one-token-per-step text.
/// </summary>
public sealed class DraftAndVerifyClientTests
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What is the weather in Paris?")];

    private static DiffusionChatClient Load(string folder) =>
        new(new CheckpointChatModelLoader().Load(new() { ModelPath = folder, Device = "cpu" }));

    private static ChatOptions OneTokenPerStep() => new()
    {
        MaxOutputTokens = 20,
        AdditionalProperties = new() { [DiffusionPropertyNames.BlockLength] = 1, [DiffusionPropertyNames.Steps] = 1 },
    };

    private static long Passes(ChatResponse response) => response.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];

    [Fact]
    public async Task A_checkpoint_that_defaults_to_draft_and_verify_answers_as_one_token_per_step_in_no_more_passes()
    {
        using var folder = new TinyBlockCausalFolder(generationDefaults: new JsonObject { ["draft_and_verify"] = true });
        using var client = Load(folder.Directory);

        var drafted = await client.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 20 });
        var plain = await client.GetResponseAsync(Question, OneTokenPerStep());

        Assert.Equal(plain.Text, drafted.Text);
        Assert.Equal(plain.Usage!.OutputTokenCount, drafted.Usage!.OutputTokenCount);
        Assert.InRange(Passes(drafted), 1, Passes(plain));
    }

    [Fact]
    public async Task The_additional_property_switches_it_on_over_a_block_schedule_and_a_bad_value_is_refused_by_name()
    {
        using var folder = new TinyBlockCausalFolder(); // defaults: blocks of 4, 4 steps
        using var client = Load(folder.Directory);
        var on = JsonDocument.Parse("true").RootElement;

        var drafted = await client.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 20, AdditionalProperties = new() { [DiffusionPropertyNames.DraftAndVerify] = on } });
        var plain = await client.GetResponseAsync(Question, OneTokenPerStep());
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Question, new ChatOptions { AdditionalProperties = new() { [DiffusionPropertyNames.DraftAndVerify] = "sometimes" } }));

        Assert.Equal(plain.Text, drafted.Text);
        Assert.Contains(DiffusionPropertyNames.DraftAndVerify, ex.Message, StringComparison.Ordinal);
        Assert.Contains("true or false", ex.Message, StringComparison.Ordinal);
    }
}

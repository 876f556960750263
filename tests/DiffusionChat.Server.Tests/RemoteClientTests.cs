using System.ClientModel;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using DiffusionChat.Remote;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DiffusionChat.Server.Tests;

/// <summary>The remote registration reaches the server and behaves like the in-process client, forward passes included.</summary>
public sealed class RemoteClientTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Question = "What is the capital of France?";

    private IChatClient Remote(Action<RemoteDiffusionChatOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddRemoteDiffusionChatClient(o =>
        {
            o.Endpoint = shared.Server.V1;
            o.ApiKey = LoopbackServer.ApiKey;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider().GetRequiredService<IChatClient>();
    }

    [Fact]
    public async Task Remote_answer_and_forward_passes_equal_the_in_process_ones_for_the_same_typed_knobs()
    {
        var options = new ChatOptions
        {
            MaxOutputTokens = 32,
            Seed = 5,
            RawRepresentationFactory = _ => new DiffusionGenerationOptions { Steps = 4, BlockLength = 8 },
        };
        using var local = ShippedModel.InProcessClient();
        var expected = await local.GetResponseAsync(Question, options);

        var actual = await Remote().GetResponseAsync(Question, options);

        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName], actual.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName]);
        Assert.Equal(expected.Usage.OutputTokenCount, actual.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Draft_and_verify_reaches_the_server_from_the_typed_knobs_and_from_the_additional_property()
    {
        using var local = ShippedModel.InProcessClient();
        var plain = await local.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 32, RawRepresentationFactory = _ => new DiffusionGenerationOptions { Steps = 1, BlockLength = 1 } });

        var typed = await Remote().GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 32, RawRepresentationFactory = _ => new DiffusionGenerationOptions { DraftAndVerify = true } });
        var keyed = await Remote().GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 32, AdditionalProperties = new() { [DiffusionPropertyNames.DraftAndVerify] = true } });

        long Passes(ChatResponse r) => r.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];
        Assert.Equal(plain.Text, typed.Text);
        Assert.Equal(plain.Text, keyed.Text);
        Assert.True(Passes(typed) < Passes(plain), $"{Passes(typed)} passes with drafts, {Passes(plain)} without");
        Assert.Equal(Passes(typed), Passes(keyed));
    }

    [Fact]
    public async Task Remote_streaming_reports_usage_with_forward_passes_in_the_last_update()
    {
        var options = new ChatOptions { MaxOutputTokens = 32, AdditionalProperties = new() { [DiffusionPropertyNames.Steps] = 2, [DiffusionPropertyNames.BlockLength] = "8" } };
        using var local = ShippedModel.InProcessClient();
        var expected = await local.GetResponseAsync(Question, options);

        var updates = await Remote().GetStreamingResponseAsync(Question, options).ToListAsync();
        var response = updates.ToChatResponse();

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName], response.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName]);
    }

    [Fact]
    public async Task Defaults_from_the_registration_are_sent_and_a_bad_knob_comes_back_as_the_servers_400()
    {
        var client = Remote(o => o.Diffusion.Remasking = DiffusionChat.Sampling.RemaskingStrategy.LowConfidence);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(Question,
            new ChatOptions { AdditionalProperties = new() { [DiffusionPropertyNames.Cache] = "Triple" } }));

        Assert.Equal(400, ex.Status);
        Assert.Contains("cache", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Model_id_is_asked_from_the_server_when_not_configured()
    {
        var metadata = Remote().GetService<ChatClientMetadata>();

        Assert.Equal("dc-masked", metadata?.DefaultModelId);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Configuration_with_an_endpoint_registers_the_remote_client_and_without_one_the_in_process_model()
    {
        static IChatClient Resolve(Dictionary<string, string?> values)
        {
            var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("DiffusionChat");
            var services = new ServiceCollection();
            services.AddDiffusionChatClientFromConfiguration(section);
            return services.BuildServiceProvider().GetRequiredService<IChatClient>();
        }

        using var remote = Resolve(new() { ["DiffusionChat:Endpoint"] = shared.Server.V1.ToString(), ["DiffusionChat:ApiKey"] = LoopbackServer.ApiKey });
        using var local = Resolve(new() { ["DiffusionChat:ModelPath"] = ShippedModel.Folder, ["DiffusionChat:Device"] = "cpu" });

        Assert.NotNull(remote.GetService<RemoteDiffusionChatClient>());
        Assert.NotNull(local.GetService<DiffusionChatClient>());
        var options = new ChatOptions { MaxOutputTokens = 16, Seed = 2 };
        Assert.Equal((await local.GetResponseAsync(Question, options)).Text, (await remote.GetResponseAsync(Question, options)).Text);
    }
}

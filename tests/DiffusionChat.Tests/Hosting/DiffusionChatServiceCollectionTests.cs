using DiffusionChat.Sampling;
using DiffusionChat.Hosting;
using DiffusionChat.Prompting;
using DiffusionChat.Tests.Client;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace DiffusionChat.Tests.Hosting;

public class DiffusionChatServiceCollectionTests
{
    private static readonly string ExistingFolder = AppContext.BaseDirectory;

    private static (Mock<IChatModelLoader> Loader, List<ScriptedGenerator> Generators) FakeLoader(string answer = "hi<|im_end|>")
    {
        var generators = new List<ScriptedGenerator>();
        var loader = new Mock<IChatModelLoader>();
        loader.Setup(l => l.Load(It.IsAny<DiffusionChatHostingOptions>(), It.IsAny<CancellationToken>()))
            .Returns((DiffusionChatHostingOptions o, CancellationToken _) =>
            {
                var tokenizer = new CharTokenizer();
                var generator = new ScriptedGenerator((_, _) => answer, tokenizer);
                generators.Add(generator);
                return new ChatModelParts(o.ModelId ?? "m", generator, tokenizer, ChatMlPromptFormat.Instance, o.ModelPath);
            });
        return (loader, generators);
    }

    [Fact]
    public async Task Registered_client_answers_through_IChatClient_and_loads_the_model_once()
    {
        var (loader, _) = FakeLoader();
        var services = new ServiceCollection();
        services.AddSingleton(loader.Object);
        services.AddDiffusionChatClient(o => o.ModelPath = ExistingFolder).UseFunctionInvocation();
        using var provider = services.BuildServiceProvider();

        var first = provider.GetRequiredService<IChatClient>();
        var second = provider.GetRequiredService<IChatClient>();
        var response = await first.GetResponseAsync([new(ChatRole.User, "Hello")]);

        Assert.Same(first, second);
        Assert.Equal("hi", response.Text);
        loader.Verify(l => l.Load(It.IsAny<DiffusionChatHostingOptions>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Registered_client_enforces_a_json_response_format()
    {
        var (loader, _) = FakeLoader("not json<|im_end|>");
        var services = new ServiceCollection();
        services.AddSingleton(loader.Object);
        services.AddDiffusionChatClient(o => o.ModelPath = ExistingFolder);
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            client.GetResponseAsync([new(ChatRole.User, "give json")], new ChatOptions { ResponseFormat = ChatResponseFormat.Json }));

        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(client.GetService<DiffusionChatClient>());
    }

    [Fact]
    public void Model_is_disposed_with_the_container()
    {
        var (loader, generators) = FakeLoader();
        var services = new ServiceCollection();
        services.AddSingleton(loader.Object);
        services.AddDiffusionChatClient(o => o.ModelPath = ExistingFolder);
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IChatClient>();

        provider.Dispose();

        Assert.True(generators.Single().Disposed);
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DiffusionChat:ModelPath"] = ExistingFolder,
            ["DiffusionChat:Device"] = "cpu",
            ["DiffusionChat:DefaultMaxOutputTokens"] = "32",
            ["DiffusionChat:Diffusion:Steps"] = "6",
            ["DiffusionChat:Diffusion:Cache"] = "Dual",
        }).Build();
        var (loader, _) = FakeLoader();
        var services = new ServiceCollection();
        services.AddSingleton(loader.Object);
        services.AddDiffusionChatClient(configuration.GetSection(DiffusionChatHostingOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DiffusionChatHostingOptions>>().Value;

        Assert.Equal("cpu", options.Device);
        Assert.Equal(32, options.DefaultMaxOutputTokens);
        Assert.Equal(6, options.Diffusion.Steps);
        Assert.Equal(DiffusionChat.Sampling.KeyValueCacheMode.Dual, options.Diffusion.Cache);
    }

    [Theory]
    [InlineData("", "auto", "float32", "ModelPath is required")]
    [InlineData("/no/such/folder", "auto", "float32", "does not exist")]
    [InlineData("HERE", "gpu", "float32", "Device 'gpu'")]
    [InlineData("HERE", "auto", "int8", "DType 'int8'")]
    public void Invalid_options_fail_startup_validation_with_the_bad_value(string path, string device, string dtype, string expected)
    {
        var (loader, _) = FakeLoader();
        var services = new ServiceCollection();
        services.AddSingleton(loader.Object);
        services.AddDiffusionChatClient(o =>
        {
            o.ModelPath = path == "HERE" ? ExistingFolder : path;
            o.Device = device;
            o.DType = dtype;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(5000)]
    public void A_thread_count_outside_its_range_fails_startup_validation_with_the_bad_value(int threads)
    {
        var (loader, _) = FakeLoader();
        var services = new ServiceCollection();
        services.AddSingleton(loader.Object);
        services.AddDiffusionChatClient(o =>
        {
            o.ModelPath = ExistingFolder;
            o.Threads = threads;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains($"Threads {threads} is not valid", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keyed_clients_run_side_by_side_with_their_own_options()
    {
        var (loader, _) = FakeLoader();
        var services = new ServiceCollection();
        services.AddSingleton(loader.Object);
        services.AddKeyedDiffusionChatClient("diffusion", o => { o.ModelPath = ExistingFolder; o.ModelId = "masked"; });
        services.AddKeyedDiffusionChatClient("baseline", o => { o.ModelPath = ExistingFolder; o.ModelId = "ar"; });
        using var provider = services.BuildServiceProvider();

        var diffusion = provider.GetRequiredKeyedService<IChatClient>("diffusion");
        var baseline = provider.GetRequiredKeyedService<IChatClient>("baseline");
        await diffusion.GetResponseAsync([new(ChatRole.User, "x")]);

        Assert.Equal("masked", diffusion.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Equal("ar", baseline.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Null(provider.GetService<IChatClient>());
    }
}

using System.ComponentModel;
using DiffusionChat.Hosting;
using DiffusionChat.Prompting;
using DiffusionChat.Tests.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Moq;

namespace DiffusionChat.Tests.SemanticKernel;

public class DiffusionKernelBuilderTests
{
    private static IChatModelLoader Loader(Func<string, long, string> answer)
    {
        var loader = new Mock<IChatModelLoader>();
        loader.Setup(l => l.Load(It.IsAny<DiffusionChatHostingOptions>(), It.IsAny<CancellationToken>()))
            .Returns((DiffusionChatHostingOptions o, CancellationToken _) =>
            {
                var tokenizer = new CharTokenizer();
                return new ChatModelParts("tiny", new ScriptedGenerator(answer, tokenizer), tokenizer, ChatMlPromptFormat.Instance, o.ModelPath);
            });
        return loader.Object;
    }

    private static string WeatherScript(string prompt, long seed) => prompt.Contains("<tool_response>", StringComparison.Ordinal)
        ? "It is 4 degrees in Oslo.<|im_end|>"
        : "<tool_call>{\"name\":\"Weather_GetWeather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call><|im_end|>";

    [Fact]
    public async Task InvokePromptAsync_calls_a_kernel_plugin_through_auto_function_calling()
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(Loader(WeatherScript));
        builder.AddDiffusionChatClient(AppContext.BaseDirectory);
        var plugin = new WeatherPlugin();
        builder.Plugins.AddFromObject(plugin, "Weather");
        var kernel = builder.Build();

        var result = await kernel.InvokePromptAsync(
            "What is the weather in Oslo?",
            new KernelArguments(new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }));

        Assert.Equal(["Oslo"], plugin.Cities);
        Assert.Equal("It is 4 degrees in Oslo.", result.ToString());
    }

    [Fact]
    public async Task Chat_completion_service_answers_a_chat_history()
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(Loader((_, _) => "Hello from diffusion.<|im_end|>"));
        builder.AddDiffusionChatCompletion(AppContext.BaseDirectory);
        var kernel = builder.Build();
        var service = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory();
        history.AddUserMessage("Hi");

        var reply = await service.GetChatMessageContentAsync(history, kernel: kernel);

        Assert.Equal("Hello from diffusion.", reply.Content);
    }

    private sealed class WeatherPlugin
    {
        public List<string> Cities { get; } = [];

        [KernelFunction]
        [Description("Current weather in a city.")]
        public string GetWeather(string city)
        {
            Cities.Add(city);
            return $"4 degrees in {city}";
        }
    }
}

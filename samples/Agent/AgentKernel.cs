using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace DiffusionChat.Samples.Agent;

/// <summary>
/// The agent: a kernel whose chat model is a diffusion checkpoint (<c>AddDiffusionChatCompletion</c>), with the weather
/// and clock plugins, asked questions with <c>FunctionChoiceBehavior.Auto()</c> so the model may call the plugins and
/// answer from their results.
/// </summary>
internal sealed class AgentKernel
{
    private AgentKernel(Kernel kernel, WeatherPlugin weather)
    {
        Kernel = kernel;
        Weather = weather;
    }

    /// <summary>The kernel.</summary>
    public Kernel Kernel { get; }

    /// <summary>The weather plugin instance (records which cities were asked).</summary>
    public WeatherPlugin Weather { get; }

    /// <summary>Builds the kernel.</summary>
    /// <param name="modelPath">The diffusion checkpoint folder.</param>
    /// <param name="time">The clock plugin's time source.</param>
    /// <param name="configureServices">Extra registrations made before the model's (e.g. a custom model loader).</param>
    /// <param name="maxOutputTokens">Answer budget per model call; a tool call must fit in it whole.</param>
    public static AgentKernel Create(string modelPath, TimeProvider time, Action<IServiceCollection>? configureServices = null, int maxOutputTokens = 64)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOutputTokens, 1);
        var builder = Kernel.CreateBuilder();
        configureServices?.Invoke(builder.Services);
        builder.AddDiffusionChatCompletion(modelPath, o => o.DefaultMaxOutputTokens = maxOutputTokens);
        var weather = new WeatherPlugin();
        builder.Plugins.AddFromObject(weather, "weather");
        builder.Plugins.AddFromObject(new ClockPlugin(time), "clock");
        return new AgentKernel(builder.Build(), weather);
    }

    /// <summary>Settings that let the model call any kernel function and get the results back automatically.</summary>
    public static PromptExecutionSettings AutoCalling() => new() { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

    /// <summary>One question through a prompt function (<c>kernel.InvokePromptAsync</c>).</summary>
    public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        var result = await Kernel.InvokePromptAsync(question, new KernelArguments(AutoCalling()), cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.ToString();
    }

    /// <summary>One turn of a conversation through <see cref="IChatCompletionService"/>; the reply is added to <paramref name="history"/>.</summary>
    public async Task<string> ChatAsync(ChatHistory history, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        history.AddUserMessage(message);
        var service = Kernel.GetRequiredService<IChatCompletionService>();
        var reply = await service.GetChatMessageContentAsync(history, AutoCalling(), Kernel, cancellationToken).ConfigureAwait(false);
        history.Add(reply);
        return reply.Content ?? "";
    }
}

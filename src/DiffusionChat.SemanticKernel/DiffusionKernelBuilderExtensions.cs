using DiffusionChat.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.SemanticKernel;

/// <summary>
/// Adds a diffusion chat model to a Semantic Kernel, in the style of SK's Ollama and ONNX connectors: as an
/// <see cref="IChatClient"/> (with logging and kernel function invocation) or as an <see cref="IChatCompletionService"/>
/// for consumers such as <c>ChatCompletionAgent</c> and <c>kernel.InvokePromptAsync</c>.
/// </summary>
public static class DiffusionKernelBuilderExtensions
{
    /// <summary>
    /// Registers a diffusion <see cref="IChatClient"/> (logging + kernel function invocation, so
    /// <c>FunctionChoiceBehavior.Auto()</c> calls kernel plugins).
    /// </summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="modelPath">The checkpoint folder.</param>
    /// <param name="configure">Further options (device, dtype, defaults); optional.</param>
    /// <param name="serviceId">A key for the service, when several are registered; optional.</param>
    /// <returns>The builder.</returns>
    public static IKernelBuilder AddDiffusionChatClient(this IKernelBuilder builder, string modelPath, Action<DiffusionChatHostingOptions>? configure = null, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        Register(builder.Services, modelPath, configure, serviceId);
        return builder;
    }

    /// <summary>Registers a diffusion model as an <see cref="IChatCompletionService"/> (and the underlying <see cref="IChatClient"/>).</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="modelPath">The checkpoint folder.</param>
    /// <param name="configure">Further options; optional.</param>
    /// <param name="serviceId">A key for the service, when several are registered; optional.</param>
    /// <returns>The builder.</returns>
    public static IKernelBuilder AddDiffusionChatCompletion(this IKernelBuilder builder, string modelPath, Action<DiffusionChatHostingOptions>? configure = null, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        Register(builder.Services, modelPath, configure, serviceId);
        builder.Services.AddKeyedSingleton<IChatCompletionService>(serviceId, (sp, key) =>
            sp.GetRequiredKeyedService<IChatClient>(key).AsChatCompletionService(sp));
        return builder;
    }

    private static void Register(IServiceCollection services, string modelPath, Action<DiffusionChatHostingOptions>? configure, string? serviceId)
    {
        void Configure(DiffusionChatHostingOptions o)
        {
            o.ModelPath = modelPath;
            configure?.Invoke(o);
        }

        ChatClientBuilder chat = serviceId is null
            ? services.AddDiffusionChatClient(Configure)
            : services.AddKeyedDiffusionChatClient(serviceId, Configure);
        // Logging only when the host has logging; kernel function invocation always (it is what makes
        // FunctionChoiceBehavior.Auto() call kernel plugins through an IChatClient).
        chat.Use((inner, sp) =>
        {
            var loggerFactory = sp.GetService<ILoggerFactory>();
            var pipeline = new ChatClientBuilder(inner);
            if (loggerFactory is not null)
            {
                pipeline.UseLogging(loggerFactory);
            }

            return pipeline.UseKernelFunctionInvocation(loggerFactory).Build(sp);
        });
    }
}

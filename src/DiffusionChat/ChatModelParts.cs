using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using DiffusionChat.Tokenization;

namespace DiffusionChat;

/// <summary>
/// The parts a <see cref="DiffusionChatClient"/> runs on, as <see cref="Hosting.IChatModelLoader"/> returns them for one
/// checkpoint: the generator (the model's weights and its sampler), the tokenizer, the chat format and the model's
/// identity. A holder, not a model: it generates nothing itself.
/// </summary>
/// <remarks>
/// Owns the generator: disposing the parts disposes it (the client that is given the parts disposes them with
/// itself). <c>client.GetService&lt;ChatModelParts&gt;()</c> returns them, e.g. to reach the generator's events.
/// </remarks>
public sealed class ChatModelParts : IDisposable
{
    /// <summary>Holds the parts of a loaded model.</summary>
    /// <param name="modelId">The id reported in metadata and checked against <c>ChatOptions.ModelId</c>.</param>
    /// <param name="generator">The model and its sampler; owned from now on.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="format">The model's chat format.</param>
    /// <param name="folder">The checkpoint folder it was loaded from, if any.</param>
    public ChatModelParts(string modelId, ITokenGenerator generator, ITextTokenizer tokenizer, IChatPromptFormat format, string? folder = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(format);
        ModelId = modelId;
        Generator = generator;
        Tokenizer = tokenizer;
        Format = format;
        Folder = folder is null ? null : Path.GetFullPath(folder);
    }

    /// <summary>The model id.</summary>
    public string ModelId { get; }

    /// <summary>The model and its sampler.</summary>
    public ITokenGenerator Generator { get; }

    /// <summary>The tokenizer.</summary>
    public ITextTokenizer Tokenizer { get; }

    /// <summary>The chat format.</summary>
    public IChatPromptFormat Format { get; }

    /// <summary>The checkpoint folder's full path, if loaded from one.</summary>
    public string? Folder { get; }

    /// <inheritdoc />
    public void Dispose() => Generator.Dispose();
}

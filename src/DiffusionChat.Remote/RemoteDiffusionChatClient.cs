using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace DiffusionChat.Remote;

/// <summary>
/// A <see cref="DelegatingChatClient"/> over an OpenAI-compatible client (Microsoft.Extensions.AI.OpenAI) that speaks
/// DiffusionChat's diffusion extensions: the typed knobs (<see cref="DiffusionGenerationOptions"/> from
/// <c>RawRepresentationFactory</c>, or the <see cref="DiffusionPropertyNames"/> keys in <c>AdditionalProperties</c>) go
/// out as extra body fields (<see cref="DiffusionExtraBodyFields"/>), and the server's <c>usage.forward_passes</c> comes
/// back as <c>UsageDetails.AdditionalCounts["forward_passes"]</c>, as the in-process client reports it.
/// </summary>
/// <remarks>
/// Knobs are layered like the in-process client's: this client's defaults, then <c>AdditionalProperties</c> keys, then the
/// typed record. Values are checked by the server (DiffusionChat.Server answers 400 naming the field). A
/// <c>RawRepresentationFactory</c> that returns OpenAI's <c>ChatCompletionOptions</c> is kept and the fields are added to
/// it. The caller's options are cloned, never mutated. Thread-safe.
/// </remarks>
public sealed class RemoteDiffusionChatClient : DelegatingChatClient
{
    private readonly DiffusionGenerationOptions defaults;

    /// <summary>Wraps an OpenAI-compatible client.</summary>
    /// <param name="innerClient">Usually <c>OpenAI.Chat.ChatClient.AsIChatClient()</c>.</param>
    /// <param name="defaults">Knobs sent when a request leaves them unset; none when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A default is out of range.</exception>
    public RemoteDiffusionChatClient(IChatClient innerClient, DiffusionGenerationOptions? defaults = null)
        : base(innerClient)
    {
        this.defaults = defaults ?? new DiffusionGenerationOptions();
        this.defaults.Validate();
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, WithExtraFields(options), cancellationToken).ConfigureAwait(false);
        if (response.Usage is { } usage && ForwardPasses(response.RawRepresentation) is { } passes)
        {
            AddForwardPasses(usage, passes);
        }

        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in base.GetStreamingResponseAsync(messages, WithExtraFields(options), cancellationToken).ConfigureAwait(false))
        {
            if (ForwardPasses(update.RawRepresentation) is { } passes)
            {
                foreach (var usage in update.Contents.OfType<UsageContent>())
                {
                    AddForwardPasses(usage.Details, passes);
                }
            }

            yield return update;
        }
    }

    /// <summary>A clone of <paramref name="options"/> whose raw OpenAI options carry the knobs as extra fields.</summary>
    private ChatOptions? WithExtraFields(ChatOptions? options)
    {
        var fields = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in DiffusionExtraBodyFields.From(defaults))
        {
            fields[name] = Scalar(value);
        }

        var clone = options?.Clone() ?? new ChatOptions();
        if (clone.AdditionalProperties is { } properties)
        {
            foreach (var (key, field) in DiffusionExtraBodyFields.ByPropertyName)
            {
                if (properties.TryGetValue(key, out var value) && value is not null)
                {
                    fields[field] = Scalar(value);
                }

                properties.Remove(key);
            }
        }

        var callerFactory = options?.RawRepresentationFactory;
        if (callerFactory?.Invoke(this) is DiffusionGenerationOptions typed)
        {
            typed.Validate();
            foreach (var (name, value) in DiffusionExtraBodyFields.From(typed))
            {
                fields[name] = Scalar(value);
            }
        }

        if (fields.Count == 0)
        {
            return options;
        }

        clone.RawRepresentationFactory = client =>
        {
            // Called per request, so the caller's factory hands out a fresh ChatCompletionOptions that is ours to patch.
            var raw = callerFactory?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
            foreach (var (name, value) in fields)
            {
                SetField(raw, name, value);
            }

            return raw;
        };
        return clone;
    }

#pragma warning disable SCME0001 // JsonPatch (extra JSON fields on OpenAI models) is marked for evaluation; it is the SDK's only way to send and read them.
    private static void SetField(ChatCompletionOptions raw, string name, object value)
    {
        var path = Encoding.UTF8.GetBytes("$." + name);
        switch (value)
        {
            case long l:
                raw.Patch.Set(path, l);
                break;
            case double d:
                raw.Patch.Set(path, d);
                break;
            case bool b:
                raw.Patch.Set(path, b);
                break;
            default:
                raw.Patch.Set(path, Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
        }
    }

    private static long? ForwardPasses(object? raw)
    {
        var usage = raw switch
        {
            ChatCompletion completion => completion.Usage,
            StreamingChatCompletionUpdate update => update.Usage,
            _ => null,
        };
        return usage is not null && usage.Patch.TryGetValue("$.forward_passes"u8, out long passes) ? passes : null;
    }
#pragma warning restore SCME0001

    private static void AddForwardPasses(UsageDetails usage, long passes)
    {
        usage.AdditionalCounts ??= [];
        usage.AdditionalCounts[DiffusionChatClient.ForwardPassesCountName] = passes;
    }

    /// <summary>A knob value as a JSON scalar: numbers (also numbers written as text) as numbers, enums by name.</summary>
    private static object Scalar(object value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } j when j.TryGetInt64(out long l) => l,
        JsonElement { ValueKind: JsonValueKind.Number } j => j.GetDouble(),
        JsonElement { ValueKind: JsonValueKind.String } j => Scalar(j.GetString()!),
        JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } j => j.GetBoolean(),
        JsonElement j => j.GetRawText(),
        Enum e => e.ToString(),
        int or long or short or byte => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        float or double or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => value,
    };
}

using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Chat;

/// <summary>
/// Enforces <see cref="ChatResponseFormat.Json"/>: when a request asks for JSON, the answer's text must parse as JSON
/// or the call fails with <see cref="InvalidOperationException"/> quoting it. A small model cannot be trusted to keep
/// the format, and a caller that asked for JSON would otherwise parse the failure itself.
/// </summary>
/// <remarks>
/// <para>Streaming requests that ask for JSON are held back: their updates are released only after the whole answer
/// has been checked, so a caller never receives text that turns out not to be JSON. Requests with another (or no)
/// response format pass through untouched and stream as they are produced.</para>
/// <para>A response that calls tools (holds a <see cref="FunctionCallContent"/>) is not checked: its text is not the
/// answer yet. The options and messages are passed on unchanged. Thread-safe when the inner client is.</para>
/// </remarks>
public sealed class JsonResponseChatClient : DelegatingChatClient
{
    /// <summary>Wraps <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client whose answers are checked.</param>
    public JsonResponseChatClient(IChatClient innerClient)
        : base(innerClient)
    {
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">JSON was asked for and the answer's text does not parse as JSON.</exception>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        if (AsksForJson(options) && !response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Any())
        {
            EnsureJson(response.Text, response.ModelId);
        }

        return response;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">JSON was asked for and the answer's text does not parse as JSON.</exception>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!AsksForJson(options))
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        var held = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            held.Add(update);
        }

        if (!held.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Any())
        {
            var text = new StringBuilder();
            foreach (var update in held)
            {
                text.Append(update.Text);
            }

            EnsureJson(text.ToString(), held.Select(u => u.ModelId).LastOrDefault(id => id is not null));
        }

        foreach (var update in held)
        {
            yield return update;
        }
    }

    private static bool AsksForJson(ChatOptions? options) => options?.ResponseFormat is ChatResponseFormatJson;

    private static void EnsureJson(string answer, string? modelId)
    {
        try
        {
            using var _ = JsonDocument.Parse(answer);
        }
        catch (JsonException ex)
        {
            var quoted = answer.Length <= 200 ? answer : answer[..200] + "...";
            throw new InvalidOperationException(
                $"ChatOptions.ResponseFormat asks for JSON but model '{modelId}' answered text that is not valid JSON ({ex.Message}): {quoted}", ex);
        }
    }
}

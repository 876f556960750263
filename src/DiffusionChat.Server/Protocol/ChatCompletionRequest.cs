using Microsoft.Extensions.AI;

namespace DiffusionChat.Server.Protocol;

/// <summary>A parsed, checked <c>POST /v1/chat/completions</c> body, in the chat client's terms.</summary>
/// <param name="Model">The requested model id.</param>
/// <param name="Messages">The conversation.</param>
/// <param name="Options">Sampling, tools, format, stops, seed and the diffusion knobs (typed, via <c>RawRepresentationFactory</c>).</param>
/// <param name="Stream">Answer as server-sent events.</param>
/// <param name="IncludeUsage">Streaming: send a usage chunk before <c>[DONE]</c>.</param>
/// <param name="MaxTokensField">
/// The field that set <c>Options.MaxOutputTokens</c> (<c>max_completion_tokens</c> or <c>max_tokens</c>), so an error
/// about the answer length names what the caller sent; null when neither was sent.
/// </param>
internal sealed record ChatCompletionRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage, string? MaxTokensField = null);

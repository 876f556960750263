using System.Text.Json;
using DiffusionChat.Server.Errors;
using Microsoft.Extensions.AI;
using static DiffusionChat.Server.Protocol.JsonFields;

namespace DiffusionChat.Server.Protocol;

/// <summary>
/// Reads a <c>POST /v1/chat/completions</c> body into a <see cref="ChatCompletionRequest"/>, checking every field the
/// server uses; a bad field is a 400 naming it (<c>param</c>), an unknown model a 404. Fields this server does not use
/// (<c>user</c>, <c>metadata</c>, <c>parallel_tool_calls</c>, ...) are ignored, as OpenAI-compatible servers do, except
/// those whose answer it cannot give (<c>n</c> &gt; 1, <c>logprobs</c>).
/// </summary>
internal static class ChatCompletionRequestReader
{
    public static ChatCompletionRequest Read(JsonElement body, string servedModel, int maxTokensLimit)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest("The request body must be a JSON object.", null, "invalid_json"));
        }

        var model = String(Required(body, "model", "model"), "model");
        if (!string.Equals(model, servedModel, StringComparison.Ordinal))
        {
            throw new OpenAIErrorException(OpenAIError.ModelNotFound(model, servedModel));
        }

        var messages = WireMessageReader.Read(Required(body, "messages", "messages"));
        if (messages.Count == 0)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest("Invalid 'messages': empty array. Expected an array with at least one message.", "messages", "empty_array"));
        }

        if (OptionalInt64(body, "n", "n") is { } n && n != 1)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid 'n': {n}. This server generates one choice per request; 'n' must be 1.", "n"));
        }

        if (OptionalBool(body, "logprobs", "logprobs") == true)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest("'logprobs' is not supported: a diffusion model commits tokens in parallel and reports no per-token log probabilities.", "logprobs", "unsupported_parameter"));
        }

        string limitReason = " (this server's DiffusionChatServer:MaxTokensLimit)";
        // Both are checked even when both are sent: a bad max_tokens next to a good max_completion_tokens is still a 400,
        // not silently dropped. The newer field wins, as in OpenAI's API.
        var maxCompletionTokens = OptionalInt32(body, "max_completion_tokens", "max_completion_tokens", 1, maxTokensLimit, limitReason);
        var legacyMaxTokens = OptionalInt32(body, "max_tokens", "max_tokens", 1, maxTokensLimit, limitReason);
        var maxTokens = maxCompletionTokens ?? legacyMaxTokens;
        string? maxTokensField = maxCompletionTokens is not null ? "max_completion_tokens" : legacyMaxTokens is not null ? "max_tokens" : null;
        var options = new ChatOptions
        {
            ModelId = model,
            MaxOutputTokens = maxTokens,
            Temperature = (float?)OptionalNumber(body, "temperature", "temperature", 0, 2),
            TopP = (float?)OptionalNumber(body, "top_p", "top_p", 0, 1, minExclusive: true),
            Seed = OptionalInt64(body, "seed", "seed"),
            PresencePenalty = (float?)OptionalNumber(body, "presence_penalty", "presence_penalty", -2, 2),
            FrequencyPenalty = (float?)OptionalNumber(body, "frequency_penalty", "frequency_penalty", -2, 2),
            StopSequences = Stops(body),
            ResponseFormat = ResponseFormat(body),
        };
        WireToolReader.Read(body, options);
        if (DiffusionKnobReader.Read(body) is { } knobs)
        {
            options.RawRepresentationFactory = _ => knobs;
        }

        bool stream = OptionalBool(body, "stream", "stream") ?? false;
        bool includeUsage = false;
        if (TryGet(body, "stream_options", out var streamOptions))
        {
            Object(streamOptions, "stream_options");
            includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }

        return new ChatCompletionRequest(model, messages, options, stream, includeUsage, maxTokensField);
    }

    private static List<string>? Stops(JsonElement body)
    {
        if (!TryGet(body, "stop", out var stop))
        {
            return null;
        }

        if (stop.ValueKind == JsonValueKind.String)
        {
            return [NonEmptyStop(stop.GetString()!, "stop")];
        }

        Array(stop, "stop");
        if (stop.GetArrayLength() > 4)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid 'stop': {stop.GetArrayLength()} sequences; at most 4 are allowed.", "stop"));
        }

        return stop.EnumerateArray().Select((s, i) => NonEmptyStop(String(s, $"stop[{i}]"), $"stop[{i}]")).ToList();
    }

    private static string NonEmptyStop(string value, string path) =>
        value.Length > 0 ? value : throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid '{path}': a stop sequence must not be empty.", path));

    private static ChatResponseFormat? ResponseFormat(JsonElement body)
    {
        if (!TryGet(body, "response_format", out var format))
        {
            return null;
        }

        Object(format, "response_format");
        var type = String(Required(format, "type", "response_format.type"), "response_format.type");
        switch (type)
        {
            case "text":
                return ChatResponseFormat.Text;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema":
                var schema = Object(Required(format, "json_schema", "response_format.json_schema"), "response_format.json_schema");
                var name = OptionalString(schema, "name", "response_format.json_schema.name");
                var description = OptionalString(schema, "description", "response_format.json_schema.description");
                var jsonSchema = TryGet(schema, "schema", out var s) ? Object(s, "response_format.json_schema.schema").Clone() : JsonDocument.Parse("{}").RootElement.Clone();
                return ChatResponseFormat.ForJsonSchema(jsonSchema, name, description);
            default:
                throw new OpenAIErrorException(OpenAIError.BadRequest(
                    $"Invalid value for 'response_format.type': '{type}'. Supported values are: 'text', 'json_object' and 'json_schema'.", "response_format.type"));
        }
    }
}

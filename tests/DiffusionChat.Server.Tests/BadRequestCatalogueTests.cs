using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DiffusionChat.Server.Tests;

/// <summary>
/// Every bad request gets its HTTP status and an error in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>,
/// naming the field at fault; none crashes the server or reaches the model.
/// </summary>
public sealed class BadRequestCatalogueTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string User = """[{"role":"user","content":"Hi"}]""";

    /// <summary>Name, body, expected status, expected <c>param</c> (null = none), and a word the message must hold.</summary>
    public static TheoryData<string, string, int, string?, string> Cases => new()
    {
        { "malformed JSON", """{"model":"dc-masked",""", 400, null, "parse" },
        { "body is not an object", """[1,2,3]""", 400, null, "JSON object" },
        { "empty body", "", 400, null, "parse" },
        { "model missing", $$"""{"messages":{{User}}}""", 400, "model", "Missing" },
        { "unknown model", $$"""{"model":"gpt-4o","messages":{{User}}}""", 404, "model", "gpt-4o" },
        { "model not a string", $$"""{"model":7,"messages":{{User}}}""", 400, "model", "string" },
        { "messages missing", """{"model":"dc-masked"}""", 400, "messages", "Missing" },
        { "messages not an array", """{"model":"dc-masked","messages":"Hi"}""", 400, "messages", "array" },
        { "messages empty", """{"model":"dc-masked","messages":[]}""", 400, "messages", "empty" },
        { "unknown role", """{"model":"dc-masked","messages":[{"role":"wizard","content":"Hi"}]}""", 400, "messages[0].role", "wizard" },
        { "content of wrong type", """{"model":"dc-masked","messages":[{"role":"user","content":42}]}""", 400, "messages[0].content", "string" },
        { "image content", """{"model":"dc-masked","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]}""", 400, "messages[0].content[0].type", "text only" },
        { "tool result without a call", """{"model":"dc-masked","messages":[{"role":"user","content":"Hi"},{"role":"tool","tool_call_id":"call_1","content":"4 degrees"}]}""", 400, "messages[1].tool_call_id", "call_1" },
        { "tool call arguments not JSON", """{"model":"dc-masked","messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}""", 400, "messages[1].tool_calls[0].function.arguments", "JSON" },
        { "max_tokens negative", $$"""{"model":"dc-masked","messages":{{User}},"max_tokens":-5}""", 400, "max_tokens", "minimum" },
        { "max_tokens huge", $$"""{"model":"dc-masked","messages":{{User}},"max_tokens":99999999999}""", 400, "max_tokens", "maximum" },
        { "max_completion_tokens over the server cap", $$"""{"model":"dc-masked","messages":{{User}},"max_completion_tokens":129}""", 400, "max_completion_tokens", "MaxTokensLimit" },
        { "max_tokens not an integer", $$"""{"model":"dc-masked","messages":{{User}},"max_tokens":"ten"}""", 400, "max_tokens", "integer" },
        { "temperature out of range", $$"""{"model":"dc-masked","messages":{{User}},"temperature":3.5}""", 400, "temperature", "outside" },
        { "top_p zero", $$"""{"model":"dc-masked","messages":{{User}},"top_p":0}""", 400, "top_p", "outside" },
        { "n above one", $$"""{"model":"dc-masked","messages":{{User}},"n":2}""", 400, "n", "must be 1" },
        { "stream not a boolean", $$"""{"model":"dc-masked","messages":{{User}},"stream":"yes"}""", 400, "stream", "boolean" },
        { "empty stop sequence", $$"""{"model":"dc-masked","messages":{{User}},"stop":[""]}""", 400, "stop[0]", "empty" },
        { "unknown response_format", $$$"""{"model":"dc-masked","messages":{{{User}}},"response_format":{"type":"yaml"}}""", 400, "response_format.type", "yaml" },
        { "tool of unknown type", $$"""{"model":"dc-masked","messages":{{User}},"tools":[{"type":"retrieval"}]}""", 400, "tools[0].type", "retrieval" },
        { "tool_choice names a missing tool", $$$$"""{"model":"dc-masked","messages":{{{{User}}}},"tools":[{"type":"function","function":{"name":"get_weather"}}],"tool_choice":{"type":"function","function":{"name":"get_time"}}}""", 400, "tool_choice.function.name", "get_time" },
        { "steps zero", $$"""{"model":"dc-masked","messages":{{User}},"steps":0}""", 400, "steps", "minimum" },
        { "unknown remasking", $$"""{"model":"dc-masked","messages":{{User}},"remasking":"sideways"}""", 400, "remasking", "LowConfidence" },
        { "threshold above one", $$"""{"model":"dc-masked","messages":{{User}},"threshold":1.5}""", 400, "threshold", "outside" },
        { "unknown cache", $$"""{"model":"dc-masked","messages":{{User}},"cache":"Triple"}""", 400, "cache", "Dual" },
        { "draft_and_verify not a boolean", $$"""{"model":"dc-masked","messages":{{User}},"draft_and_verify":"yes"}""", 400, "draft_and_verify", "boolean" },
        { "draft_and_verify with blocks of 4", $$"""{"model":"dc-masked","messages":{{User}},"draft_and_verify":true,"block_length":4}""", 400, "draft_and_verify", "BlockLength and Steps unset or 1" },
        { "logprobs", $$"""{"model":"dc-masked","messages":{{User}},"logprobs":true}""", 400, "logprobs", "not supported" },
        { "max_tokens bad next to a good max_completion_tokens", $$"""{"model":"dc-masked","messages":{{User}},"max_completion_tokens":8,"max_tokens":"ten"}""", 400, "max_tokens", "integer" },
        // About 550 prompt tokens: under the shipped model's 640-token context, but not with 128 answer tokens on top.
        { "max_tokens beyond what the context leaves", $$"""{"model":"dc-masked","messages":{{Long(90)}},"max_tokens":128}""", 400, "max_tokens", "answer tokens fit" },
        { "max_completion_tokens beyond what the context leaves", $$"""{"model":"dc-masked","messages":{{Long(90)}},"max_completion_tokens":128}""", 400, "max_completion_tokens", "answer tokens fit" },
        { "prompt longer than the context", $$"""{"model":"dc-masked","messages":{{Long(120)}}}""", 400, "messages", "Shorten the conversation" },
        { "oversized body", $$"""{"model":"dc-masked","messages":[{"role":"user","content":"{{new string('a', 20000)}}"}]}""", 413, null, "16384" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_gets_its_status_and_an_OpenAI_error_naming_the_field(string name, string body, int status, string? param, string word)
    {
        using var response = await shared.Server.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        var error = await ErrorAsync(response);
        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode} {error}");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(word, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        // C# parameter names and .NET's "Actual value was" line mean nothing to an HTTP caller.
        Assert.DoesNotContain("(Parameter '", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value was", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "didn't provide")]
    [InlineData("wrong-key", "Incorrect API key")]
    public async Task Missing_or_wrong_api_key_gets_401(string? key, string word)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"dc-masked","messages":{{User}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = key is null ? null : new AuthenticationHeaderValue("Bearer", key);
        using var anonymous = new HttpClient { BaseAddress = shared.Server.BaseAddress };

        using var response = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Contains(word, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("GET", "/v1/chat/completions", 405)]
    [InlineData("GET", "/v1/embeddings", 404)]
    [InlineData("GET", "/v1/models/gpt-4o", 404)]
    public async Task Wrong_method_or_unknown_url_gets_an_OpenAI_error(string method, string path, int status)
    {
        using var response = await shared.Server.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await ErrorAsync(response)).GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Non_json_content_type_gets_415()
    {
        using var response = await shared.Server.Http.PostAsync("/v1/chat/completions", new StringContent("model=dc-masked", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", (await ErrorAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_catalogue_a_good_request_is_still_answered()
    {
        using var response = await shared.Server.Http.PostAsync("/v1/chat/completions",
            new StringContent($$"""{"model":"dc-masked","messages":{{User}},"max_tokens":8}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>One user message of <paramref name="repeats"/> times "a long story " (about 6 tokens each).</summary>
    private static string Long(int repeats) => $$"""[{"role":"user","content":"{{string.Concat(Enumerable.Repeat("a long story ", repeats))}}"}]""";

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        return error;
    }
}

using System.Text.Json;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Reliability;

/// <summary>Bad input handed to <see cref="DiffusionChatClient"/> calls: messages, options, tools, diffusion knobs.</summary>
internal static class ChatCallCases
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello")];

    public static IEnumerable<BadInputCase> All()
    {
        // Messages.
        yield return Case("null message list", typeof(ArgumentNullException), ["(Parameter 'messages')"], m => Ask(m, null!));
        yield return Case("empty message list", typeof(ArgumentException), ["At least one chat message is required"], m => Ask(m, []));
        yield return Case("null message in the list", typeof(ArgumentNullException), ["Chat message 1 is null"], m => Ask(m, [Hello[0], null!]));
        yield return Case("empty user message", typeof(ArgumentException), ["Chat message 0 (user) has no text"], m => Ask(m, [new(ChatRole.User, "")]));
        yield return Case("whitespace-only user message", typeof(ArgumentException), ["Chat message 1 (user) has no text", "whitespace"],
            m => Ask(m, [new(ChatRole.System, "Be brief."), new(ChatRole.User, " \t\n ")]));
        yield return Case("only a system message", typeof(ArgumentException), ["at least one user message"], m => Ask(m, [new(ChatRole.System, "Be brief.")]));
        yield return Case("system message after a user message", typeof(ArgumentException), ["Chat message 1 is a system message", "must come first"],
            m => Ask(m, [Hello[0], new(ChatRole.System, "Be brief.")]));
        yield return Case("unknown role", typeof(NotSupportedException), ["role 'critic'", "system, user, assistant and tool"],
            m => Ask(m, [Hello[0], new(new ChatRole("critic"), "Bad answer.")]));
        yield return Case("image content (DataContent)", typeof(NotSupportedException), ["Chat message 0", "DataContent", "reads text only"],
            m => Ask(m, [new(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, "image/png")])]));
        yield return Case("audio content (DataContent)", typeof(NotSupportedException), ["DataContent", "reads text only"],
            m => Ask(m, [new(ChatRole.User, [new DataContent(new byte[] { 0x52, 0x49, 0x46, 0x46 }, "audio/wav")])]));
        yield return Case("prompt longer than the model context", typeof(ArgumentException), ["accepts at most 256 tokens", "Shorten the conversation"],
            m => Ask(m, [new(ChatRole.User, string.Concat(Enumerable.Repeat("a long story ", 300)))]));

        // ChatOptions.
        yield return Case("MaxOutputTokens = 0", typeof(ArgumentOutOfRangeException), ["MaxOutputTokens must be at least 1; got 0"], m => Ask(m, Hello, new() { MaxOutputTokens = 0 }));
        yield return Case("MaxOutputTokens negative", typeof(ArgumentOutOfRangeException), ["MaxOutputTokens must be at least 1; got -5"], m => Ask(m, Hello, new() { MaxOutputTokens = -5 }));
        yield return Case("MaxOutputTokens beyond the context", typeof(ArgumentOutOfRangeException), ["MaxOutputTokens 100000", "at most"], m => Ask(m, Hello, new() { MaxOutputTokens = 100_000 }));
        yield return Case("MaxOutputTokens = int.MaxValue", typeof(ArgumentOutOfRangeException), ["MaxOutputTokens 2147483647", "at most"], m => Ask(m, Hello, new() { MaxOutputTokens = int.MaxValue }));
        yield return Case("Temperature < 0", typeof(ArgumentOutOfRangeException), ["Temperature must be a finite number >= 0; got -0.5"], m => Ask(m, Hello, new() { Temperature = -0.5f }));
        yield return Case("Temperature NaN", typeof(ArgumentOutOfRangeException), ["Temperature must be a finite number >= 0; got NaN"], m => Ask(m, Hello, new() { Temperature = float.NaN }));
        yield return Case("TopP = 0", typeof(ArgumentOutOfRangeException), ["TopP must be in (0, 1]; got 0"], m => Ask(m, Hello, new() { TopP = 0 }));
        yield return Case("TopP > 1", typeof(ArgumentOutOfRangeException), ["TopP must be in (0, 1]; got 1.5"], m => Ask(m, Hello, new() { TopP = 1.5f }));
        yield return Case("TopK < 1", typeof(ArgumentOutOfRangeException), ["TopK must be at least 1; got 0"], m => Ask(m, Hello, new() { TopK = 0 }));
        yield return Case("unknown ModelId", typeof(ArgumentException), ["ChatOptions.ModelId 'gpt-4o' does not match the loaded model"], m => Ask(m, Hello, new() { ModelId = "gpt-4o" }));
        yield return Case("empty stop sequence", typeof(ArgumentException), ["StopSequences must not contain null or empty strings"], m => Ask(m, Hello, new() { StopSequences = ["END", ""] }));

        // Tools.
        yield return Case("tool schema that is not a JSON object", typeof(ArgumentException), ["Function tool 'lookup'", "kind Array", "JSON object schema is required"],
            m => Ask(m, Hello, new() { Tools = [new SchemaTool("lookup", "[1, 2]")] }));
        yield return Case("two tools with the same name", typeof(ArgumentException), ["'lookup' appears more than once"],
            m => Ask(m, Hello, new() { Tools = [new SchemaTool("lookup", "{}"), new SchemaTool("lookup", "{}")] }));
        yield return Case("hosted (non-function) tool", typeof(NotSupportedException), ["HostedWebSearchTool", "only function tools"],
            m => Ask(m, Hello, new() { Tools = [new HostedWebSearchTool()] }));
        yield return Case("tool result for an unknown call id", typeof(ArgumentException), ["call id 'call_missing'", "no earlier assistant message"],
            m => Ask(m, [Hello[0], new(ChatRole.Tool, [new FunctionResultContent("call_missing", "42")])]));
        yield return Case("ToolMode required without tools", typeof(ArgumentException), ["ToolMode requires a tool call but ChatOptions.Tools is empty"],
            m => Ask(m, Hello, new() { ToolMode = ChatToolMode.RequireAny }));
        yield return Case("ToolMode requires a function that is not offered", typeof(ArgumentException), ["requires function 'weather'", "(lookup)"],
            m => Ask(m, Hello, new() { Tools = [new SchemaTool("lookup", "{}")], ToolMode = ChatToolMode.RequireSpecific("weather") }));

        // Diffusion knobs, as CLR values and as JsonElement (how Semantic Kernel passes settings).
        yield return Case("block length 0 (int)", typeof(ArgumentOutOfRangeException), ["BlockLength must be at least 1; got 0"], m => Ask(m, Hello, Knob(DiffusionPropertyNames.BlockLength, 0)));
        yield return Case("block length 0 (JsonElement)", typeof(ArgumentOutOfRangeException), ["BlockLength must be at least 1; got 0"], m => Ask(m, Hello, Knob(DiffusionPropertyNames.BlockLength, Json("0"))));
        yield return Case("steps 0 (JsonElement)", typeof(ArgumentOutOfRangeException), ["Steps must be at least 1; got 0"], m => Ask(m, Hello, Knob(DiffusionPropertyNames.Steps, Json("0"))));
        yield return Case("steps -3 (string)", typeof(ArgumentOutOfRangeException), ["Steps must be at least 1; got -3"], m => Ask(m, Hello, Knob(DiffusionPropertyNames.Steps, "-3")));
        yield return Case("threshold 1.5 (double)", typeof(ArgumentOutOfRangeException), ["ConfidenceThreshold must be in (0, 1]; got 1.5"], m => Ask(m, Hello, Knob(DiffusionPropertyNames.ConfidenceThreshold, 1.5)));
        yield return Case("threshold 0 (JsonElement)", typeof(ArgumentOutOfRangeException), ["ConfidenceThreshold must be in (0, 1]; got 0"], m => Ask(m, Hello, Knob(DiffusionPropertyNames.ConfidenceThreshold, Json("0"))));
        yield return Case("unknown remasking name (string)", typeof(ArgumentException), ["['diffusion_remasking'] = 'Sideways'", "LowConfidence, Random"],
            m => Ask(m, Hello, Knob(DiffusionPropertyNames.Remasking, "Sideways")));
        yield return Case("remasking given as a number (int)", typeof(ArgumentException), ["['diffusion_remasking'] = '3'", "expected one of"],
            m => Ask(m, Hello, Knob(DiffusionPropertyNames.Remasking, 3)));
        yield return Case("unknown cache name (JsonElement)", typeof(ArgumentException), ["['diffusion_cache'] = '\"L2\"'", "None, Prefix, Dual"],
            m => Ask(m, Hello, Knob(DiffusionPropertyNames.Cache, Json("\"L2\""))));
        yield return Case("non-numeric steps (string)", typeof(ArgumentException), ["['diffusion_steps'] = 'many'", "expected an integer"],
            m => Ask(m, Hello, Knob(DiffusionPropertyNames.Steps, "many")));
        yield return Case("fractional steps (JsonElement)", typeof(ArgumentException), ["['diffusion_steps'] = '2.5'", "expected an integer"],
            m => Ask(m, Hello, Knob(DiffusionPropertyNames.Steps, Json("2.5"))));
        yield return Case("non-numeric threshold (JsonElement object)", typeof(ArgumentException), ["diffusion_confidence_threshold", "expected a number"],
            m => Ask(m, Hello, Knob(DiffusionPropertyNames.ConfidenceThreshold, Json("{\"value\":0.9}"))));
        yield return Case("typed DiffusionGenerationOptions with steps -1", typeof(ArgumentOutOfRangeException), ["Steps must be at least 1; got -1"],
            m => Ask(m, Hello, new() { MaxOutputTokens = 4, RawRepresentationFactory = _ => new DiffusionGenerationOptions { Steps = -1 } }));
        yield return Case("draft and verify given as a word (string)", typeof(ArgumentException), ["['diffusion_draft_and_verify'] = 'often'", "true or false"],
            m => Ask(m, Hello, Knob(DiffusionPropertyNames.DraftAndVerify, "often")));
        yield return Case("typed draft and verify with blocks of 4", typeof(ArgumentException), ["cannot be combined with BlockLength 4", "BlockLength and Steps unset or 1"],
            m => Ask(m, Hello, new() { MaxOutputTokens = 4, RawRepresentationFactory = _ => new DiffusionGenerationOptions { DraftAndVerify = true, BlockLength = 4 } }));

        // Lifetime.
        yield return Case("token cancelled before the call", typeof(OperationCanceledException), ["canceled"], async m =>
        {
            using var cts = new CancellationTokenSource();
            await cts.CancelAsync();
            await Ask(m, Hello, new() { MaxOutputTokens = 4 }, cts.Token);
        });
        yield return Case("token cancelled during the call", typeof(OperationCanceledException), ["canceled"], async m =>
        {
            using var cts = new CancellationTokenSource();
            using var client = CountingDenoiser.Client(m, onForward: pass => { if (pass == 2) { cts.Cancel(); } }, out _);
            await client.GetResponseAsync(Hello, new() { MaxOutputTokens = 16, Seed = 1 }, cts.Token);
        });
        yield return Case("call on a disposed client", typeof(ObjectDisposedException), ["DiffusionChat.DiffusionChatClient"], async m =>
        {
            var client = m.NewClient();
            client.Dispose();
            await client.GetResponseAsync(Hello);
        });
    }

    private static BadInputCase Case(string name, Type expected, string[] fragments, Func<ReliabilityModel, Task> act) => new(name, expected, fragments, act);

    private static async Task Ask(ReliabilityModel model, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var client = model.NewClient();
        await client.GetResponseAsync(messages, options, cancellationToken);
    }

    private static ChatOptions Knob(string key, object value) => new() { MaxOutputTokens = 4, AdditionalProperties = new() { [key] = value } };

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>A function declaration with an arbitrary (possibly malformed) parameter schema.</summary>
    private sealed class SchemaTool(string name, string schema) : AIFunctionDeclaration
    {
        public override string Name => name;

        public override string Description => "test tool";

        public override JsonElement JsonSchema => Json(schema);
    }
}

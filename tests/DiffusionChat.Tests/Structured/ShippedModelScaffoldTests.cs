using System.Text.Json;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Prompting;
using DiffusionChat.Structured;
using DiffusionChat.Tokenization;
using TorchSharp;

namespace DiffusionChat.Tests.Structured;

/// <summary>Scaffolded tool calls and JSON values written by the shipped tiny models (models/dc-masked, models/dc-ar).</summary>
public sealed class ShippedModelScaffoldTests : IDisposable
{
    private static readonly string MaskedFolder = RepoPaths.Path("models", "dc-masked");
    private static readonly string ArFolder = RepoPaths.Path("models", "dc-ar");
    private readonly IMaskedDenoiser denoiser = DiffusionModel.Load(MaskedFolder, torch.CPU);
    private readonly DiffusionTokenizer tokenizer = TokenizerLoader.Load(MaskedFolder);

    public void Dispose() => denoiser.Dispose();

    [Theory]
    [InlineData("What is the weather in Oslo?", "get_weather", "Oslo")]
    [InlineData("What time is it in Paris?", "get_time", "Paris")]
    public void Masked_model_picks_the_asked_tool_and_copies_the_place(string question, string tool, string place)
    {
        using var filler = MaskedFiller(question);

        var text = ScaffoldWriter.Write(ToolCallScaffold.Build(JsonSchemaScaffoldTests.DemoTools), filler);

        var call = Assert.Single(AssistantReplyParser.Parse(text).ToolCalls);
        Assert.Equal(tool, call.Name);
        Assert.Equal(place, JsonDocument.Parse(call.ArgumentsJson).RootElement.GetProperty("city").GetString());
        Assert.Equal(filler.Costs.ForwardPasses, filler.Costs.HostReads); // one small read per pass
    }

    [Fact]
    public void Autoregressive_model_follows_the_same_canvas_by_constrained_decoding()
    {
        using var checkpoint = CheckpointFolder.Open(ArFolder);
        using var model = LlamaForCausalLM.FromCheckpoint(checkpoint, torch.CPU);
        var arTokenizer = TokenizerLoader.Load(ArFolder);
        var prompt = arTokenizer.Encode(ChatMlPromptFormat.Instance.Render([ChatTurn.User("What time is it in Tokyo?")], JsonSchemaScaffoldTests.DemoTools));
        using var filler = new AutoregressiveScaffoldFiller(model, arTokenizer, prompt, new SlotVocabulary(arTokenizer, model.Config.VocabSize));

        var text = ScaffoldWriter.Write(ToolCallScaffold.Build(JsonSchemaScaffoldTests.DemoTools), filler);

        Assert.Equal("<tool_call>{\"name\":\"get_time\",\"arguments\":{\"city\":\"Tokyo\"}}</tool_call>", text);
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string","maxLength":3},"age":{"type":"integer","minimum":0,"maximum":120},"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":2},"ok":{"type":["boolean","null"]},"score":{"type":"number"}},"required":["name","age"]}""")]
    [InlineData("""{"type":"array","items":{"type":"object","properties":{"x":{"type":"number","minimum":-1,"maximum":1}}},"minItems":1,"maxItems":2}""")]
    public void Masked_model_fills_any_schema_into_valid_json(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        using var filler = MaskedFiller("Describe a person.");

        var text = ScaffoldWriter.Write(JsonSchemaScaffold.Build(document.RootElement, new ScaffoldLimits { StringMaxTokens = 4, NumberMaxTokens = 4 }), filler);

        Assert.True(JsonSchemaValidator.TryValidate(text, document.RootElement, out var errors), text + "\n" + string.Join("\n", errors));
    }

    private MaskedScaffoldFiller MaskedFiller(string question)
    {
        var prompt = tokenizer.Encode(ChatMlPromptFormat.Instance.Render([ChatTurn.User(question)], JsonSchemaScaffoldTests.DemoTools));
        return new MaskedScaffoldFiller(denoiser, tokenizer, prompt, new SlotVocabulary(tokenizer, denoiser.VocabSize, [denoiser.MaskTokenId]));
    }
}

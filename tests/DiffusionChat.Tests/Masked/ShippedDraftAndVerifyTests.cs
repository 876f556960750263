using DiffusionChat.Models;
using DiffusionChat.Prompting;
using DiffusionChat.Sampling;
using DiffusionChat.Tests.Structured;
using DiffusionChat.Tokenization;
using TorchSharp;

namespace DiffusionChat.Tests.Masked;

/// <summary>
/// Draft and verify on the shipped block-causal model (models/dc-masked): the answers of one-token-per-step decoding,
/// in fewer forward passes than tokens, because the model drafts most of each attention block right.
/// </summary>
public sealed class ShippedDraftAndVerifyTests : IDisposable
{
    private static readonly string Folder = RepoPaths.Path("models", "dc-masked");
    private readonly IMaskedDenoiser denoiser = DiffusionModel.Load(Folder, torch.CPU);
    private readonly DiffusionTokenizer tokenizer = TokenizerLoader.Load(Folder);

    public void Dispose() => denoiser.Dispose();

    private IReadOnlyList<int> Prompt(params ChatTurn[] turns) =>
        tokenizer.Encode(ChatMlPromptFormat.Instance.Render(turns, JsonSchemaScaffoldTests.DemoTools));

    private static MaskedSamplerOptions Options(bool draft) => new()
    {
        AnswerLength = 64, BlockLength = 1, StepsPerBlock = 1, DraftAndVerify = draft, AdditionalStopTokenIds = [],
    };

    [Fact]
    public void Answers_equal_one_token_per_step_in_fewer_passes_than_tokens()
    {
        var prompts = new[]
        {
            Prompt(ChatTurn.User("What is the weather in Oslo?")),
            Prompt(ChatTurn.User("What time is it in Lisbon?")),
            Prompt(ChatTurn.User("What is the capital of Japan?")),
            Prompt(ChatTurn.User("What is the weather in Lima?"), ChatTurn.Assistant("", new ToolCall("get_weather", """{"city":"Lima"}""")),
                ChatTurn.Tool(new ToolResult("""{"city":"Lima","temperature_c":18,"conditions":"cloudy"}"""))),
        };
        var sampler = new BlockCausalSampler(denoiser);

        foreach (var prompt in prompts)
        {
            var reference = sampler.Generate(new MaskedGenerationRequest([prompt], Options(draft: false)), null, null, default);
            var drafted = sampler.Generate(new MaskedGenerationRequest([prompt], Options(draft: true)), null, null, default);

            Assert.Equal(reference.Answers[0], drafted.Answers[0]);
            Assert.Equal(reference.FinishReasons[0], drafted.FinishReasons[0]);
            Assert.True(drafted.ForwardPasses < 0.75 * drafted.Answers[0].Count,
                $"{drafted.ForwardPasses} passes for {drafted.Answers[0].Count} tokens: {tokenizer.Decode([.. drafted.Answers[0]])}");
        }
    }
}

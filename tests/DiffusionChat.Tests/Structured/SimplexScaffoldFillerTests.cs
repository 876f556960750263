using System.Text.Json;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Prompting;
using DiffusionChat.Sampling.Simplex;
using DiffusionChat.Structured;
using DiffusionChat.Tokenization;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Structured;

/// <summary>The simplex filler: against a scripted denoiser (what it writes, from which vocabulary, at what cost) and on the shipped dc-simplex.</summary>
public class SimplexScaffoldFillerTests
{
    private static readonly DiffusionTokenizer Tokenizer = TokenizerLoader.Load(RepoPaths.Path("models", "tokenizer"));
    private static readonly int[] Prompt = Tokenizer.Encode("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    private static readonly SimplexSamplerOptions FewSteps = new() { Steps = 4, BlockLength = 4 };

    /// <summary>
    /// A simplex "model" that, after a context of n tokens, scores block position j with <c>script(n + j)</c> (a token
    /// and its logit; nothing else gets mass), whatever the noise: it writes a fixed text whose place depends only on
    /// how much came before.
    /// </summary>
    private sealed class ScriptedSimplexDenoiser(Func<int, (int Token, float Logit)[]> script, int positions = 640) : FakeSimplexDenoiser(Tokenizer.VocabularySize, positions)
    {
        public List<int> ContextLengths { get; } = [];

        protected override Tensor Score(Tensor contextIds, Tensor simplexLogits, Tensor? attentionMask)
        {
            long rows = simplexLogits.shape[0], length = simplexLogits.shape[1], width = contextIds.shape[1];
            var values = new float[rows * length * VocabSize];
            for (int r = 0; r < rows; r++)
            {
                // Real context tokens of this row: left padding is masked out.
                int real = attentionMask is null ? (int)width : (int)attentionMask[r].narrow(0, 0, width).sum().item<long>();
                ContextLengths.Add(real);
                for (int j = 0; j < length; j++)
                {
                    foreach (var (token, logit) in script(real + j))
                    {
                        values[(((r * length) + j) * VocabSize) + token] = logit;
                    }
                }
            }

            return tensor(values, [rows, length, VocabSize]);
        }
    }

    [Fact]
    public void String_grows_block_by_block_until_the_closing_quote_and_keeps_the_text_before_it()
    {
        const string Written = "{\"city\":\"";
        var script = Tokenizer.Encode("New York City\"}");
        using var filler = Filler(After(Written, script), FewSteps);

        var value = filler.FillString(Written, new StringSlot(24), CancellationToken.None);

        Assert.Equal("New York City", value);
        int start = Tokenizer.Encode(Written).Length, quote = Array.FindIndex(script, t => Tokenizer.Decode([t]).Contains('"', StringComparison.Ordinal));
        int blocks = ((start + quote) / 4) - (start / 4) + 1; // grid blocks of 4 from the answer's start up to the quote
        Assert.Equal(blocks * 4, filler.Costs.ForwardPasses); // T passes per block, no pass after the quote shows
        Assert.Equal(blocks, filler.Costs.HostReads); // one read per block
    }

    [Fact]
    public void Value_blocks_lie_on_the_answers_grid_of_block_length_blocks_as_in_training()
    {
        const string Written = "{\"city\":\"";
        var denoiser = new ScriptedSimplexDenoiser(After(Written, Tokenizer.Encode("Rio de Janeiro Centro Norte\"")));
        using var filler = new SimplexScaffoldFiller(denoiser, Tokenizer, Prompt, new SlotVocabulary(Tokenizer, Tokenizer.VocabularySize), FewSteps);

        filler.FillString(Written, new StringSlot(24), CancellationToken.None);

        // Every block starts after the prompt plus a whole number of blocks of answer; the written part of a block is
        // held fixed inside it rather than moved into the context.
        Assert.NotEmpty(denoiser.ContextLengths);
        Assert.All(denoiser.ContextLengths, n => Assert.Equal(0, (n - Prompt.Length) % 4));
    }

    [Fact]
    public void String_values_never_hold_special_tokens_even_when_the_model_prefers_them()
    {
        const string Written = "{\"city\":\"";
        int end = Tokenizer.SpecialTokens.ByText["<|im_end|>"];
        var text = Tokenizer.Encode("Oslo\"");
        int start = Prompt.Length + Tokenizer.Encode(Written).Length;
        using var filler = Filler(n => n - start is var k && k >= 0 && k < text.Length ? [(end, 30f), (text[k], 10f)] : [(end, 30f)], FewSteps);

        var value = filler.FillString(Written, new StringSlot(8), CancellationToken.None);

        Assert.Equal("Oslo", value);
    }

    [Fact]
    public void A_string_without_a_closing_quote_ends_at_its_token_budget()
    {
        const string Written = "\"";
        var script = Enumerable.Repeat(Tokenizer.Encode("ab")[0], 40).ToArray();
        using var filler = Filler(After(Written, script), FewSteps);

        var value = filler.FillString(Written, new StringSlot(6), CancellationToken.None);

        Assert.Equal(Tokenizer.Decode(script.Take(6).ToArray()), value);
        Assert.Equal(4 * filler.Costs.HostReads, filler.Costs.ForwardPasses); // T = 4 passes per block, one read each
    }

    [Fact]
    public void Number_slot_keeps_the_longest_prefix_the_json_number_grammar_allows()
    {
        const string Written = "{\"n\":";
        using var filler = Filler(After(Written, Tokenizer.Encode("-12.5,x")), FewSteps with { BlockLength = 8 });

        var integer = filler.FillNumber(Written, new NumberSlot(Integer: true), CancellationToken.None);
        var real = filler.FillNumber(Written, new NumberSlot(Integer: false), CancellationToken.None);

        Assert.Equal("-12", integer); // no point in an integer
        Assert.Equal("-12.5", real); // the comma ends it
    }

    [Fact]
    public void Choice_goes_to_the_opening_the_model_scores_highest_in_one_pass()
    {
        const string Written = "{\"ok\":";
        var favourite = Tokenizer.Encode("false");
        using var filler = Filler(_ => [.. favourite.Select(t => (t, 8f))], FewSteps);

        int chosen = filler.Choose(Written, ["true", "false"], CancellationToken.None);

        Assert.Equal(1, chosen);
        Assert.Equal(1, filler.Costs.ForwardPasses); // every prefix of every opening in one batched call
        Assert.Equal(1, filler.Costs.HostReads);
    }

    [Fact]
    public void The_same_request_gets_the_same_fill_and_bad_arguments_are_refused()
    {
        var tokenizer = TokenizerLoader.Load(RepoPaths.Path("models", "dc-simplex"));
        using var denoiser = SimplexLlamaDenoiser.Load(RepoPaths.Path("models", "dc-simplex"));
        var prompt = tokenizer.Encode(ChatMlPromptFormat.Instance.Render([ChatTurn.User("What is the capital of France?")], []));
        var vocabulary = new SlotVocabulary(tokenizer, denoiser.VocabSize);
        using var first = new SimplexScaffoldFiller(denoiser, tokenizer, prompt, vocabulary, new SimplexSamplerOptions { Steps = 10, BlockLength = 16 });
        using var second = new SimplexScaffoldFiller(denoiser, tokenizer, prompt, vocabulary, new SimplexSamplerOptions { Steps = 10, BlockLength = 16 });

        Assert.Equal(first.FillString("{\"city\":\"", new StringSlot(8), CancellationToken.None), second.FillString("{\"city\":\"", new StringSlot(8), CancellationToken.None));
        var size = Assert.Throws<ArgumentException>(() => new SimplexScaffoldFiller(denoiser, tokenizer, prompt, new SlotVocabulary(tokenizer, 100), FewSteps));
        Assert.Contains("100", size.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SimplexScaffoldFiller(denoiser, tokenizer, [], vocabulary, FewSteps));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimplexScaffoldFiller(denoiser, tokenizer, prompt, vocabulary, FewSteps with { Steps = 0 }));
    }

    [Theory]
    [InlineData("What is the weather in Oslo?", "get_weather", "Oslo")]
    [InlineData("What time is it in Paris?", "get_time", "Paris")]
    public void Shipped_simplex_model_picks_the_asked_tool_and_copies_the_place(string question, string tool, string place)
    {
        var tokenizer = TokenizerLoader.Load(RepoPaths.Path("models", "dc-simplex"));
        using var denoiser = SimplexLlamaDenoiser.Load(RepoPaths.Path("models", "dc-simplex"));
        var prompt = tokenizer.Encode(ChatMlPromptFormat.Instance.Render([ChatTurn.User(question)], JsonSchemaScaffoldTests.DemoTools));
        using var filler = new SimplexScaffoldFiller(denoiser, tokenizer, prompt, new SlotVocabulary(tokenizer, denoiser.VocabSize), new SimplexSamplerOptions { Steps = 10, BlockLength = 16 });

        var text = ScaffoldWriter.Write(ToolCallScaffold.Build(JsonSchemaScaffoldTests.DemoTools), filler);

        var call = Assert.Single(AssistantReplyParser.Parse(text).ToolCalls);
        Assert.Equal(tool, call.Name);
        Assert.Equal(place, JsonDocument.Parse(call.ArgumentsJson).RootElement.GetProperty("city").GetString());
        Assert.Equal(1, filler.Costs.ForwardPasses % 10); // the tool choice, then blocks of T steps for the place
    }

    private static SimplexScaffoldFiller Filler(Func<int, (int Token, float Logit)[]> script, SimplexSamplerOptions options) =>
        new(new ScriptedSimplexDenoiser(script), Tokenizer, Prompt, new SlotVocabulary(Tokenizer, Tokenizer.VocabularySize), options);

    /// <summary>The script that writes <paramref name="text"/> right after the prompt and <paramref name="written"/>.</summary>
    private static Func<int, (int Token, float Logit)[]> After(string written, IReadOnlyList<int> text)
    {
        int start = Prompt.Length + Tokenizer.Encode(written).Length;
        return n => n - start is var k && k >= 0 && k < text.Count ? [(text[k], 20f)] : [];
    }
}

using DiffusionChat.Structured;
using DiffusionChat.Tests.Masked;
using DiffusionChat.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Structured;

/// <summary>The masked filler against a scripted denoiser: what it commits, in which order, from which vocabulary.</summary>
public class MaskedScaffoldFillerTests
{
    private static readonly DiffusionTokenizer Tokenizer = TokenizerLoader.Load(RepoPaths.Path("models", "tokenizer"));
    private static readonly int Mask = Tokenizer.SpecialTokens.ByText["<|mask|>"];
    private static readonly int[] Prompt = Tokenizer.Encode("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");

    [Theory]
    [InlineData(null, 4)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(32, 4)]
    public void Values_grow_in_blocks_of_the_models_default_block_length_at_most_four(int? modelBlock, int expected)
    {
        Assert.Equal(expected, MaskedScaffoldOptions.ForModelDefaultBlockLength(modelBlock).BlockLength);
    }

    [Fact]
    public void String_grows_until_the_model_writes_the_closing_quote_and_keeps_the_text_before_it()
    {
        int[] script = [.. Tokenizer.Encode("New York"), .. Tokenizer.Encode("\"}")];
        using var filler = Filler(PerPositionAfter("{\"city\":\"", script, _ => 10), new MaskedScaffoldOptions { BlockLength = 2 });

        var value = filler.FillString("{\"city\":\"", new StringSlot(16), CancellationToken.None);

        Assert.Equal("New York", value);
    }

    [Fact]
    public void Block_positions_are_committed_most_confident_first_one_per_pass_below_the_threshold()
    {
        int[] script = Tokenizer.Encode("abcd efgh ijkl mnop");
        double[] strength = [1, 4, 2, 3];
        var seen = new List<long[]>();
        using var filler = Filler(PerPositionAfter("\"", script, j => j < strength.Length ? strength[j] : 1, seen), new MaskedScaffoldOptions { BlockLength = 4, ConfidenceThreshold = 1 });
        int valueStart = ValueStart("\"");

        filler.FillString("\"", new StringSlot(4), CancellationToken.None);

        // Pass k sees the block as the k-1 earlier commits left it: positions 1, 3, 2, 0 by falling confidence.
        var masked = seen.Take(4).Select(ids => Enumerable.Range(0, 4).Where(j => ids[valueStart + j] == Mask).ToArray()).ToList();
        Assert.Equal([[0, 1, 2, 3], [0, 2, 3], [0, 2], [0]], masked);
    }

    [Fact]
    public void Confident_positions_are_committed_together_in_one_pass()
    {
        int[] script = Tokenizer.Encode("abcd efgh ijkl mnop");
        using var filler = Filler(PerPositionAfter("\"", script, _ => 30), new MaskedScaffoldOptions { BlockLength = 4, ConfidenceThreshold = 0.9 });

        filler.FillString("\"", new StringSlot(4), CancellationToken.None);

        Assert.Equal(1, filler.Costs.ForwardPasses);
        Assert.Equal(1, filler.Costs.HostReads);
    }

    [Fact]
    public void Number_slot_writes_only_what_the_json_number_grammar_allows()
    {
        // The model wants letters and a leading zero; the slot's vocabulary leaves it digits, a sign and the end.
        var letter = Tokenizer.Encode("x")[0];
        var zero = Tokenizer.Encode("0")[0];
        var seven = Tokenizer.Encode("7")[0];
        var comma = Tokenizer.Encode(",")[0];
        int calls = 0;
        using var filler = Filler((ids, _) =>
        {
            calls++;
            long b = ids.shape[0], l = ids.shape[1];
            var values = new float[b * l * Tokenizer.VocabularySize];
            for (int j = 0; j < l; j++)
            {
                values[(j * Tokenizer.VocabularySize) + letter] = 20;
                values[(j * Tokenizer.VocabularySize) + (calls <= 2 ? seven : comma)] = 5;
                values[(j * Tokenizer.VocabularySize) + zero] = calls == 1 ? 10 : 0;
            }

            return tensor(values, [b, l, Tokenizer.VocabularySize]);
        }, null);

        var number = filler.FillNumber("{\"n\":", new NumberSlot(Integer: true), CancellationToken.None);

        Assert.Equal("0", number); // a leading zero can only be followed by the end
    }

    [Fact]
    public void Choice_goes_to_the_opening_the_model_scores_highest()
    {
        var favourites = Tokenizer.Encode("false");
        using var filler = Filler((ids, _) =>
        {
            long b = ids.shape[0], l = ids.shape[1];
            var values = new float[b * l * Tokenizer.VocabularySize];
            for (int i = 0; i < b * l; i++)
            {
                foreach (var favourite in favourites)
                {
                    values[(i * Tokenizer.VocabularySize) + favourite] = 8;
                }
            }

            return tensor(values, [b, l, Tokenizer.VocabularySize]);
        }, null);

        int chosen = filler.Choose("{\"ok\":", ["true", "false"], CancellationToken.None);

        Assert.Equal(1, chosen);
        Assert.Equal(1, filler.Costs.ForwardPasses); // every prefix of every opening in one batched call
    }

    [Fact]
    public void A_vocabulary_of_another_size_is_refused()
    {
        var vocabulary = new SlotVocabulary(Tokenizer, 100);
        using var denoiser = new ScriptedDenoiser(Tokenizer.VocabularySize, Mask, null, (ids, _) => zeros(ids.shape[0], ids.shape[1], Tokenizer.VocabularySize));

        var ex = Assert.Throws<ArgumentException>(() => new MaskedScaffoldFiller(denoiser, Tokenizer, Prompt, vocabulary));

        Assert.Contains("100", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Logits that predict <paramref name="script"/>[k] at the k-th position after the prompt and <paramref name="written"/>, whatever the input.</summary>
    private static Func<Tensor, int, Tensor> PerPositionAfter(string written, int[] script, Func<int, double> strength, List<long[]>? seen = null) => (ids, _) =>
    {
        using var first = ids[0];
        seen?.Add(first.data<long>().ToArray());
        long l = ids.shape[1];
        int valueStart = ValueStart(written);
        var values = new float[l * Tokenizer.VocabularySize];
        for (int k = 0; k < script.Length && valueStart + k < l; k++)
        {
            values[((valueStart + k) * Tokenizer.VocabularySize) + script[k]] = (float)strength(k);
        }

        return tensor(values, [1, l, Tokenizer.VocabularySize]);
    };

    private static int ValueStart(string written) => Prompt.Length + Tokenizer.Encode(written).Length;

    private static MaskedScaffoldFiller Filler(Func<Tensor, int, Tensor> logits, MaskedScaffoldOptions? options)
    {
        var denoiser = new ScriptedDenoiser(Tokenizer.VocabularySize, Mask, null, logits);
        var vocabulary = new SlotVocabulary(Tokenizer, Tokenizer.VocabularySize, [Mask]);
        return new MaskedScaffoldFiller(denoiser, Tokenizer, Prompt, vocabulary, options);
    }
}

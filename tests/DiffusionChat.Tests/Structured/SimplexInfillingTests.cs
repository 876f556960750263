using DiffusionChat.Hosting;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling.Simplex;
using DiffusionChat.Structured;
using DiffusionChat.Tests.Client;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Structured;

public class SimplexInfillingTests
{
    private static readonly SimplexSamplerOptions FewSteps = new() { Steps = 10 };

    /// <summary>
    /// A simplex "model" that scores every block position with the simplex it was given one position to the right
    /// (the last position scores token 0): a blank can only come out as its right neighbour's token if the fixed text
    /// after it reaches the model.
    /// </summary>
    private sealed class RightNeighbourDenoiser(int vocab, int positions = 64) : FakeSimplexDenoiser(vocab, positions)
    {
        protected override Tensor Score(Tensor contextIds, Tensor simplexLogits, Tensor? attentionMask)
        {
            long length = simplexLogits.shape[1];
            using var last = nn.functional.one_hot(zeros([simplexLogits.shape[0], 1], ScalarType.Int64), VocabSize).to_type(ScalarType.Float32).mul(50);
            using var shifted = simplexLogits.narrow(1, 1, length - 1);
            return cat([shifted, last], 1);
        }
    }

    [Fact]
    public void Blanks_see_the_text_after_them_and_fixed_ids_never_change()
    {
        using var denoiser = new RightNeighbourDenoiser(16);
        int?[] row = [1, 2, null, 9, null, 4];

        var result = new SimplexInfilling(denoiser, options: FewSteps).Fill(row, seed: 3);

        // Each blank takes the fixed token to its right, which it could only know from the text after it.
        Assert.Equal([1, 2, 9, 9, 4, 4], result.Ids);
        Assert.Equal(10, result.ForwardPasses); // T steps, however many blanks
        Assert.Equal(10, denoiser.Calls);
        Assert.Equal(1, result.HostReads);
        Assert.Equal([1, 2, null, 9, null, 4], row); // the caller's row is not modified
    }

    [Fact]
    public void Blanks_in_a_text_are_filled_and_the_text_around_them_kept()
    {
        using var denoiser = new RightNeighbourDenoiser(128);

        var result = new SimplexInfilling(denoiser, new CharTokenizer(), FewSteps).FillBlanks("a [MASK]b, c [MASK]d", blankTokens: 1);

        Assert.Equal("a bb, c dd", result.Text);
        Assert.Equal(["b", "d"], result.Values);
    }

    [Fact]
    public void A_row_without_blanks_costs_nothing_and_comes_back_as_given()
    {
        using var denoiser = new RightNeighbourDenoiser(16);

        var result = new SimplexInfilling(denoiser, options: FewSteps).Fill([3, 4, 5]);

        Assert.Equal([3, 4, 5], result.Ids);
        Assert.Equal(0, result.ForwardPasses);
        Assert.Equal(0, denoiser.Calls);
    }

    [Fact]
    public void Bad_rows_and_templates_are_refused_with_what_is_allowed()
    {
        using var denoiser = new RightNeighbourDenoiser(16, positions: 8);
        var infilling = new SimplexInfilling(denoiser, options: FewSteps);

        var empty = Assert.Throws<ArgumentException>(() => infilling.Fill([]));
        var outside = Assert.Throws<ArgumentException>(() => infilling.Fill([1, 16, null]));
        var tooLong = Assert.Throws<ArgumentException>(() => infilling.Fill([1, 2, 3, 4, 5, 6, 7, 8, null]));
        var noTokenizer = Assert.Throws<InvalidOperationException>(() => infilling.FillBlanks("a [MASK]"));
        var noBlank = Assert.Throws<ArgumentException>(() => new SimplexInfilling(denoiser, new CharTokenizer(), FewSteps).FillBlanks("no blank"));

        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        Assert.Contains("Position 1 holds id 16", outside.Message, StringComparison.Ordinal);
        Assert.Contains("at most 8", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer", noTokenizer.Message, StringComparison.Ordinal);
        Assert.Contains("[MASK]", noBlank.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimplexInfilling(denoiser, options: new SimplexSamplerOptions { Steps = 0 }));
    }

    [Fact]
    public void Cancellation_stops_the_fill()
    {
        using var denoiser = new RightNeighbourDenoiser(16);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => new SimplexInfilling(denoiser, options: FewSteps).Fill([1, null], cancellationToken: cancelled.Token));
        Assert.Equal(0, denoiser.Calls);
    }

    [Fact]
    public async Task The_registered_client_hands_out_infilling_over_its_simplex_model_and_not_the_masked_kind()
    {
        var services = new ServiceCollection();
        services.AddDiffusionChatClient(o => { o.ModelPath = RepoPaths.Path("models", "dc-simplex"); o.Device = "cpu"; });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        var infilling = client.GetService<SimplexInfilling>();
        var first = infilling!.FillBlanks("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nThe capital of France is [MASK].", blankTokens: 2, seed: 5);
        var again = infilling.FillBlanks("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nThe capital of France is [MASK].", blankTokens: 2, seed: 5);

        Assert.Null(client.GetService<MaskedInfilling>());
        Assert.Equal(infilling.Steps, first.ForwardPasses); // the model's default steps
        Assert.Single(first.Values);
        Assert.EndsWith(".", first.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("[MASK]", first.Text, StringComparison.Ordinal);
        Assert.Equal(first.Text, again.Text); // the same seed gives the same fill
    }
}

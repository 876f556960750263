using DiffusionChat.Hosting;
using DiffusionChat.Structured;
using DiffusionChat.Tests.Client;
using DiffusionChat.Tests.Masked;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Structured;

public class MaskedInfillingTests
{
    private const int Vocab = 16;
    private const int Mask = 15;

    [Fact]
    public void Every_mask_is_filled_and_fixed_ids_never_change()
    {
        // The model predicts token 7 everywhere, fixed positions included: only the masks may take it.
        using var denoiser = new ScriptedDenoiser(Vocab, Mask, null, ScriptedDenoiser.PerPosition(Vocab, _ => 7, _ => 1));
        int[] row = [1, 2, Mask, Mask, 3, Mask, 4];

        var result = new MaskedInfilling(denoiser).Fill(row, confidenceThreshold: 1);

        Assert.Equal([1, 2, 7, 7, 3, 7, 4], result.Ids);
        Assert.Equal(3, result.ForwardPasses); // one commit per pass below the threshold
        Assert.Equal(3, result.HostReads);
        Assert.Equal([1, 2, Mask, Mask, 3, Mask, 4], row); // the caller's row is not modified
    }

    [Fact]
    public void Positions_the_model_is_sure_of_are_committed_together()
    {
        using var denoiser = new ScriptedDenoiser(Vocab, Mask, null, ScriptedDenoiser.PerPosition(Vocab, j => j, j => j == 3 ? 0.5 : 20));

        var result = new MaskedInfilling(denoiser).Fill([1, Mask, Mask, Mask, 5], confidenceThreshold: 0.9);

        Assert.Equal([1, 1, 2, 3, 5], result.Ids);
        Assert.Equal(2, result.ForwardPasses); // positions 1 and 2 in the first pass, the unsure position 3 in the second
    }

    [Fact]
    public void The_mask_id_is_never_a_prediction()
    {
        using var denoiser = new ScriptedDenoiser(Vocab, Mask, null, ScriptedDenoiser.PerPosition(Vocab, _ => Mask, _ => 50));

        var result = new MaskedInfilling(denoiser).Fill([1, Mask, 2]);

        Assert.NotEqual(Mask, result.Ids[1]);
    }

    [Fact]
    public void Blanks_in_a_text_are_filled_with_the_given_number_of_tokens_and_the_text_around_them_kept()
    {
        // Character tokens: the model writes 'x' at every position, so each blank of 3 tokens becomes "xxx".
        using var denoiser = new ScriptedDenoiser(128, 127, null, ScriptedDenoiser.PerPosition(128, _ => 'x', _ => 20));

        var result = new MaskedInfilling(denoiser, new CharTokenizer()).FillBlanks("a [MASK] b [MASK].", blankTokens: 3);

        Assert.Equal("a xxx b xxx.", result.Text);
        Assert.Equal(["xxx", "xxx"], result.Values);
        Assert.True(result.ForwardPasses >= 1);
    }

    [Fact]
    public void A_template_without_a_blank_or_a_row_longer_than_the_context_is_refused()
    {
        using var denoiser = new ScriptedDenoiser(128, 127, null, ScriptedDenoiser.PerPosition(128, _ => 'x', _ => 20));
        var infilling = new MaskedInfilling(denoiser, new CharTokenizer(), contextLength: 8);

        var none = Assert.Throws<ArgumentException>(() => infilling.FillBlanks("no blank here"));
        var tooLong = Assert.Throws<ArgumentException>(() => infilling.FillBlanks("a [MASK] b", blankTokens: 8));

        Assert.Contains("[MASK]", none.Message, StringComparison.Ordinal);
        Assert.Contains("at most 8", tooLong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_registered_client_hands_out_infilling_over_its_masked_model()
    {
        var services = new ServiceCollection();
        services.AddDiffusionChatClient(o => { o.ModelPath = RepoPaths.Path("models", "dc-masked"); o.Device = "cpu"; });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        var infilling = client.GetService<MaskedInfilling>();
        Assert.Null(client.GetService<SimplexInfilling>());
        var result = infilling!.FillBlanks("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nThe capital of France is [MASK]", blankTokens: 2);

        Assert.Single(result.Values);
        Assert.DoesNotContain("[MASK]", result.Text, StringComparison.Ordinal);
        Assert.StartsWith("<|im_start|>user", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_threshold_outside_zero_to_one_is_refused()
    {
        using var denoiser = new ScriptedDenoiser(Vocab, Mask, null, (ids, _) => zeros(ids.shape[0], ids.shape[1], Vocab));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedInfilling(denoiser).Fill([1, Mask], confidenceThreshold: 1.5));

        Assert.Contains("(0, 1]", ex.Message, StringComparison.Ordinal);
    }
}

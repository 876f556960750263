using DiffusionChat.Structured;
using DiffusionChat.Tests.Masked;
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
    public void A_threshold_outside_zero_to_one_is_refused()
    {
        using var denoiser = new ScriptedDenoiser(Vocab, Mask, null, (ids, _) => zeros(ids.shape[0], ids.shape[1], Vocab));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedInfilling(denoiser).Fill([1, Mask], confidenceThreshold: 1.5));

        Assert.Contains("(0, 1]", ex.Message, StringComparison.Ordinal);
    }
}

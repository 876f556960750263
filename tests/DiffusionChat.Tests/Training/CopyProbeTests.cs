using DiffusionChat.Trainer.Evaluation;

namespace DiffusionChat.Tests.Training;

public sealed class CopyProbeTests
{
    private const int Mask = 99;
    private const int Eos = 98;
    private static readonly int[] Prompt = [1, 2, 3];
    private static readonly int[] Answer = [10, 11, 12, 13, 14, 15]; // the value is 12, 13 (tokens 2..4)

    [Fact]
    public void Sampler_order_keeps_the_prompt_and_the_answer_before_the_value_and_masks_the_whole_window_after_it()
    {
        var ids = new CopyProbe(Mask, Eos, Window: 8).Input(Prompt, Answer, 2..4, ProbeState.SamplerOrder);

        Assert.Equal([1, 2, 3, 10, 11, Mask, Mask, Mask, Mask, Mask, Mask], ids);
    }

    [Fact]
    public void Only_token_masks_the_asked_token_and_shows_the_rest_of_the_answer_and_its_EOS_tail()
    {
        var ids = new CopyProbe(Mask, Eos, Window: 8).Input(Prompt, Answer, 2..4, ProbeState.OnlyToken);

        Assert.Equal([1, 2, 3, 10, 11, Mask, 13, 14, 15, Eos, Eos], ids);
    }

    [Fact]
    public void Value_hidden_masks_every_token_of_the_value_only()
    {
        var ids = new CopyProbe(Mask, Eos, Window: 8).Input(Prompt, Answer, 2..4, ProbeState.ValueHidden);

        Assert.Equal([1, 2, 3, 10, 11, Mask, Mask, 14, 15, Eos, Eos], ids);
        Assert.Equal([10, 11, 12, 13, 14, 15], Answer); // the caller's answer is not changed
    }

    [Fact]
    public void An_answer_longer_than_the_window_or_an_empty_value_is_rejected_with_the_reason()
    {
        var probe = new CopyProbe(Mask, Eos, Window: 4);

        var tooLong = Assert.Throws<ArgumentException>(() => probe.Input(Prompt, Answer, 2..4, ProbeState.OnlyToken));
        var empty = Assert.Throws<ArgumentException>(() => (probe with { Window = 8 }).Input(Prompt, Answer, 3..3, ProbeState.OnlyToken));

        Assert.Contains("6 tokens, more than the 4-token window", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
    }
}

using DiffusionChat.Chat;

namespace DiffusionChat.Tests.Chat;

public class StreamingTextAssemblerTests
{
    [Fact]
    public void Stop_sequence_split_across_blocks_is_never_emitted()
    {
        var assembler = new StreamingTextAssembler(["</end>"]);

        var first = assembler.Advance("Hello </e", final: false);
        var second = assembler.Advance("Hello </end> trailing", final: false);

        Assert.Equal("Hello ", first);
        Assert.Equal("", second);
        Assert.True(assembler.Stopped);
        Assert.Equal("Hello ", assembler.Text);
    }

    [Fact]
    public void Held_back_prefix_is_released_when_it_does_not_become_a_stop_sequence()
    {
        var assembler = new StreamingTextAssembler(["STOP"]);

        Assert.Equal("a ", assembler.Advance("a ST", final: false));
        Assert.Equal("STAR", assembler.Advance("a STAR", final: false));
        Assert.False(assembler.Stopped);
    }

    [Fact]
    public void Incomplete_utf8_character_is_held_until_complete()
    {
        var assembler = new StreamingTextAssembler(null);

        Assert.Equal("caf", assembler.Advance("caf\uFFFD", final: false));
        Assert.Equal("é!", assembler.Advance("café!", final: false));
    }

    [Fact]
    public void Final_advance_releases_everything_held_back()
    {
        var assembler = new StreamingTextAssembler(["STOP"]);

        assembler.Advance("end ST", final: false);
        Assert.Equal("ST", assembler.Advance("end ST", final: true));
        Assert.Equal("end ST", assembler.Text);
    }

    [Fact]
    public void Earliest_of_several_stop_sequences_wins()
    {
        var assembler = new StreamingTextAssembler(["b", "a"]);

        assembler.Advance("xxaxxb", final: true);

        Assert.Equal("xx", assembler.Text);
    }
}

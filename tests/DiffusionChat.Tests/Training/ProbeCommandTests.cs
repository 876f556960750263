using DiffusionChat.Cli.TinyModels;
using DiffusionChat.Tests.Samples;
using DiffusionChat.Trainer;

namespace DiffusionChat.Tests.Training;

public sealed class ProbeCommandTests
{
    [Fact]
    public async Task Probe_of_a_masked_folder_writes_the_copy_rates_of_the_tool_name_and_place_for_the_three_states()
    {
        using var folder = new TinyModelFolder(TinyModelFamily.Masked);
        var output = Path.Combine(Path.GetTempPath(), $"dc-probe-{Guid.NewGuid():N}.md");
        try
        {
            var exit = await ProbeCommand.RunAsync(["--model", folder.Path, "--count", "6", "--out", output], CancellationToken.None);

            Assert.Equal(0, exit);
            var lines = File.ReadAllLines(output);
            Assert.Contains("held-out tool calls and answers from tool results", lines[0], StringComparison.Ordinal);
            Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| call: tool name \| [1-9]\d* \|( \d+\.\d % \|){3}$"));
            Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| call: place \| [1-9]\d* \|( \d+\.\d % \|){3}$"));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task Probe_of_a_folder_that_is_not_a_masked_model_names_its_model_type()
    {
        using var folder = new TinyModelFolder(TinyModelFamily.Ar);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => ProbeCommand.RunAsync(["--model", folder.Path], CancellationToken.None));

        Assert.Contains("model_type 'llama'", error.Message, StringComparison.Ordinal);
    }
}

using DiffusionChat.Cli.TinyModels;
using DiffusionChat.Samples.Compare;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Moq;

namespace DiffusionChat.Tests.Samples;

public sealed class CompareSampleTests : IDisposable
{
    private readonly TinyModelFolder masked = new(TinyModelFamily.Masked);
    private readonly TinyModelFolder autoregressive = new(TinyModelFamily.Ar);

    public void Dispose()
    {
        masked.Dispose();
        autoregressive.Dispose();
    }

    [Fact]
    public async Task Compare_runs_each_prompt_through_both_keyed_clients_and_prints_both_rows()
    {
        using var host = CompareHost.Build([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clients:diffusion:ModelPath"] = masked.Path,
            ["Clients:baseline:ModelPath"] = autoregressive.Path,
        }));
        var settings = new CompareSettings { Prompts = ["What is the capital of France?"], MaxOutputTokens = 8 };

        var rows = await new ComparisonRunner(CompareHost.Clients(host)).RunAsync(settings, CancellationToken.None);
        using var output = new StringWriter();
        ComparisonRunner.Print(rows, output);

        Assert.Equal(["baseline", "diffusion"], rows.Select(r => r.Client).Order());
        Assert.All(rows, r => Assert.NotNull(r.ForwardPasses));
        // The autoregressive baseline makes one forward pass per token, plus the one that wrote the end of sequence
        // when the answer ended before the budget of 8.
        var baseline = rows.Single(r => r.Client == "baseline");
        Assert.InRange(baseline.OutputTokens!.Value, 1, 8);
        Assert.Equal(baseline.OutputTokens == 8 ? 8 : baseline.OutputTokens + 1, baseline.ForwardPasses);
        var text = output.ToString();
        Assert.Contains("prompt: What is the capital of France?", text, StringComparison.Ordinal);
        Assert.Contains("  baseline ", text, StringComparison.Ordinal);
        Assert.Contains("  diffusion ", text, StringComparison.Ordinal);
        Assert.Contains("passes/tok", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_settings_without_prompts_are_rejected_before_any_client_is_called()
    {
        var client = new Mock<IChatClient>(MockBehavior.Strict);
        var runner = new ComparisonRunner([KeyValuePair.Create("diffusion", client.Object)]);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunAsync(new CompareSettings(), CancellationToken.None));

        Assert.Contains("Compare:Prompts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_passes_per_token_divides_passes_by_answer_tokens()
    {
        var row = new ComparisonRow("diffusion", "p", "a", TimeSpan.FromSeconds(2), OutputTokens: 32, ForwardPasses: 8);

        Assert.Equal(0.25, row.ForwardPassesPerToken);
        Assert.Equal(16.0, row.TokensPerSecond);
    }
}

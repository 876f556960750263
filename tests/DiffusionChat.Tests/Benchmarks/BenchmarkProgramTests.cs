using DiffusionChat.Benchmarks;

namespace DiffusionChat.Tests.Benchmarks;

/// <summary>Bad command lines end in one line on the error writer and a non-zero exit, before anything is measured.</summary>
public sealed class BenchmarkProgramTests
{
    [Theory]
    [InlineData(new[] { "forward", "--bogus" }, "Unknown option '--bogus'")]
    [InlineData(new[] { "forward", "--rounds", "zero" }, "--rounds must be a positive integer; got 'zero'")]
    [InlineData(new[] { "forward", "--rounds", "0" }, "--rounds must be a positive integer; got '0'")]
    [InlineData(new[] { "forward", "--batch", "1" }, "--batch must be an integer of at least 2")]
    [InlineData(new[] { "forward", "--batch", "eight" }, "got 'eight'")]
    [InlineData(new[] { "forward", "--rounds" }, "Option '--rounds' needs a value.")]
    [InlineData(new[] { "forward", "--ar", "no/such/folder" }, "--ar 'no/such/folder': no such folder.")]
    public async Task A_bad_forward_option_gives_one_line_and_exit_code_2(string[] args, string expected)
    {
        using var error = new StringWriter();

        int code = await BenchmarkProgram.RunAsync(args, error, CancellationToken.None);

        Assert.Equal(2, code);
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_prints_the_usage_and_exits_2()
    {
        using var error = new StringWriter();

        int code = await BenchmarkProgram.RunAsync(["frobnicate"], error, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.StartsWith("usage:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_options_parse_into_the_batch_rounds_and_folders()
    {
        var parsed = BenchmarkArguments.Parse("forward", ["--ar", "a", "--simplex", "s", "--batch", "4", "--rounds", "1"]);

        Assert.Equal(4, parsed.Batch);
        Assert.Equal(1, parsed.Rounds);
        Assert.Equal(["a"], parsed.AutoregressiveFolders);
        Assert.Equal(["s"], parsed.SimplexFolders);
        Assert.Equal(8, BenchmarkArguments.Parse("forward", []).Batch);
    }

    [Fact]
    public void The_masked_plan_measures_length_and_concurrency_at_the_model_defaults_a_user_gets()
    {
        var args = BenchmarkArguments.Parse("run", ["--masked", "models/dc-masked"]);

        var defaults = BenchmarkPlan.Masked(args).Where(s => s.Series == BenchmarkPlan.ModelDefaults).ToList();

        Assert.Equal(args.Lengths.Order(), defaults.Where(s => s.Sweep == BenchmarkPlan.Length).Select(s => s.AnswerTokens).Order());
        Assert.Equal(args.ConcurrencyLevels.Order(), defaults.Where(s => s.Sweep == BenchmarkPlan.Concurrency).Select(s => s.Concurrency).Order());
        Assert.All(defaults, s => Assert.Equal(new DiffusionChat.Generation.DiffusionGenerationOptions(), s.Diffusion));
    }

    [Fact]
    public void The_report_sets_the_masked_defaults_against_the_autoregressive_model_and_names_the_defaults()
    {
        var args = BenchmarkArguments.Parse("run", ["--masked", "models/dc-masked", "--ar", "models/dc-ar", "--lengths", "64"]);
        var report = new BenchmarkReport(args);
        static BenchmarkResult Result(string model, DiffusionChat.Generation.ModelFamily family, string sweep, string series, int concurrency, double tokensPerSecond, double passes) =>
            new(model, family, new BenchmarkSetting(sweep, series, 64, new DiffusionChat.Generation.DiffusionGenerationOptions(), concurrency), 3, tokensPerSecond, 10, 100, 1, passes, 64);
        report.Results.Add(Result("dc-masked", DiffusionChat.Generation.ModelFamily.MaskedDiffusion, BenchmarkPlan.Length, BenchmarkPlan.ModelDefaults, 1, 600, 0.76));
        report.Results.Add(Result("dc-masked", DiffusionChat.Generation.ModelFamily.MaskedDiffusion, BenchmarkPlan.Concurrency, BenchmarkPlan.ModelDefaults, 1, 600, 0.76));
        report.Results.Add(Result("dc-masked", DiffusionChat.Generation.ModelFamily.MaskedDiffusion, BenchmarkPlan.Concurrency, BenchmarkPlan.ModelDefaults, 8, 1200, 0.8) with { OneAtATimeTokensPerSecond = 400 });
        report.Results.Add(Result("dc-ar", DiffusionChat.Generation.ModelFamily.Autoregressive, BenchmarkPlan.Length, "autoregressive, KV cache", 1, 400, 1.0));
        report.Defaults["dc-masked"] = """{"draft_and_verify":true}""";

        var markdown = report.ToMarkdown([], "img", TimeSpan.FromMinutes(1));

        Assert.Contains("dc-masked (its defaults) vs dc-ar, 64 tokens: 1.50x the autoregressive tokens/s (0.760 vs 1.000 passes/token).", markdown, StringComparison.Ordinal);
        Assert.Contains("dc-masked: 8 concurrent requests give 2.00x the throughput of 1", markdown, StringComparison.Ordinal);
        Assert.Contains("dc-masked: 8 concurrent requests give 3.00x the throughput of the same 8 requests sent one at a time (1200.0 vs 400.0 tokens/s", markdown, StringComparison.Ordinal);
        Assert.Contains("dc-masked `{\"draft_and_verify\":true}`", markdown, StringComparison.Ordinal);
    }
}

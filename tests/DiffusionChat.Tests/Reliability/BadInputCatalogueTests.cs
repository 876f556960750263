using Xunit.Abstractions;

namespace DiffusionChat.Tests.Reliability;

/// <summary>
/// The bad-input catalogue (docs/reliability.md): every way a caller can get the public API wrong fails with the
/// documented exception type and a message that names the bad value and what is allowed.
/// </summary>
public sealed class BadInputCatalogueTests(ReliabilityModel model, ITestOutputHelper output) : IClassFixture<ReliabilityModel>
{
    private static readonly Dictionary<string, BadInputCase> Cases = ChatCallCases.All().Concat(LoadingCases.All()).ToDictionary(c => c.Name);

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_input_fails_with_the_documented_exception_and_message(string name)
    {
        var badInput = Cases[name];

        var ex = await Record.ExceptionAsync(() => badInput.Act(model));

        Assert.NotNull(ex);
        output.WriteLine($"{name} | {ex.GetType().Name} | {ex.Message.ReplaceLineEndings(" ")}");
        bool cancellation = badInput.Expected == typeof(OperationCanceledException) && ex is OperationCanceledException;
        Assert.True(cancellation || ex.GetType() == badInput.Expected, $"expected {badInput.Expected.Name}, got {ex.GetType().Name}: {ex.Message}");
        Assert.NotEmpty(badInput.MessageFragments); // a case must say what its message names
        foreach (var fragment in badInput.MessageFragments)
        {
            Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Reliability_md_documents_each_case_with_its_exception_and_message_fragments_and_nothing_else()
    {
        var documented = DocumentedRows();
        var expected = Cases.Values.Select(Row).ToList();

        // On a mismatch the message holds the table the cases give, ready to paste into docs/reliability.md.
        Assert.True(expected.SequenceEqual(documented), "docs/reliability.md's catalogue differs from the cases; the cases give:\n" + string.Join("\n", expected));
    }

    private static string Row(BadInputCase c) =>
        $"| {c.Name} | `{c.Expected.Name}` | {string.Join("; ", c.MessageFragments.Select(f => $"`{f}`"))} |";

    /// <summary>The rows of the table under "## Bad-input catalogue" (header and separator left out).</summary>
    private static List<string> DocumentedRows()
    {
        var lines = File.ReadAllLines(RepoPaths.Path("docs", "reliability.md"));
        int heading = Array.IndexOf(lines, "## Bad-input catalogue");
        Assert.True(heading >= 0, "docs/reliability.md has no '## Bad-input catalogue' section");
        return lines.Skip(heading + 1)
            .SkipWhile(l => !l.StartsWith('|'))
            .TakeWhile(l => l.StartsWith('|'))
            .Skip(2)
            .ToList();
    }
}

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

    [Fact]
    public void Catalogue_holds_at_least_thirty_distinct_cases() => Assert.True(Cases.Count >= 30, $"only {Cases.Count} cases");

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
        foreach (var fragment in badInput.MessageFragments)
        {
            Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        }
    }
}

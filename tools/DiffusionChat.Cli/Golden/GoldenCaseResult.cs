namespace DiffusionChat.Cli.Golden;

/// <summary>The outcome of one fixture case.</summary>
/// <param name="Case">Case name as in the manifest (e.g. <c>case0</c>, <c>a</c>, <c>p90</c>).</param>
/// <param name="Kind">What was compared: <c>forward</c>, <c>sampler</c>, <c>fastdllm</c>, ...</param>
/// <param name="Passed">Whether the case is within the manifest's tolerance.</param>
/// <param name="Detail">
/// For forward cases the max |impl - golden| per compared tensor; for sampler cases "match" or the first differing
/// step and what differs.
/// </param>
internal sealed record GoldenCaseResult(string Case, string Kind, bool Passed, string Detail)
{
    public override string ToString() => $"{(Passed ? "PASS" : "FAIL")}  {Kind,-9} {Case,-8} {Detail}";
}

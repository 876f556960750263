namespace DiffusionChat.Samples.Compare;

/// <summary>The <c>Compare</c> configuration section: what to ask and how long the answers may be.</summary>
internal sealed class CompareSettings
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Compare";

    /// <summary>The prompts, each sent to every client.</summary>
    public List<string> Prompts { get; set; } = [];

    /// <summary>Answer token budget per prompt.</summary>
    public int MaxOutputTokens { get; set; } = 64;

    /// <summary>Sampling seed (same for every client).</summary>
    public long Seed { get; set; } = 1;

    /// <summary>Throws when the settings cannot run.</summary>
    /// <exception cref="InvalidOperationException">No prompts, an empty prompt, or a budget below 1.</exception>
    public void Validate()
    {
        if (Prompts.Count == 0 || Prompts.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException($"{SectionName}:Prompts must list at least one non-empty prompt.");
        }

        if (MaxOutputTokens < 1)
        {
            throw new InvalidOperationException($"{SectionName}:MaxOutputTokens must be at least 1; got {MaxOutputTokens}.");
        }
    }
}

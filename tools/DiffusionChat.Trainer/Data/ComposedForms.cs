namespace DiffusionChat.Trainer.Data;

/// <summary>
/// One tool's composed question forms, in the two kinds <see cref="ComposedQuestions"/> builds: a shared sentence frame
/// around a noun phrase, and whole sentences. They are drawn as two pools of equal weight, so the few dozen sentences
/// are not drowned by the hundreds of framed forms.
/// </summary>
/// <param name="Framed">Frame + noun phrase forms ("Could you check the forecast for {0}?").</param>
/// <param name="Sentences">Whole sentences whose words point at the tool ("Is it late in {0}?").</param>
internal sealed record ComposedForms(IReadOnlyList<string> Framed, IReadOnlyList<string> Sentences)
{
    /// <summary>Every form, framed first.</summary>
    public IReadOnlyList<string> All => [.. Framed, .. Sentences];

    /// <summary>A form: a sentence or a framed form with equal probability, uniform within each pool.</summary>
    public string Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var pool = random.Next(2) == 0 ? Sentences : Framed;
        return pool[random.Next(pool.Count)];
    }
}

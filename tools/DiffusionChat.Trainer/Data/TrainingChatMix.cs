namespace DiffusionChat.Trainer.Data;

/// <summary>
/// The training chats of a run that also learns an app's prompts: <see cref="InstructionSetGenerator"/>'s training
/// examples with a share replaced by <see cref="AppPromptGenerator"/>'s training scenarios.
/// </summary>
/// <remarks>
/// The choice of source is drawn from its own generator, so the instruction-set examples come in the same sequence
/// as without the mix (fewer of them), apart from made-up names redrawn because they spelled a held-out real place.
/// </remarks>
internal static class TrainingChatMix
{
    /// <summary><paramref name="count"/> training chats, about <paramref name="appShare"/> of them app scenarios.</summary>
    /// <param name="count">How many chats.</param>
    /// <param name="seed">The seed of both generators and of the choice between them.</param>
    /// <param name="places">The real places (their training names are asked about, their held-out names never spelled).</param>
    /// <param name="appShare">The share of app scenarios, in [0, 1].</param>
    /// <param name="jsonAnswerShare">The share of the instruction set's capital questions answered as JSON records, in [0, 1].</param>
    /// <param name="composedResults">The share of app tool results composed from parts (<see cref="ComposedToolResults"/>), in [0, 1].</param>
    public static IReadOnlyList<ChatExample> Generate(int count, int seed, RealPlaces places, double appShare, double jsonAnswerShare = 0, double composedResults = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(places);
        if (!(appShare >= 0 && appShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(appShare), appShare, "The share of app scenarios must be in [0, 1].");
        }

        var instructions = new InstructionSetGenerator(DataSplit.Train, seed, places, jsonAnswerShare);
        var app = new AppPromptGenerator(DataSplit.Train, places, seed, composedResults);
        var choice = new Random(seed ^ 0x2545F491);
        return Enumerable.Range(0, count)
            .Select(_ => choice.NextDouble() < appShare ? app.Next().ToChatExample() : instructions.Next())
            .ToList();
    }
}

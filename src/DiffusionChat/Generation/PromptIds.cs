namespace DiffusionChat.Generation;

/// <summary>The prompt check shared by the generators.</summary>
internal static class PromptIds
{
    /// <summary>Throws when the prompt is empty or holds an id outside [0, vocabulary) or the reserved id.</summary>
    public static void Check(IReadOnlyList<int> promptTokens, int vocabularySize, long? reserved, string? reservedName)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        if (promptTokens.Count == 0)
        {
            throw new ArgumentException("The prompt is empty; it needs at least one token.", nameof(promptTokens));
        }

        for (int i = 0; i < promptTokens.Count; i++)
        {
            int id = promptTokens[i];
            if (id < 0 || id >= vocabularySize)
            {
                throw new ArgumentException($"Prompt token {i} has id {id}, outside the model's vocabulary [0, {vocabularySize}).", nameof(promptTokens));
            }

            if (reserved is { } r && id == r)
            {
                throw new ArgumentException($"Prompt token {i} is {reservedName} (id {id}), which a prompt must not contain.", nameof(promptTokens));
            }
        }
    }
}

namespace DiffusionChat.Sampling;

/// <summary>
/// The one check of prompt token ids, used by every sampler and generator: each row present, non-empty where the
/// sampler needs a prompt, every id inside the vocabulary and none reserved (such as the mask id). Messages name the
/// row, the position and the bad id.
/// </summary>
internal static class PromptCheck
{
    /// <summary>Checks every row of a batch.</summary>
    /// <param name="prompts">Token ids per row.</param>
    /// <param name="vocabularySize">Ids must be below this.</param>
    /// <param name="allowEmpty">Whether a row may hold no tokens (a simplex block can be decoded from nothing).</param>
    /// <param name="reserved">An id no prompt may hold (null for none).</param>
    /// <param name="reservedName">What the reserved id is, for the message ("the mask token").</param>
    /// <param name="paramName">The caller's parameter holding the prompts.</param>
    /// <exception cref="ArgumentException">
    /// There are no rows, a row is null or empty, or a row holds an id outside the vocabulary or the reserved one.
    /// </exception>
    public static void Rows(IReadOnlyList<IReadOnlyList<int>> prompts, int vocabularySize, bool allowEmpty, long? reserved, string? reservedName, string paramName)
    {
        if (prompts.Count == 0)
        {
            throw new ArgumentException("The request has no prompts; give at least one row.", paramName);
        }

        for (int row = 0; row < prompts.Count; row++)
        {
            var prompt = prompts[row] ?? throw new ArgumentException($"Prompt {row} is null.", paramName);
            Ids(prompt, row, vocabularySize, allowEmpty, reserved, reservedName, paramName);
        }
    }

    /// <summary>Checks one prompt before it joins a batch.</summary>
    /// <param name="prompt">The prompt's token ids (at least one).</param>
    /// <param name="vocabularySize">Ids must be below this.</param>
    /// <param name="reserved">An id no prompt may hold (null for none).</param>
    /// <param name="reservedName">What the reserved id is, for the message.</param>
    /// <exception cref="ArgumentException">The prompt is empty or holds an id outside the vocabulary or the reserved one.</exception>
    public static void Single(IReadOnlyList<int> prompt, int vocabularySize, long? reserved, string? reservedName)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        Ids(prompt, row: null, vocabularySize, allowEmpty: false, reserved, reservedName, nameof(prompt));
    }

    private static void Ids(IReadOnlyList<int> prompt, int? row, int vocabularySize, bool allowEmpty, long? reserved, string? reservedName, string paramName)
    {
        if (prompt.Count == 0 && !allowEmpty)
        {
            throw new ArgumentException(row is { } r ? $"Prompt {r} is empty; it needs at least one token." : "The prompt is empty; it needs at least one token.", paramName);
        }

        for (int i = 0; i < prompt.Count; i++)
        {
            int id = prompt[i];
            var where = row is { } r ? $"Prompt {r} has token id {id} at position {i}" : $"Prompt token {i} has id {id}";
            if (id < 0 || id >= vocabularySize)
            {
                throw new ArgumentException($"{where}, outside the model's vocabulary 0..{vocabularySize - 1}.", paramName);
            }

            if (reserved is { } reservedId && id == reservedId)
            {
                throw new ArgumentException($"{where}, which is {reservedName}; a prompt must not contain it.", paramName);
            }
        }
    }
}

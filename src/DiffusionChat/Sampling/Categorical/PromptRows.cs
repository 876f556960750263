namespace DiffusionChat.Sampling.Categorical;

/// <summary>The prompt checks Dream's and SDAR's samplers share.</summary>
internal static class PromptRows
{
    /// <summary>Checks that there is at least one row and every row is non-empty, in the vocabulary and free of the mask id.</summary>
    /// <exception cref="ArgumentNullException">A row is null.</exception>
    /// <exception cref="ArgumentException">No rows, an empty row, or a bad id (the message names row and id).</exception>
    public static void Validate(IReadOnlyList<IReadOnlyList<int>> prompts, int vocabSize, long maskTokenId, string paramName)
    {
        if (prompts.Count == 0)
        {
            throw new ArgumentException("The request has no prompts; give at least one row.", paramName);
        }

        for (int r = 0; r < prompts.Count; r++)
        {
            var prompt = prompts[r] ?? throw new ArgumentNullException(paramName, $"Prompt {r} is null.");
            if (prompt.Count == 0)
            {
                throw new ArgumentException($"Prompt {r} is empty; every row needs at least one token.", paramName);
            }

            foreach (var id in prompt)
            {
                if (id < 0 || id >= vocabSize || id == maskTokenId)
                {
                    throw new ArgumentException($"Prompt {r} holds token id {id}; ids must be in [0, {vocabSize}) and not the mask id {maskTokenId}.", paramName);
                }
            }
        }
    }
}

using DiffusionChat.Sampling;

namespace DiffusionChat.Generation;

/// <summary>
/// The one way a generator refuses the options its family cannot honour: every option that is set and does not apply
/// is named in one <see cref="NotSupportedException"/>, so nothing a caller asked for is dropped without a word.
/// </summary>
internal static class UnsupportedOptions
{
    /// <summary>The diffusion knobs, each with whether <paramref name="knobs"/> sets it (a cache of None counts as unset).</summary>
    public static (string Name, bool Set)[] Diffusion(DiffusionGenerationOptions knobs) =>
    [
        (nameof(DiffusionGenerationOptions.Steps), knobs.Steps is not null),
        (nameof(DiffusionGenerationOptions.BlockLength), knobs.BlockLength is not null),
        (nameof(DiffusionGenerationOptions.Remasking), knobs.Remasking is not null),
        (nameof(DiffusionGenerationOptions.ConfidenceThreshold), knobs.ConfidenceThreshold is not null),
        (nameof(DiffusionGenerationOptions.Cache), knobs.Cache is { } cache && cache != KeyValueCacheMode.None),
        (nameof(DiffusionGenerationOptions.DraftAndVerify), knobs.DraftAndVerify == true),
    ];

    /// <summary>Throws when any of <paramref name="options"/> is set.</summary>
    /// <param name="model">The model family as the message names it ("Dream").</param>
    /// <param name="reason">Why the options do not apply, a clause ("it denoises the whole answer as one block").</param>
    /// <param name="options">Each option's name and whether the request sets it.</param>
    /// <exception cref="NotSupportedException">At least one option is set; the message names all of them.</exception>
    public static void Refuse(string model, string reason, params (string Name, bool Set)[] options)
    {
        var set = options.Where(o => o.Set).Select(o => o.Name).ToList();
        if (set.Count > 0)
        {
            throw new NotSupportedException(
                $"{model} cannot honour {string.Join(", ", set)}: {reason}. Leave {(set.Count == 1 ? "it" : "them")} unset for this model.");
        }
    }
}

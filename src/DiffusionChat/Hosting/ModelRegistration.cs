using DiffusionChat.Checkpoints;
using DiffusionChat.Generation;

namespace DiffusionChat.Hosting;

/// <summary>One model family in the <see cref="ModelRegistry"/>.</summary>
/// <param name="Family">The family as messages name it.</param>
/// <param name="ModelTypes">The <c>model_type</c> / <c>architectures</c> values it loads.</param>
/// <param name="Create">Builds the generator; it owns the weights it loads.</param>
/// <param name="Requires">What else the folder must hold (described, and checked), or null.</param>
/// <param name="TokenizerFallback">The built-in encoding to use when the folder has no tokenizer files, or null.</param>
internal sealed record ModelRegistration(
    string Family,
    IReadOnlyList<string> ModelTypes,
    Func<ModelLoadContext, ITokenGenerator> Create,
    (string What, Func<CheckpointFolder, bool> Holds)? Requires = null,
    string? TokenizerFallback = null);

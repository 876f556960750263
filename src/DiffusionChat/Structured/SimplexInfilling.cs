using DiffusionChat.Generation;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Simplex;
using DiffusionChat.Tokenization;

namespace DiffusionChat.Structured;

/// <summary>
/// Template infilling with a simplex-diffusion denoiser (SSD-LM): the text before the first blank is the clean
/// context; everything from the first blank to the end of the row is one block, denoised for T steps with its fixed
/// positions held at their own tokens (noised to each step's level, as in training) and its blank positions free, so
/// every blank sees the text on both sides. Fixed ids never change.
/// </summary>
/// <remarks>
/// <para>What the sampler allows: the block (first blank to end of row) must fit the model's positions together with
/// the context, and the cost is always T forward passes, however many blanks there are. Blanks are filled from the
/// last step's prediction (argmax), so a blank longer than its value holds whatever the model expects next, as with
/// the masked infiller.</para>
/// <para>Reach it from a registered client with <c>client.GetService&lt;SimplexInfilling&gt;()</c> (non-null when the
/// client is the scaffolding middleware over a simplex model; tokenizer and the model's default steps come with it),
/// or build it over a denoiser. Stateless and thread-safe (the model is only read); one host read per fill.</para>
/// </remarks>
public sealed class SimplexInfilling
{
    private readonly ISimplexDenoiser denoiser;
    private readonly ITextTokenizer? tokenizer;
    private readonly SimplexSamplerOptions options;

    /// <summary>Creates an infiller over <paramref name="denoiser"/> (not owned).</summary>
    /// <param name="denoiser">The model.</param>
    /// <param name="tokenizer">Its tokenizer, for <see cref="FillBlanks"/>; null for id rows only.</param>
    /// <param name="options">
    /// Steps (T), simplex value K, top-p, projection and noise scale; null means the sampler's defaults with 50 steps.
    /// Block length, block count, context overflow and end-of-sequence do not apply (the block is the template's tail).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SimplexInfilling(ISimplexDenoiser denoiser, ITextTokenizer? tokenizer = null, SimplexSamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        var settings = options ?? new SimplexSamplerOptions { Steps = 50 };
        settings.Validate();
        this.denoiser = denoiser;
        this.tokenizer = tokenizer;
        this.options = settings with { MaxBlocks = 1, EndOfSequenceTokenId = null, ContextOverflow = SimplexContextOverflow.Reject };
    }

    /// <summary>An infiller over a loaded simplex model: its denoiser, the given tokenizer, and its default steps unless told otherwise.</summary>
    /// <param name="generator">The model's generator (not owned).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="steps">Denoising steps per fill; null means the model's default (its <c>generation_defaults</c>).</param>
    /// <returns>The infiller.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is below 1.</exception>
    public static SimplexInfilling For(SimplexTokenGenerator generator, ITextTokenizer tokenizer, int? steps = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(tokenizer);
        // The generator always fills its default steps in, so the fallback is the model's own setting.
        return new SimplexInfilling(generator.Denoiser, tokenizer, new SimplexSamplerOptions { Steps = steps ?? generator.DefaultDiffusion.Steps!.Value });
    }

    /// <summary>Denoising steps per fill (T): each is one forward pass.</summary>
    public int Steps => options.Steps;

    /// <summary>
    /// Fills every <paramref name="blank"/> in <paramref name="template"/> with <paramref name="blankTokens"/> tokens
    /// written by the model, all blanks in the same T steps, each seeing the text on both sides.
    /// </summary>
    /// <param name="template">Text with at least one blank, e.g. <c>"The capital of France is [MASK]."</c>.</param>
    /// <param name="blankTokens">Tokens per blank (default 4); the value is returned as written.</param>
    /// <param name="blank">The blank marker (default <see cref="MaskedInfilling.DefaultBlank"/>).</param>
    /// <param name="seed">Seed of the noise (the same seed and template give the same fill).</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>The filled text, each blank's value in order, and the cost.</returns>
    /// <exception cref="InvalidOperationException">The infiller was made without a tokenizer.</exception>
    /// <exception cref="ArgumentException">The template has no blank, the blank is empty, or the row exceeds the model's positions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blankTokens"/> is below 1.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public FilledText FillBlanks(string template, int blankTokens = 4, string blank = MaskedInfilling.DefaultBlank, long seed = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentException.ThrowIfNullOrEmpty(blank);
        ArgumentOutOfRangeException.ThrowIfLessThan(blankTokens, 1);
        var text = tokenizer ?? throw new InvalidOperationException("FillBlanks needs the model's tokenizer; create the SimplexInfilling with one (GetService<SimplexInfilling>() on the registered client does).");
        var parsed = BlankTemplate.Parse(template, blank, blankTokens, text);
        var filled = Fill(parsed.Row, seed, cancellationToken);
        return parsed.Render(filled.Ids, text, filled.ForwardPasses, filled.HostReads);
    }

    /// <summary>Fills every null position of <paramref name="row"/>.</summary>
    /// <param name="row">Fixed ids, null at every position to fill (not modified).</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>The filled row and what it cost (T forward passes and one host read when there is a blank; nothing otherwise).</returns>
    /// <exception cref="ArgumentException">The row is empty, holds an id outside the vocabulary, or exceeds the model's positions.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public InfillResult Fill(IReadOnlyList<int?> row, long seed = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Count == 0)
        {
            throw new ArgumentException("The row is empty; give at least one position to fill.", nameof(row));
        }

        for (int i = 0; i < row.Count; i++)
        {
            if (row[i] is { } id && (id < 0 || id >= denoiser.VocabSize))
            {
                throw new ArgumentException($"Position {i} holds id {id}, outside the vocabulary (0..{denoiser.VocabSize - 1}).", nameof(row));
            }
        }

        if (row.Count > denoiser.MaxSequenceLength)
        {
            throw new ArgumentException($"The row is {row.Count} tokens but the model takes at most {denoiser.MaxSequenceLength}.", nameof(row));
        }

        int first = Enumerable.Range(0, row.Count).FirstOrDefault(i => row[i] is null, -1);
        if (first < 0)
        {
            return new InfillResult(row.Select(id => id!.Value).ToList(), 0, 0);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var context = row.Take(first).Select(id => id!.Value).ToList();
        var block = row.Skip(first).ToList();
        var transfers = new DeviceTransfers();
        var sampler = new SimplexSampler(denoiser, options with { BlockLength = block.Count }, transfers);
        using var noise = new GeneratorNoiseSource(denoiser.Device, [unchecked((ulong)seed)]);
        var filledBlock = sampler.FillBlock(context, block, noise, cancellationToken);
        return new InfillResult([.. context, .. filledBlock], options.Steps, (int)transfers.Reads);
    }
}

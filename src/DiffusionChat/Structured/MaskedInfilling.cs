using DiffusionChat.Generation;
using DiffusionChat.Models;
using DiffusionChat.Sampling;
using DiffusionChat.Tensors;
using DiffusionChat.Tokenization;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// Template infilling with a masked-diffusion denoiser: a row of fixed ids with masked spans of given lengths (text on
/// both sides of every span visible to the model) is filled in confidence order, several positions per pass when the
/// model is sure, until no mask is left. Fixed ids never change.
/// </summary>
/// <remarks>
/// <para>Reach it from a registered client with <c>client.GetService&lt;MaskedInfilling&gt;()</c> (non-null when the
/// client is the scaffolding middleware over a masked model; the tokenizer and context length come with it), or build
/// it over a denoiser.</para>
/// <para>Stateless and thread-safe (the model is only read); one host read per pass.</para>
/// </remarks>
public sealed class MaskedInfilling
{
    /// <summary>The blank <see cref="FillBlanks"/> looks for unless told otherwise.</summary>
    public const string DefaultBlank = "[MASK]";

    private readonly IMaskedDenoiser denoiser;
    private readonly ITextTokenizer? tokenizer;
    private readonly int? contextLength;

    /// <summary>Creates an infiller over <paramref name="denoiser"/> (not owned).</summary>
    /// <param name="denoiser">The model.</param>
    /// <param name="tokenizer">Its tokenizer, for <see cref="FillBlanks"/>; null for id rows only.</param>
    /// <param name="contextLength">Longest row the model takes; longer rows are refused. Null: not checked.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="contextLength"/> is below 1.</exception>
    public MaskedInfilling(IMaskedDenoiser denoiser, ITextTokenizer? tokenizer = null, int? contextLength = null)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        if (contextLength is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "The context length must be at least 1.");
        }

        this.denoiser = denoiser;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
    }

    /// <summary>An infiller over a loaded masked model: its denoiser, the given tokenizer, and its context length as the row limit.</summary>
    /// <param name="generator">The model's generator (not owned).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <returns>The infiller.</returns>
    public static MaskedInfilling For(MaskedTokenGenerator generator, ITextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new MaskedInfilling(generator.Denoiser, tokenizer, generator.MaxSequenceLength);
    }

    /// <summary>
    /// Fills every <paramref name="blank"/> in <paramref name="template"/> with <paramref name="blankTokens"/> tokens
    /// written by the model, all blanks at once, each seeing the text on both sides.
    /// </summary>
    /// <param name="template">Text with at least one blank, e.g. <c>"The capital of France is [MASK]."</c>.</param>
    /// <param name="blankTokens">Tokens per blank (default 4). The model may fill a blank's tail with spaces or punctuation; the value is returned as written.</param>
    /// <param name="blank">The blank marker (default <see cref="DefaultBlank"/>).</param>
    /// <param name="confidenceThreshold">p(x0) at or above which positions commit together (default 0.9).</param>
    /// <param name="cancellationToken">Checked before every pass.</param>
    /// <returns>The filled text, each blank's value in order, and the cost.</returns>
    /// <exception cref="InvalidOperationException">The infiller was made without a tokenizer.</exception>
    /// <exception cref="ArgumentException">The template has no blank, or the blank is empty, or the row exceeds the context length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blankTokens"/> is below 1 or the threshold is outside (0, 1].</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public FilledText FillBlanks(string template, int blankTokens = 4, string blank = DefaultBlank, double confidenceThreshold = 0.9, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentException.ThrowIfNullOrEmpty(blank);
        ArgumentOutOfRangeException.ThrowIfLessThan(blankTokens, 1);
        var text = tokenizer ?? throw new InvalidOperationException("FillBlanks needs the model's tokenizer; create the MaskedInfilling with one (GetService<MaskedInfilling>() on the registered client does).");
        var parsed = BlankTemplate.Parse(template, blank, blankTokens, text);
        var filled = Fill(parsed.Row.Select(id => id ?? (int)denoiser.MaskTokenId).ToList(), confidenceThreshold, cancellationToken);
        return parsed.Render(filled.Ids, text, filled.ForwardPasses, filled.HostReads);
    }

    /// <summary>Fills every position of <paramref name="ids"/> that holds the mask id.</summary>
    /// <param name="ids">The row: prompt and canvas, the mask id at every position to fill (not modified).</param>
    /// <param name="confidenceThreshold">p(x0) at or above which positions commit together (default 0.9); 1 commits one per pass.</param>
    /// <param name="cancellationToken">Checked before every pass.</param>
    /// <returns>The filled row and what it cost.</returns>
    /// <exception cref="ArgumentException">The row is empty, holds an id outside the vocabulary, or exceeds the context length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is outside (0, 1].</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public InfillResult Fill(IReadOnlyList<int> ids, double confidenceThreshold = 0.9, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (!(confidenceThreshold > 0 && confidenceThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceThreshold), confidenceThreshold, "The confidence threshold must be in (0, 1].");
        }

        Sampling.PromptCheck.Single(ids, denoiser.VocabSize, reserved: null, reservedName: null);
        if (ids.Count > contextLength)
        {
            throw new ArgumentException($"The row is {ids.Count} tokens but the model takes at most {contextLength}.", nameof(ids));
        }

        long mask = denoiser.MaskTokenId;
        int first = ids.ToList().IndexOf((int)mask), last = ids.ToList().LastIndexOf((int)mask);
        if (first < 0)
        {
            return new InfillResult([.. ids], 0, 0);
        }

        var transfers = new DeviceTransfers();
        int passes = 0;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = transfers.Upload(ids.Select(t => (long)t).ToArray(), [1, ids.Count], denoiser.Device);
        var allowed = ones(denoiser.VocabSize, ScalarType.Bool, denoiser.Device);
        allowed[mask].FillWith(0); // false: the absorbing state is never a prediction
        long[] span;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            span = ConfidenceOrderedCommit.Step(denoiser, x, first, last + 1, allowed, confidenceThreshold, transfers);
            passes++;
        }
        while (span.Contains(mask));

        var filled = ids.ToArray();
        for (int i = 0; i < span.Length; i++)
        {
            filled[first + i] = (int)span[i];
        }

        return new InfillResult(filled, passes, (int)transfers.Reads);
    }
}

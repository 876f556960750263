using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// The batch of a block-causal sampler as one [rows, columns] sequence that grows block by block: every row is
/// left-padded by whole spans of <c>lcm(block, attention block)</c> columns so that its blocks and the model's attention
/// blocks fall on the same columns as every other row's, and all prompts end in the same span. Padding is hidden from
/// attention and positions count from each row's first token, so a padded row computes what it would alone.
/// </summary>
/// <remarks>
/// Columns after the current block are never materialised: <see cref="GrowTo"/> appends mask columns as blocks start.
/// Owns its tensors (dispose it); finished rows leave through <see cref="KeepRows"/>.
/// </remarks>
internal sealed class BlockCausalCanvas : IDisposable
{
    private readonly long maskTokenId;
    private Tensor ids;
    private Tensor pads;

    private BlockCausalCanvas(Tensor ids, Tensor pads, int[] answerStarts, bool padded, long maskTokenId)
    {
        this.ids = ids;
        this.pads = pads;
        AnswerStarts = answerStarts;
        Padded = padded;
        this.maskTokenId = maskTokenId;
    }

    /// <summary>Token ids [rows, <see cref="Width"/>] (prompts, committed tokens, masks).</summary>
    public Tensor Ids => ids;

    /// <summary>Columns materialised so far.</summary>
    public int Width => (int)ids.shape[1];

    /// <summary>Per row, the column of its first answer position (its prompt ends just before).</summary>
    public int[] AnswerStarts { get; private set; }

    /// <summary>Whether some row is padded (then the model gets a key mask and positions).</summary>
    public bool Padded { get; private set; }

    /// <summary>Lays the prompts out; all rows' blocks and attention blocks share columns.</summary>
    /// <param name="prompts">Prompt ids per row (non-empty).</param>
    /// <param name="span">Padding unit: a multiple of both the block length and the attention block.</param>
    /// <param name="maskTokenId">Id of the not-yet-decoded positions.</param>
    /// <param name="padTokenId">Id in the padding (never attended to).</param>
    /// <param name="device">The model's device.</param>
    /// <param name="transfers">The upload gate.</param>
    public static BlockCausalCanvas Create(IReadOnlyList<IReadOnlyList<int>> prompts, int span, long maskTokenId, long padTokenId, Device device, DeviceTransfers transfers)
    {
        // Span of each prompt's last token when unpadded; pad every row so that span is the same (the latest one).
        var lastSpan = prompts.Select(p => (p.Count - 1) / span).ToArray();
        int latest = lastSpan.Max(), width = (latest + 1) * span, rows = prompts.Count;
        var pad = lastSpan.Select(s => (latest - s) * span).ToArray();
        var values = new long[rows * width];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width; c++)
            {
                int p = c - pad[r];
                values[(r * width) + c] = p < 0 ? padTokenId : p < prompts[r].Count ? prompts[r][p] : maskTokenId;
            }
        }

        var x = transfers.Upload(values, [rows, width], device).DetachFromDisposeScope();
        var pads = transfers.Upload(pad.Select(p => (long)p).ToArray(), [rows, 1], device).DetachFromDisposeScope();
        var starts = prompts.Select((p, r) => pad[r] + p.Count).ToArray();
        return new BlockCausalCanvas(x, pads, starts, pad.Any(p => p > 0), maskTokenId);
    }

    /// <summary>Appends mask columns until the canvas is <paramref name="width"/> wide.</summary>
    public void GrowTo(int width)
    {
        if (width <= Width)
        {
            return;
        }

        using var masks = HeldScalars.Filled([ids.shape[0], width - Width], maskTokenId, ScalarType.Int64, ids.device);
        var grown = cat([ids, masks], 1).DetachFromDisposeScope();
        ids.Dispose();
        ids = grown;
    }

    /// <summary>
    /// The key padding mask and position ids [rows, <paramref name="width"/>] of the first columns (null, null when no
    /// row is padded: positions are then the columns), in the caller's dispose scope.
    /// </summary>
    public (Tensor? KeyMask, Tensor? Positions) Columns(int width)
    {
        if (!Padded)
        {
            return (null, null);
        }

        var relative = HeldScalars.Range(0, width, ScalarType.Int64, ids.device).unsqueeze(0) - pads; // [rows, width]
        return (relative.IsAtLeast(0), relative.ClampMin(0L));
    }

    /// <summary>Keeps only the rows <paramref name="rows"/> (indices into the current rows, in order).</summary>
    /// <param name="rows">Host indices of the rows to keep.</param>
    /// <param name="index">The same indices on the device, int64 [kept].</param>
    public void KeepRows(IReadOnlyList<int> rows, Tensor index)
    {
        var kept = ids.index_select(0, index).DetachFromDisposeScope();
        ids.Dispose();
        ids = kept;
        var keptPads = pads.index_select(0, index).DetachFromDisposeScope();
        pads.Dispose();
        pads = keptPads;
        AnswerStarts = rows.Select(r => AnswerStarts[r]).ToArray();
    }

    public void Dispose()
    {
        ids.Dispose();
        pads.Dispose();
    }
}

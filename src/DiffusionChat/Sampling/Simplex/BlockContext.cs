using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// The clean context the next block is conditioned on (prompt + finished blocks), for a batch: ids left-padded to one
/// width, plus a 0/1 mask that exists only while some row is padded. Owns its tensors; dispose it.
/// </summary>
internal sealed class BlockContext : IDisposable
{
    private BlockContext(Tensor ids, Tensor? mask)
    {
        Ids = ids;
        Mask = mask;
    }

    /// <summary>Context ids [B, C] on the model's device.</summary>
    public Tensor Ids { get; private set; }

    /// <summary>[B, C] with 1 for real tokens and 0 for left padding; null when no row is padded.</summary>
    public Tensor? Mask { get; private set; }

    /// <summary>Left-pads the prompts with <paramref name="padTokenId"/> to the longest one.</summary>
    public static BlockContext FromPrompts(IReadOnlyList<IReadOnlyList<int>> prompts, int padTokenId, Device device, DeviceTransfers transfers)
    {
        var (ids, mask, width) = LeftPadding.Lay(prompts, padTokenId);
        int rows = prompts.Count;
        var padded = prompts.Any(p => p.Count != width);
        return new BlockContext(
            transfers.Upload(ids, [rows, width], device),
            padded ? transfers.Upload(mask, [rows, width], device) : null);
    }

    /// <summary>The attention mask over context and a block of <paramref name="blockLength"/>, or null when nothing is padded.</summary>
    /// <returns>A new tensor [B, C + blockLength] owned by the caller, or null.</returns>
    public Tensor? AttentionMaskWithBlock(int blockLength)
    {
        if (Mask is null)
        {
            return null;
        }

        using var block = ones(Mask.shape[0], blockLength, ScalarType.Int64, Mask.device);
        return cat([Mask, block], 1);
    }

    /// <summary>Keeps only the latest <paramref name="width"/> columns (no-op when the context is not wider).</summary>
    public void KeepLatest(long width)
    {
        long current = Ids.shape[1];
        if (current <= width)
        {
            return;
        }

        // Left padding sits in the oldest columns, so every row keeps exactly its own latest tokens.
        Ids = Replace(Ids, Ids.narrow(1, current - width, width).contiguous());
        if (Mask is not null)
        {
            Mask = Replace(Mask, Mask.narrow(1, current - width, width).contiguous());
        }
    }

    /// <summary>Appends a committed block [B, L] to every row.</summary>
    public void Append(Tensor blockIds)
    {
        Ids = Replace(Ids, cat([Ids, blockIds], 1));
        if (Mask is not null)
        {
            using var blockMask = ones_like(blockIds);
            Mask = Replace(Mask, cat([Mask, blockMask], 1));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Ids.Dispose();
        Mask?.Dispose();
    }

    private static Tensor Replace(Tensor old, Tensor replacement)
    {
        old.Dispose();
        return replacement;
    }
}

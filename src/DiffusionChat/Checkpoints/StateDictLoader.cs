using DiffusionChat.Devices;
using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// Copies checkpoint tensors into a TorchSharp module whose parameter and buffer names equal the checkpoint keys
/// (after an optional prefix), tensor by tensor, converting dtype and device on the way.
/// </summary>
/// <remarks>
/// CPU modules are filled in place from the memory-mapped files, chunk by chunk, so the peak is the module's own
/// weights plus one chunk (<see cref="SafetensorsFile.CopyTo(string, torch.Tensor)"/>); on another device each tensor is staged once on the
/// CPU in its stored dtype.
/// </remarks>
public static class StateDictLoader
{
    /// <summary>Loads every parameter and persistent buffer of <paramref name="module"/> from the checkpoint.</summary>
    /// <param name="module">The module; its tensors are overwritten in place and keep their dtype and device.</param>
    /// <param name="checkpoint">The opened checkpoint.</param>
    /// <param name="prefix">Prepended to each module name to form the checkpoint key (e.g. <c>backbone.</c>).</param>
    /// <param name="ignoreUnexpected">
    /// Checkpoint keys (full names) that may be present without a module counterpart; every other checkpoint key under
    /// <paramref name="prefix"/> that the module lacks is an error.
    /// </param>
    /// <exception cref="CheckpointFormatException">A tensor is missing, unexpected, or has the wrong shape.</exception>
    public static void Load(torch.nn.Module module, CheckpointFolder checkpoint, string prefix = "", IEnumerable<string>? ignoreUnexpected = null)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        Load(module, checkpoint, name => prefix + name, key => key.StartsWith(prefix, StringComparison.Ordinal), ignoreUnexpected);
    }

    /// <summary>
    /// Loads every parameter and persistent buffer of <paramref name="module"/> from a checkpoint whose keys follow
    /// another naming (e.g. weights of one architecture family loaded into a module of another with the same shapes).
    /// </summary>
    /// <param name="module">The module; its tensors are overwritten in place and keep their dtype and device.</param>
    /// <param name="checkpoint">The opened checkpoint.</param>
    /// <param name="keyOf">The checkpoint key of a module tensor name.</param>
    /// <param name="owned">Which checkpoint keys the module is meant to use; one of these without a module counterpart is an error.</param>
    /// <param name="ignoreUnexpected">Checkpoint keys (full names) that may be present without a module counterpart.</param>
    /// <exception cref="CheckpointFormatException">A tensor is missing, unexpected, or has the wrong shape.</exception>
    public static void Load(torch.nn.Module module, CheckpointFolder checkpoint, Func<string, string> keyOf, Func<string, bool> owned, IEnumerable<string>? ignoreUnexpected = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(keyOf);
        ArgumentNullException.ThrowIfNull(owned);
        // A model's weights arrive before its first product: the last point at which MKL's kernel choice can be set.
        MklCpuDispatch.EnsureApplied();
        var ignore = new HashSet<string>(ignoreUnexpected ?? [], StringComparer.Ordinal);
        var expected = new HashSet<string>(StringComparer.Ordinal);

        using (torch.no_grad())
        {
            foreach (var (name, target) in module.state_dict())
            {
                var key = keyOf(name);
                expected.Add(key);
                if (!checkpoint.Contains(key))
                {
                    throw new CheckpointFormatException(checkpoint.WeightsSource, key, "is required by the model but missing from the checkpoint.");
                }

                var info = checkpoint.Info(key);
                var want = target.shape;
                if (!info.Shape.SequenceEqual(want))
                {
                    throw new CheckpointFormatException(checkpoint.PathOf(key), key,
                        $"has shape [{string.Join(", ", info.Shape)}] but the model built from config.json expects [{string.Join(", ", want)}].");
                }

                if (target.device_type == DeviceType.CPU && target.is_contiguous())
                {
                    // Straight from the memory map into the module's own storage: loading a bfloat16 checkpoint into
                    // a bfloat16 model holds the weights once, plus one chunk.
                    checkpoint.CopyTo(key, target);
                }
                else
                {
                    using var value = checkpoint.Load(key, target.dtype, target.device);
                    target.copy_(value);
                }
            }
        }

        var unexpected = checkpoint.TensorNames
            .Where(n => owned(n) && !expected.Contains(n) && !ignore.Contains(n))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unexpected.Count > 0)
        {
            throw new CheckpointFormatException(checkpoint.PathOf(unexpected[0]), unexpected[0],
                $"is not used by the model ({unexpected.Count} unexpected tensor(s): {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}).");
        }
    }
}

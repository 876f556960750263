using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models;

/// <summary>Argument checks and defaults shared by the denoisers.</summary>
internal static class DenoiserInputs
{
    /// <summary>Checks that <paramref name="ids"/> is an int64 [B, L] tensor on the model's device.</summary>
    public static void CheckIds(Tensor ids, Device device, string paramName)
    {
        ArgumentNullException.ThrowIfNull(ids, paramName);
        if (ids.dim() != 2 || ids.shape[0] < 1 || ids.shape[1] < 1)
        {
            throw new ArgumentException($"Token ids must be a non-empty [batch, length] tensor; got shape [{string.Join(", ", ids.shape)}].", paramName);
        }

        if (ids.dtype != int64)
        {
            throw new ArgumentException($"Token ids must be int64; got {ids.dtype}.", paramName);
        }

        CheckDevice(ids, device, paramName);
    }

    /// <summary>Checks an optional [B, L] tensor's shape and device.</summary>
    public static void CheckPerPosition(Tensor? t, long batch, long length, Device device, string paramName)
    {
        if (t is null)
        {
            return;
        }

        if (t.dim() != 2 || t.shape[0] != batch || t.shape[1] != length)
        {
            throw new ArgumentException($"Expected shape [{batch}, {length}]; got [{string.Join(", ", t.shape)}].", paramName);
        }

        CheckDevice(t, device, paramName);
    }

    /// <summary>Positions 0..L-1 for every row when none are given.</summary>
    public static Tensor Positions(Tensor? positionIds, long batch, long length, Device device) =>
        positionIds?.to(int64) ?? HeldScalars.Range(0, length, int64, device).unsqueeze(0).expand(batch, length);

    private static void CheckDevice(Tensor t, Device device, string paramName)
    {
        if (t.device.type != device.type || (device.type != DeviceType.CPU && t.device.index != device.index))
        {
            throw new ArgumentException($"Tensor is on {t.device} but the model is on {device}.", paramName);
        }
    }
}

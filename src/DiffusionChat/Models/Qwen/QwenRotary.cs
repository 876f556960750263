using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Qwen;

/// <summary>The rotary frequencies of a Qwen decoder (default rope type, no scaling).</summary>
internal static class QwenRotary
{
    /// <summary><c>1 / theta^(2i / headDim)</c> for i in [0, headDim / 2), float32 [headDim / 2], computed as the reference does.</summary>
    public static Tensor InverseFrequencies(double theta, int headDim, Device device)
    {
        using var scope = NewDisposeScope();
        // float32 like the reference (theta ** (arange / dim), then the reciprocal), not float64 rounded afterwards.
        var exponent = HeldScalars.Range(0, headDim, ScalarType.Int64, device, step: 2).to(ScalarType.Float32).DividedBy(headDim);
        using var basis = tensor((float)theta, dtype: ScalarType.Float32, device: device);
        return basis.pow(exponent).reciprocal().MoveToOuterDisposeScope();
    }
}

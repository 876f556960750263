using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Dit;

/// <summary>DiT's <c>rotary_emb</c>: holds the persistent <c>inv_freq</c> buffer (1/10000^(2i/headDim)).</summary>
internal sealed class DitRotary : nn.Module
{
    public DitRotary(int headDim, Device device) : base(nameof(DitRotary))
    {
        using var basis = tensor(10000f, dtype: float32, device: device);
        using var exponent = HeldScalars.Range(0, headDim, float32, device, step: 2).DividedBy(headDim);
        var inv = basis.pow(exponent).reciprocal();
        register_buffer("inv_freq", inv.to(float32), persistent: true);
    }

    /// <summary>The loaded inverse frequencies [headDim / 2].</summary>
    public Tensor InverseFrequencies => get_buffer("inv_freq")!;
}

using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling.Simplex;

namespace DiffusionChat.Tests.Simplex;

/// <summary>
/// The fixture's tiny random SSD-LM (vocab 100, hidden 48, 2 layers, 38 usable positions), loaded once per test class.
/// </summary>
public sealed class TinySsdLm : IDisposable
{
    public TinySsdLm() => Model = SsdLmDenoiser.Load(GoldenPaths.Folder("ssdlm"));

    public SsdLmDenoiser Model { get; }

    /// <summary>Small, fast settings: 3 blocks of 4 tokens, 6 steps each.</summary>
    public static SimplexSamplerOptions FastOptions { get; } = new()
    {
        BlockLength = 4,
        Steps = 6,
        MaxBlocks = 3,
        TopP = 0.5,
    };

    public GeneratorNoiseSource Noise(params ulong[] rowSeeds) => new(Model.Device, rowSeeds);

    public void Dispose() => Model.Dispose();
}

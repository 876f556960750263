using DiffusionChat.Models.Simplex;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Structured;

/// <summary>A CPU float32 simplex "model" whose scores a test writes; counts its calls.</summary>
internal abstract class FakeSimplexDenoiser(int vocab, int positions) : ISimplexDenoiser
{
    public int Calls { get; private set; }

    public int VocabSize => vocab;

    public int PadTokenId => 0;

    public int MaxSequenceLength => positions;

    public Device Device => CPU;

    public ScalarType DType => ScalarType.Float32;

    public Tensor EquivalentScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null)
    {
        Calls++;
        return Score(contextIds, simplexLogits, attentionMask);
    }

    public Tensor TrainingScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null) =>
        EquivalentScore(contextIds, simplexLogits, timesteps, totalSteps, attentionMask);

    public void Dispose()
    {
    }

    /// <summary>The scores [B, L, V] for the block.</summary>
    protected abstract Tensor Score(Tensor contextIds, Tensor simplexLogits, Tensor? attentionMask);
}

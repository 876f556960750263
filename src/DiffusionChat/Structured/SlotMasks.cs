using DiffusionChat.Sampling;
using DiffusionChat.Tensors;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// The allowed-token masks a scaffold filler applies to the model's scores inside value slots, uploaded once per
/// request: the string mask at construction, each number-grammar state's mask the first time it is asked for. Both
/// fillers (masked, autoregressive and simplex) hold one, so the masks a slot allows are the same whichever model fills it.
/// </summary>
/// <remarks>Uploads go through the filler's <see cref="DeviceTransfers"/>, so they are counted with its other transfers.
/// Not thread-safe (one per request, as its filler). Dispose it to free the masks.</remarks>
internal sealed class SlotMasks : IDisposable
{
    private readonly SlotVocabulary vocabulary;
    private readonly DeviceTransfers transfers;
    private readonly Device device;
    private readonly Dictionary<(NumberState, bool), Tensor> numbers = [];
    private Tensor? anyNumber;

    /// <summary>Uploads the string mask.</summary>
    /// <param name="vocabulary">The token roles for the model's tokenizer.</param>
    /// <param name="transfers">The filler's counted host-device transfers.</param>
    /// <param name="device">Where the model's scores live.</param>
    public SlotMasks(SlotVocabulary vocabulary, DeviceTransfers transfers, Device device)
    {
        this.vocabulary = vocabulary;
        this.transfers = transfers;
        this.device = device;
        String = Upload(vocabulary.StringMask());
    }

    /// <summary>Ids allowed inside a JSON string value ([V], true = allowed).</summary>
    public Tensor String { get; }

    /// <summary>Ids the JSON number grammar allows after <paramref name="state"/> ([V], true = allowed).</summary>
    /// <param name="state">Where the number is in the grammar.</param>
    /// <param name="integer">Whether the slot's schema type is <c>integer</c> (no point or exponent).</param>
    public Tensor Number(NumberState state, bool integer)
    {
        if (!numbers.TryGetValue((state, integer), out var allowed))
        {
            allowed = Upload(vocabulary.NumberMask(state, integer));
            numbers[(state, integer)] = allowed;
        }

        return allowed;
    }

    /// <summary>
    /// Ids a number may hold in any grammar state, its ending characters included ([V], true = allowed): for fillers
    /// that write a whole number at once and keep the grammar's longest valid prefix (the simplex filler's blocks).
    /// </summary>
    public Tensor AnyNumber => anyNumber ??= Upload(vocabulary.AnyNumberMask());

    /// <inheritdoc />
    public void Dispose()
    {
        String.Dispose();
        anyNumber?.Dispose();
        foreach (var mask in numbers.Values)
        {
            mask.Dispose();
        }

        numbers.Clear();
    }

    // Detached: the masks outlive the dispose scope of the pass that first asks for them.
    private Tensor Upload(bool[] values) => transfers.Upload(values, [values.Length], device).DetachFromDisposeScope();
}

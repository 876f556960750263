using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Llada;

/// <summary>
/// LLaDA's <c>model.transformer</c>: <c>wte</c> embedding, <c>blocks</c>, final <c>ln_f</c> RMSNorm and the
/// <c>ff_out</c> output projection (absent with <see cref="LladaConfig.WeightTying"/>, which projects with <c>wte</c>).
/// State-dict names equal the checkpoint keys after <c>model.transformer.</c>.
/// </summary>
internal sealed class LladaTransformer : nn.Module
{
    private readonly Tensor inverseFrequencies;
    private readonly bool shiftLogits;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Embedding wte;
    private readonly ModuleList<LladaBlock> blocks;
    private readonly RmsNorm ln_f;
    private readonly Linear? ff_out;
#pragma warning restore IDE1006, SA1300

    public LladaTransformer(LladaConfig config, Device device, ScalarType dtype) : base(nameof(LladaTransformer))
    {
        wte = nn.Embedding(config.EmbeddingSize, config.ModelDim, device: device, dtype: dtype);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new LladaBlock(config, device, dtype)).ToArray());
        ln_f = new RmsNorm(config.ModelDim, config.RmsNormEps, device, dtype);
        ff_out = config.WeightTying ? null : nn.Linear(config.ModelDim, config.EmbeddingSize, hasBias: false, device: device, dtype: dtype);
        shiftLogits = config.ShiftLogits;
        RegisterComponents();

        // Not a checkpoint tensor, so not registered.
        inverseFrequencies = RotaryPositions.InverseFrequencies(config.RopeTheta, config.HeadDim, device);
    }

    /// <summary>Logits [B, W, V] for the pass's window (its sigma is not used: LLaDA is not time-conditioned).</summary>
    /// <param name="pass">The window, its positions and mask, the cache it reads or fills, and which logits to return.</param>
    public Tensor Run(TransformerPass pass)
    {
        using var scope = NewDisposeScope();
        // Only the rows whose logits are asked for need the last layer's attention and MLP (a block of 8 in a window of
        // 96: ~12 % of a pass's products). Shifted logits and a cache build keep every row's final state.
        (int Offset, int Length)? lastRows = !shiftLogits && pass.Build is null && pass.Output.Length < pass.Ids.shape[1] ? pass.Output : null;
        var x = Hidden(pass.Ids, pass.Positions, pass.Allowed, pass.Cache, pass.Start, pass.Build?.Layers, lastRows);
        var logits = Project(lastRows is null ? OutputStates(x, pass.Output, pass.Cache, pass.Start) : x).MoveToOuterDisposeScope();
        if (pass.Build is { } build && shiftLogits)
        {
            // A cached window's first position is scored from the state before it (kept here, as Dream does).
            build.OutputStates = x.MoveToOuterDisposeScope();
        }

        return logits;
    }

    /// <summary>
    /// Logits [B, S, V] from the final hidden states at <paramref name="stateIndex"/> [S] (no logit shift applied: the
    /// caller's index says which state predicts each output), for training rows laid out by the caller.
    /// </summary>
    /// <param name="ids">Token ids [B, L].</param>
    /// <param name="positions">Positions [B, L].</param>
    /// <param name="allowed">Attention mask broadcastable to [B, heads, L, L].</param>
    /// <param name="stateIndex">int64 [S]: the sequence index whose final state gives each output's logits.</param>
    public Tensor RunStates(Tensor ids, Tensor positions, Tensor allowed, Tensor stateIndex)
    {
        using var scope = NewDisposeScope();
        var x = Hidden(ids, positions, allowed, null, 0, null);
        return Project(x.index_select(1, stateIndex)).MoveToOuterDisposeScope();
    }

    /// <summary>The final hidden states [B, W, D] of the window (before <c>ln_f</c>), in the caller's dispose scope.</summary>
    private Tensor Hidden(Tensor ids, Tensor positions, Tensor? allowed, KeyValueCache? cache, long start, List<(Tensor Keys, Tensor Values)>? fresh, (int Offset, int Length)? lastRows = null)
    {
        var x = wte.forward(ids);
        var (cos, sin) = RotaryPositions.Tables(inverseFrequencies, positions);
        for (int i = 0; i < blocks.Count; i++)
        {
            var (h, k, v) = blocks[i].Run(x, cos, sin, allowed, cache?.Layer(i), start, i == blocks.Count - 1 ? lastRows : null);
            x = h;
            fresh?.Add((k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope()));
        }

        return x;
    }

    private Tensor Project(Tensor states)
    {
        var last = ln_f.forward(states);
        return ff_out is null ? nn.functional.linear(last, wte.weight!) : ff_out.forward(last);
    }

    /// <summary>
    /// The hidden states that give the logits of the output positions (their own, or their left neighbours' when
    /// shifted; a cached window's first position then reads the state the cache kept for the position before it).
    /// </summary>
    private Tensor OutputStates(Tensor x, (int Offset, int Length) output, KeyValueCache? cache, long start)
    {
        if (!shiftLogits)
        {
            return x[.., output.Offset..(output.Offset + output.Length)];
        }

        return ShiftedLogits.States(x, output, output.Offset == 0 ? ShiftedLogits.StateBefore(cache, start) : null);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inverseFrequencies.Dispose();
        }

        base.Dispose(disposing);
    }
}

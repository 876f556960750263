using DiffusionChat.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

/// <summary>
/// A test denoiser whose logits come from a function of the input ids (and of the call number), so a test can dictate
/// exactly what the sampler sees. A cache holds the ids it was built from; a cached window pass recomputes the logits
/// from those ids with the window's current ids written over them, so it reads the cache for every position outside
/// the window: exact while those ids are unchanged (as Fast-dLLM's caches assume), wrong when the cache is.
/// </summary>
internal sealed class ScriptedDenoiser(int vocabSize, long maskTokenId, long? eosTokenId, Func<Tensor, int, Tensor> logits) : IMaskedDenoiser
{
    public int Calls { get; private set; }

    public Device Device => CPU;

    public ScalarType DType => ScalarType.Float32;

    public int VocabSize => vocabSize;

    public long MaskTokenId => maskTokenId;

    public long? EosTokenId => eosTokenId;

    public bool SupportsKeyValueCache => true;

    public Action<int>? OnCall { get; set; }

    /// <summary>
    /// When true, every cache is built as if from a sequence of mask tokens (a cache that never saw the prompt or the
    /// committed tokens), so a test can show that its cached pass depends on the cache.
    /// </summary>
    public bool StaleCaches { get; init; }

    public Tensor Forward(Tensor ids, Tensor? attentionMask = null, Tensor? positionIds = null, Tensor? sigma = null, Range? logitsFor = null)
    {
        Calls++;
        OnCall?.Invoke(Calls);
        var all = logits(ids, Calls);
        return logitsFor is { } r ? all[.., r] : all;
    }

    public Tensor ForwardWithCache(Tensor ids, Tensor? attentionMask, Tensor? positionIds, out KeyValueCache cache, Range? logitsFor = null)
    {
        using (NewDisposeScope())
        {
            // The cache takes its tensors out of this scope; the temporaries stay in it.
            var cached = (StaleCaches ? full_like(ids, maskTokenId) : ids).unsqueeze(1).unsqueeze(-1).to(float32); // [B, 1, L, 1]
            cache = new KeyValueCache([(cached, cached.clone())]);
        }

        return Forward(ids, logitsFor: logitsFor);
    }

    public Tensor ForwardWindow(Tensor windowIds, long start, KeyValueCache cache, Tensor? attentionMask = null, Tensor? positionIds = null, Range? logitsFor = null)
    {
        // Rebuild the full sequence from the cached ids (kept in the fake "keys") and the window.
        using var scope = NewDisposeScope();
        var ids = cache.Layer(0).Keys.squeeze(-1).squeeze(1).to(int64).clone();
        ids[.., (int)start..(int)(start + windowIds.shape[1])] = windowIds;
        var window = Forward(ids)[.., (int)start..(int)(start + windowIds.shape[1])];
        return (logitsFor is { } r ? window[.., r] : window).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// Logits that give each position j a fixed predicted token <c>token(j)</c> with log-odds <c>strength(j)</c> over
    /// a flat rest of the vocabulary, independent of the input.
    /// </summary>
    public static Func<Tensor, int, Tensor> PerPosition(int vocab, Func<int, int> token, Func<int, double> strength) => (ids, _) =>
    {
        long b = ids.shape[0], l = ids.shape[1];
        var values = new float[b * l * vocab];
        for (int r = 0; r < b; r++)
        {
            for (int j = 0; j < l; j++)
            {
                values[(((r * l) + j) * vocab) + token(j)] = (float)strength(j);
            }
        }

        return tensor(values, [b, l, vocab]);
    };
}

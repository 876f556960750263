using DiffusionChat.Models;
using DiffusionChat.Models.Dit;
using DiffusionChat.Models.Llada;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

public class DenoiserTests
{
    [Fact]
    public void Registry_picks_the_implementation_from_the_config()
    {
        using var llada = DiffusionModel.Load(GoldenPaths.Folder("llada"), CPU);
        using var mdlm = DiffusionModel.Load(GoldenPaths.Folder("mdlm-dit"), CPU);

        Assert.IsType<LladaDenoiser>(llada);
        Assert.Equal(156, llada.MaskTokenId);
        Assert.Equal(155L, llada.EosTokenId);
        Assert.IsType<MdlmDenoiser>(mdlm);
        Assert.Equal(127, mdlm.MaskTokenId);
    }

    [Fact]
    public void Registry_rejects_an_unknown_model_type_listing_the_supported_ones()
    {
        using var folder = new TempCheckpoint("llada", c =>
        {
            c["model_type"] = "gpt2";
            c["architectures"] = new System.Text.Json.Nodes.JsonArray("GPT2LMHeadModel");
        });

        var ex = Assert.Throws<NotSupportedException>(() => DiffusionModel.Load(folder.Directory, CPU));

        Assert.Contains("'gpt2'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("llada", ex.Message, StringComparison.Ordinal);
        Assert.Contains("mdlm", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Llada_left_padded_row_with_mask_and_positions_matches_the_row_alone()
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder("llada"), CPU);
        using var scope = NewDisposeScope();
        var alone = tensor(new long[] { 5, 9, 156, 156, 12 }).unsqueeze(0);
        var padded = tensor(new long[] { 155, 155, 5, 9, 156, 156, 12 }).unsqueeze(0);
        var mask = tensor(new[] { false, false, true, true, true, true, true }).unsqueeze(0);
        var positions = tensor(new long[] { 0, 0, 0, 1, 2, 3, 4 }).unsqueeze(0);

        var expected = model.Forward(alone);
        var actual = model.Forward(padded, mask, positions)[.., 2..];

        Assert.True(MaxAbs(expected, actual) < 1e-5, $"max |d| {MaxAbs(expected, actual)}");
    }

    [Theory]
    [InlineData("llada", 4, 16)]
    [InlineData("llada", 4, 8)]
    [InlineData("mdlm-dit", 8, 16)]
    [InlineData("mdlm-dit", 8, 12)]
    public void Cached_window_call_on_unchanged_tokens_equals_the_full_forward(string folder, int start, int end)
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder(folder), CPU);
        using var scope = NewDisposeScope();
        var gen = new Generator(3, CPU);
        var ids = randint(0, model.VocabSize, [2, 16], generator: gen, dtype: int64);

        var full = model.ForwardWithCache(ids, null, null, out var cache);
        using (cache)
        {
            var window = model.ForwardWindow(ids[.., start..end], start, cache);
            var d = MaxAbs(full[.., start..end], window);
            Assert.True(d < 1e-5, $"max |d| {d}");
            Assert.True(MaxAbs(model.Forward(ids), full) < 1e-6);
        }
    }

    [Theory]
    [InlineData("llada")]
    [InlineData("mdlm-dit")]
    public void Logits_for_a_range_equal_that_slice_of_all_logits(string folder)
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder(folder), CPU);
        using var scope = NewDisposeScope();
        var ids = randint(0, model.VocabSize, [2, 16], generator: new Generator(8, CPU), dtype: int64);

        var all = model.Forward(ids);
        var some = model.Forward(ids, logitsFor: 4..8);
        var cachedAll = model.ForwardWithCache(ids, null, null, out var cache, 12..);
        using (cache)
        {
            var window = model.ForwardWindow(ids[.., 8..], 8, cache, logitsFor: ..4);

            Assert.Equal([2, 4, model.VocabSize], some.shape);
            Assert.True(MaxAbs(all[.., 4..8], some) < 1e-5);
            Assert.True(MaxAbs(all[.., 12..], cachedAll) < 1e-5);
            Assert.True(MaxAbs(all[.., 8..12], window) < 1e-5);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(ids, logitsFor: 5..3));
    }

    [Theory]
    [InlineData("llada")]
    [InlineData("mdlm-dit")]
    public void Stale_cache_changes_the_window_logits_of_a_bidirectional_model(string folder)
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder(folder), CPU);
        using var scope = NewDisposeScope();
        var ids = full(1, 12, model.MaskTokenId, dtype: int64);
        var later = ids.clone();
        later[0, 10] = 7;

        _ = model.ForwardWithCache(ids, null, null, out var cache);
        using (cache)
        {
            var stale = model.ForwardWindow(later[.., 4..8], 4, cache);
            var fresh = model.Forward(later)[.., 4..8];
            Assert.True(MaxAbs(stale, fresh) > 1e-3, "a changed suffix should reach the block through attention");
        }
    }

    [Fact]
    public void Bd3lm_block_causal_attention_makes_cached_finished_blocks_exact()
    {
        using var folder = new TempCheckpoint("mdlm-dit", c =>
        {
            c["model_type"] = "bd3lm";
            c["block_size"] = 4;
        });
        using var model = DiffusionModel.Load(folder.Directory, CPU);
        using var scope = NewDisposeScope();
        var gen = new Generator(5, CPU);
        var ids = randint(0, 127, [2, 16], generator: gen, dtype: int64);
        var changedSuffix = ids.clone();
        changedSuffix[.., 8..] = 127;

        // Blocks 0-1 do not see later blocks: the same logits whatever follows.
        Assert.True(MaxAbs(model.Forward(ids)[.., ..8], model.Forward(changedSuffix)[.., ..8]) < 1e-6);

        // Within a block attention is bidirectional (not plain causal): position 0 sees position 3.
        var changedInBlock = ids.clone();
        changedInBlock[.., 3] = 127;
        Assert.True(MaxAbs(model.Forward(ids)[.., ..1], model.Forward(changedInBlock)[.., ..1]) > 1e-3);

        // A cache built from a different suffix serves block 2 exactly.
        _ = model.ForwardWithCache(changedSuffix, null, null, out var cache);
        using (cache)
        {
            var cached = model.ForwardWindow(ids[.., 8..12], 8, cache);
            var uncached = model.Forward(ids)[.., 8..12];
            Assert.True(MaxAbs(cached, uncached) < 1e-5, $"max |d| {MaxAbs(cached, uncached)}");
        }
    }

    [Theory]
    [InlineData("llada")]
    [InlineData("mdlm-dit")]
    public void Denoisers_load_in_float64_and_bfloat16(string folder)
    {
        using var scope = NewDisposeScope();
        var ids = randint(0, 100, [2, 8], generator: new Generator(1, CPU), dtype: int64);
        using var f32 = DiffusionModel.Load(GoldenPaths.Folder(folder), CPU);
        using var f64 = DiffusionModel.Load(GoldenPaths.Folder(folder), CPU, ScalarType.Float64);
        using var bf16 = DiffusionModel.Load(GoldenPaths.Folder(folder), CPU, ScalarType.BFloat16);

        var reference = f32.Forward(ids);
        var wide = f64.Forward(ids);
        var narrow = bf16.Forward(ids);

        Assert.Equal(ScalarType.Float64, wide.dtype);
        Assert.Equal(ScalarType.BFloat16, narrow.dtype);
        Assert.True(MaxAbs(reference, wide.to(ScalarType.Float32)) < 1e-4);
        Assert.Equal(reference.shape, narrow.shape);
        Assert.True(narrow.to(ScalarType.Float32).isfinite().all().item<bool>());
    }

    [Fact]
    public void Forward_rejects_ids_of_the_wrong_shape_or_dtype()
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder("llada"), CPU);
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => model.Forward(zeros(4, dtype: int64)));
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(1, 4, dtype: float32)));
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(1, 4, dtype: int64), attentionMask: ones(1, 3, dtype: @bool)));
    }

    private static double MaxAbs(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.item<float>();
    }
}

using DiffusionChat.Checkpoints;
using DiffusionChat.Models;
using DiffusionChat.Models.Sdar;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// <c>sdar</c> fixtures: block-causal and bidirectional forward logits, the cached block pass (<c>kv.*</c>: prefill into
/// the cache, then a block over it without storing), and <c>block_diffusion_generate</c> runs replayed through our
/// block diffusion sampler.
/// </summary>
internal sealed class SdarSuite : IGoldenSuite
{
    private const double Atol = 1e-4;
    private const string File = "forward.safetensors";

    public string Architecture => "sdar";

    public IEnumerable<GoldenCaseResult> Run(GoldenFolder folder, CancellationToken cancellationToken)
    {
        using var checkpoint = CheckpointFolder.Open(folder.Directory);
        using var model = SdarDenoiser.Load(checkpoint, CPU);
        foreach (var name in folder.Cases("forward_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // "kv" is the cached block pass; the others are whole-sequence passes.
            yield return name == "kv" ? KeyValuePass(folder, model) : Forward(folder, model, name);
        }

        foreach (var name in folder.Cases("sampler_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return SdarSamplerReplay.Run(folder, model, name, cancellationToken);
        }
    }

    private static GoldenCaseResult Forward(GoldenFolder folder, SdarDenoiser model, string name)
    {
        using var scope = NewDisposeScope();
        var ids = folder.Tensor(File, $"{name}.input_ids");
        var positions = folder.Tensor(File, $"{name}.position_ids");
        var ours = SdarDenoiser.BlockCausalMask(ids.shape[1], model.BlockSize, CPU);
        bool maskEqual = GoldenCompare.IdsEqual(ours, folder.Tensor(File, $"{name}.attention_mask"));
        var blockCausal = GoldenCompare.MaxAbsDiff(model.Forward(ids, positions, folder.Tensor(File, $"{name}.attention_mask"), null, store: false), folder.Tensor(File, $"{name}.logits"));
        var bidirectional = GoldenCompare.MaxAbsDiff(model.Forward(ids, positions, null, null, store: false), folder.Tensor(File, $"{name}.logits_bidirectional"));
        return new GoldenCaseResult(name, "forward", maskEqual && blockCausal <= Atol && bidirectional <= Atol,
            $"logits {blockCausal:E2}  logits_bidirectional {bidirectional:E2}  block-causal mask {(maskEqual ? "equal" : "DIFFERS")}");
    }

    private static GoldenCaseResult KeyValuePass(GoldenFolder folder, SdarDenoiser model)
    {
        using var scope = NewDisposeScope();
        using var cache = new KeyValueCache(model.Config.Layers);
        model.Forward(folder.Tensor(File, "kv.prefix_ids"), folder.Tensor(File, "kv.prefix_position_ids"), folder.Tensor(File, "kv.prefix_attention_mask"), cache, store: true);
        double cacheDiff = 0;
        for (int i = 0; i < model.Config.Layers; i++)
        {
            var (keys, values) = cache.Layer(i);
            cacheDiff = Math.Max(cacheDiff, Math.Max(
                GoldenCompare.MaxAbsDiff(keys, folder.Tensor(File, $"kv.cache_key.{i}")),
                GoldenCompare.MaxAbsDiff(values, folder.Tensor(File, $"kv.cache_value.{i}"))));
        }

        long cached = cache.Length;
        var block = GoldenCompare.MaxAbsDiff(
            model.Forward(folder.Tensor(File, "kv.block_ids"), folder.Tensor(File, "kv.block_position_ids"), folder.Tensor(File, "kv.block_attention_mask"), cache, store: false),
            folder.Tensor(File, "kv.block_logits"));
        bool unchanged = cache.Length == cached;
        var fullIds = cat([folder.Tensor(File, "kv.prefix_ids"), folder.Tensor(File, "kv.block_ids")], 1);
        var fullPositions = cat([folder.Tensor(File, "kv.prefix_position_ids"), folder.Tensor(File, "kv.block_position_ids")], 1);
        var full = GoldenCompare.MaxAbsDiff(
            model.Forward(fullIds, fullPositions, SdarDenoiser.BlockCausalMask(fullIds.shape[1], model.BlockSize, CPU), null, store: false),
            folder.Tensor(File, "kv.full_logits"));
        return new GoldenCaseResult("kv", "forward", cacheDiff <= Atol && block <= Atol && full <= Atol && unchanged,
            $"cache {cacheDiff:E2}  block_logits {block:E2}  full_logits {full:E2}  cache {(unchanged ? "unchanged" : "CHANGED")} by the no-store pass");
    }
}

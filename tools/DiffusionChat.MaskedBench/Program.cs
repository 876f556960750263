using System.Diagnostics;
using System.Globalization;
using DiffusionChat.MaskedBench;
using DiffusionChat.Models;
using DiffusionChat.Sampling;
using static TorchSharp.torch;

if (args is ["memory", ..])
{
    await MemoryCheck.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000);
    return;
}

// Measures the effect of Fast-dLLM's caches and threshold decoding on forward passes, wall time and agreement with
// exact (uncached) decoding, on a random LLaDA-architecture model or on a masked model folder (e.g. Dream). Usage:
//   dotnet run -c Release --project tools/DiffusionChat.MaskedBench [-- <d_model> <layers> <answer> <repeats>]
//   dotnet run -c Release --project tools/DiffusionChat.MaskedBench -- --folder DIR [<answer> <repeats>]
//   dotnet run -c Release --project tools/DiffusionChat.MaskedBench -- memory [<requests>]   (resident memory over many requests)
//   ... --attention-block N (anywhere; random model only): a block-causal model with shift_logits, whose blocks of N
//   are also decoded by BlockCausalSampler (rows "block-causal"; agreement is with the whole-window uncached run)
// The timed repeats run in rounds over all settings, so load from other processes on a shared machine hits every
// setting alike; the time reported is the median round.
int at = Array.IndexOf(args, "--attention-block");
int? attentionBlock = at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : null;
args = at >= 0 ? [.. args[..at], .. args[(at + 2)..]] : args;
string? modelFolder = args is ["--folder", var given, ..] ? given : null;
var numbers = modelFolder is null ? args : args[2..];
int dModel = modelFolder is null && numbers.Length > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 256;
int layers = modelFolder is null && numbers.Length > 1 ? int.Parse(numbers[1], CultureInfo.InvariantCulture) : 4;
int offset = modelFolder is null ? 2 : 0;
int answer = numbers.Length > offset ? int.Parse(numbers[offset], CultureInfo.InvariantCulture) : 32;
int repeats = numbers.Length > offset + 1 ? int.Parse(numbers[offset + 1], CultureInfo.InvariantCulture) : 2;
const int Vocab = 512, PromptLength = 64, BlockLength = 16, Rows = 4;

var folder = modelFolder ?? Path.Combine(Path.GetTempPath(), $"dc-masked-bench-{dModel}-{layers}{(attentionBlock is { } ab ? $"-block{ab}" : "")}");
if (modelFolder is null)
{
    RandomLladaCheckpoint.Write(folder, dModel, heads: 8, layers, mlp: 2 * dModel, Vocab, seed: 1, attentionBlock, shiftLogits: attentionBlock is not null);
}

using var model = DiffusionModel.Load(folder, CPU);
var wholeWindow = new MaskedDiffusionSampler(model);
var blockCausal = model.AttentionBlockSize is null ? null : new BlockCausalSampler(model);
var rng = new Random(7);
// A folder's prompts use ids below 256 (byte tokens of a BPE vocabulary, never special ones).
int promptVocab = modelFolder is null ? Vocab - 2 : Math.Min(256, (int)model.MaskTokenId);
var prompts = Enumerable.Range(0, Rows).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, PromptLength).Select(_ => rng.Next(0, promptVocab)).ToList()).ToList();

Console.WriteLine(modelFolder is null
    ? $"random LLaDA d_model {dModel}, {layers} layers, vocab {Vocab}; batch {Rows} x prompt {PromptLength}, answer {answer}, block {BlockLength}, steps/block {BlockLength}; threads {get_num_threads()}"
    : $"{model.GetType().Name} from {folder}, vocab {model.VocabSize}; batch {Rows} x prompt {PromptLength}, answer {answer}, block {BlockLength}, steps/block {BlockLength}; threads {get_num_threads()}");
Console.WriteLine("cache        threshold  NFE   ms/request  RSS-MB  agreement-with-uncached");
var settings = new[] { (double?)null, 0.5 }.SelectMany(t => new[] { KeyValueCacheMode.None, KeyValueCacheMode.Prefix, KeyValueCacheMode.Dual }.Select(c => (Threshold: t, Cache: c, BlockCausal: false))).ToList();
if (blockCausal is not null)
{
    settings.Add((null, KeyValueCacheMode.None, true));
    settings.Add((0.5, KeyValueCacheMode.None, true));
}

var requests = settings.Select(s => new MaskedGenerationRequest(prompts, new MaskedSamplerOptions
{
    AnswerLength = answer, BlockLength = BlockLength, StepsPerBlock = BlockLength, Cache = s.Cache, ConfidenceThreshold = s.Threshold, StopAtEndOfSequence = false,
}, 0)).ToList();
Task<MaskedGenerationResult> Run(int i) => settings[i].BlockCausal ? blockCausal!.GenerateAsync(requests[i]) : wholeWindow.GenerateAsync(requests[i]);

// Warm-up, and the answers compared below.
var results = new List<MaskedGenerationResult>();
for (int i = 0; i < requests.Count; i++)
{
    results.Add(await Run(i));
}

var times = settings.Select(_ => new List<double>()).ToList();
for (int round = 0; round < repeats; round++)
{
    for (int i = 0; i < requests.Count; i++)
    {
        var watch = Stopwatch.StartNew();
        await Run(i);
        times[i].Add(watch.Elapsed.TotalMilliseconds);
    }
}

for (int i = 0; i < settings.Count; i++)
{
    var (threshold, cache, isBlockCausal) = settings[i];
    var exact = results[settings.FindIndex(s => s.Threshold == threshold && s.Cache == KeyValueCacheMode.None && !s.BlockCausal)].Answers;
    var result = results[i];
    int same = 0, total = 0;
    for (int r = 0; r < Rows; r++)
    {
        same += result.Answers[r].Zip(exact[r]).Count(p => p.First == p.Second);
        total += exact[r].Count;
    }

    var sorted = times[i].Order().ToList();
    double ms = sorted[sorted.Count / 2];

    // Resident memory after the runs: stays flat across configurations when every temporary is disposed.
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var rss = Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);
    Console.WriteLine($"{(isBlockCausal ? "block-causal" : cache.ToString()),-12} {(threshold?.ToString(CultureInfo.InvariantCulture) ?? "-"),-9}  {result.ForwardPasses,4}  {ms,10:F0}  {rss,6:F0}  {same}/{total} ({100.0 * same / total:F1}%)");
}

if (File.Exists("/proc/loadavg"))
{
    Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
}

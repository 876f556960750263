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
// exact (uncached) decoding, on a random LLaDA-architecture model. Usage:
//   dotnet run -c Release --project tools/DiffusionChat.MaskedBench [-- <d_model> <layers> <answer> <repeats>]
//   dotnet run -c Release --project tools/DiffusionChat.MaskedBench -- memory [<requests>]   (resident memory over many requests)
int dModel = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
int layers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
int answer = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;
int repeats = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2;
const int Vocab = 512, PromptLength = 64, BlockLength = 16, Rows = 4;

var folder = Path.Combine(Path.GetTempPath(), $"dc-masked-bench-{dModel}-{layers}");
RandomLladaCheckpoint.Write(folder, dModel, heads: 8, layers, mlp: 2 * dModel, Vocab, seed: 1);
using var model = DiffusionModel.Load(folder, CPU);
var sampler = new MaskedDiffusionSampler(model);
var rng = new Random(7);
var prompts = Enumerable.Range(0, Rows).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, PromptLength).Select(_ => rng.Next(0, Vocab - 2)).ToList()).ToList();

Console.WriteLine($"random LLaDA d_model {dModel}, {layers} layers, vocab {Vocab}; batch {Rows} x prompt {PromptLength}, answer {answer}, block {BlockLength}, steps/block {BlockLength}; threads {get_num_threads()}");
Console.WriteLine("cache   threshold  NFE   ms/request  RSS-MB  agreement-with-uncached");
foreach (var threshold in new double?[] { null, 0.5 })
{
    IReadOnlyList<IReadOnlyList<int>>? exact = null;
    foreach (var cache in new[] { KeyValueCacheMode.None, KeyValueCacheMode.Prefix, KeyValueCacheMode.Dual })
    {
        var options = new MaskedSamplerOptions
        {
            AnswerLength = answer, BlockLength = BlockLength, StepsPerBlock = BlockLength, Cache = cache, ConfidenceThreshold = threshold, StopAtEndOfSequence = false,
        };
        var request = new MaskedGenerationRequest(prompts, options, 0);
        var result = await sampler.GenerateAsync(request); // warm-up, and the answers compared below
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
        {
            await sampler.GenerateAsync(request);
        }

        var ms = watch.Elapsed.TotalMilliseconds / repeats;
        exact ??= result.Answers;
        int same = 0, total = 0;
        for (int r = 0; r < Rows; r++)
        {
            same += result.Answers[r].Zip(exact[r]).Count(p => p.First == p.Second);
            total += exact[r].Count;
        }

        // Resident memory after the runs: stays flat across configurations when every temporary is disposed.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var rss = Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);
        Console.WriteLine($"{cache,-7} {(threshold?.ToString(CultureInfo.InvariantCulture) ?? "-"),-9}  {result.ForwardPasses,4}  {ms,10:F0}  {rss,6:F0}  {same}/{total} ({100.0 * same / total:F1}%)");
    }
}

using System.Diagnostics;
using DiffusionChat.Models;
using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.MaskedBench;

/// <summary>
/// Runs many small generations (every sampler path: caches, threshold, temperature, padded batch, step events) and
/// prints the resident memory, which must stay flat when every native temporary is disposed.
/// </summary>
internal static class MemoryCheck
{
    public static async Task RunAsync(int requests)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dc-masked-bench-memory");
        RandomLladaCheckpoint.Write(folder, dModel: 64, heads: 4, layers: 2, mlp: 128, vocab: 160, seed: 2);
        using var model = DiffusionModel.Load(folder, CPU);
        var sampler = new MaskedDiffusionSampler(model);
        var variants = new[]
        {
            new MaskedSamplerOptions { AnswerLength = 16, BlockLength = 4, StepsPerBlock = 4 },
            new MaskedSamplerOptions { AnswerLength = 16, BlockLength = 4, StepsPerBlock = 4, Cache = KeyValueCacheMode.Prefix, ConfidenceThreshold = 0.7 },
            new MaskedSamplerOptions { AnswerLength = 16, BlockLength = 4, StepsPerBlock = 2, Cache = KeyValueCacheMode.Dual, Temperature = 0.8, TopP = 0.9, ReportSteps = true },
            new MaskedSamplerOptions { AnswerLength = 16, BlockLength = 8, StepsPerBlock = 4, Remasking = RemaskingStrategy.Entropy, TopK = 5 },
        };
        IReadOnlyList<IReadOnlyList<int>> prompts = [[1, 2, 3, 4, 5], [7, 8, 9]];
        Console.WriteLine("requests  RSS-MB");
        for (int i = 1; i <= requests; i++)
        {
            await sampler.GenerateAsync(new MaskedGenerationRequest(prompts, variants[i % variants.Length], (ulong)i), _ => { });
            if (i % (requests / 8) == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Console.WriteLine($"{i,8}  {Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0),6:F0}");
            }
        }
    }
}

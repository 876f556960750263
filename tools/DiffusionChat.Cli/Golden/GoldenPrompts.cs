using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>Conversions between golden id tensors and sampler requests/results.</summary>
internal static class GoldenPrompts
{
    /// <summary>Rows of an int64 [B, P] prompt tensor.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> Rows(Tensor prompt)
    {
        var rows = new List<IReadOnlyList<int>>();
        for (int r = 0; r < prompt.shape[0]; r++)
        {
            rows.Add(prompt[r].data<long>().ToArray().Select(v => (int)v).ToList());
        }

        return rows;
    }

    /// <summary>Null when prompt + answers equal the reference output [B, T], else a description.</summary>
    public static string? OutputMismatch(Tensor prompt, MaskedGenerationResult result, Tensor output)
    {
        for (int r = 0; r < output.shape[0]; r++)
        {
            var expected = output[r].data<long>().ToArray();
            var actual = prompt[r].data<long>().ToArray().Concat(result.Answers[r].Select(v => (long)v)).ToArray();
            if (!expected.SequenceEqual(actual))
            {
                return $"output row {r}: [{string.Join(", ", actual)}] vs reference [{string.Join(", ", expected)}]";
            }
        }

        return null;
    }

    /// <summary>Null when every block's recorded schedule equals <see cref="TransferSchedule.Linear"/>.</summary>
    public static string? ScheduleMismatch(Tensor numTransferTokens, int blockLength, int stepsPerBlock)
    {
        var ours = TransferSchedule.Linear(blockLength, stepsPerBlock).Select(v => (long)v).ToArray();
        var flat = numTransferTokens.reshape(-1, numTransferTokens.shape[^1]);
        for (int i = 0; i < flat.shape[0]; i++)
        {
            if (!flat[i].data<long>().ToArray().SequenceEqual(ours))
            {
                return $"num_transfer_tokens differ: [{string.Join(", ", ours)}] vs reference [{string.Join(", ", flat[i].data<long>().ToArray())}]";
            }
        }

        return null;
    }
}

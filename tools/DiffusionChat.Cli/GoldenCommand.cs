using DiffusionChat.Cli.Golden;

namespace DiffusionChat.Cli;

/// <summary>
/// <c>golden &lt;folder&gt;...</c>: checks fixture folders (tests/fixtures/goldens layout) against our implementation; prints
/// max-abs-diff per forward case and match/first mismatch per sampler case; exit code 1 on any failure.
/// </summary>
internal static class GoldenCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: golden <fixture-folder> [<fixture-folder> ...]");
            return Task.FromResult(2);
        }

        int failures = 0;
        foreach (var folder in args)
        {
            Console.WriteLine($"== {folder}");
            foreach (var result in GoldenRunner.Run(folder))
            {
                Console.WriteLine(result);
                if (!result.Passed)
                {
                    failures++;
                }
            }
        }

        Console.WriteLine(failures == 0 ? "all cases passed" : $"{failures} case(s) FAILED");
        return Task.FromResult(failures == 0 ? 0 : 1);
    }
}

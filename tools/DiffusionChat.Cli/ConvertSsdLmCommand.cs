using DiffusionChat.Cli.Conversion;

namespace DiffusionChat.Cli;

/// <summary>
/// <c>convert-ssdlm &lt;folder&gt; [--force]</c>: writes <c>model.safetensors</c> from a released SSD-LM folder's
/// PyTorch pickles (see <see cref="SsdLmReleaseConversion"/>).
/// </summary>
internal static class ConvertSsdLmCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        var force = args.Contains("--force", StringComparer.Ordinal);
        var folders = args.Where(a => a != "--force").ToList();
        if (folders.Count != 1)
        {
            Console.Error.WriteLine("usage: convert-ssdlm <released-ssdlm-folder> [--force]");
            return Task.FromResult(2);
        }

        var written = SsdLmReleaseConversion.Convert(folders[0], force);
        Console.WriteLine($"wrote {written}; it loads as an SSD-LM denoiser");
        return Task.FromResult(0);
    }
}

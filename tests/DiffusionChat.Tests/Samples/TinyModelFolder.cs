using DiffusionChat.Cli.TinyModels;

namespace DiffusionChat.Tests.Samples;

/// <summary>A throwaway tiny random model folder written by the CLI's <c>make-tiny-model</c> writer.</summary>
internal sealed class TinyModelFolder : IDisposable
{
    public TinyModelFolder(TinyModelFamily family)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"dc-sample-{family}-{Guid.NewGuid():N}");
        TinyModelWriter.Write(Path, family, RepoPaths.Path("models", "tokenizer"));
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

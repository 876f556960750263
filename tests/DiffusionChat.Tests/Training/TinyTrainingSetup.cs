using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Tokenization;
using DiffusionChat.Trainer.Training;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

/// <summary>A tiny tokenizer, corpus and AR objective, trained in well under a second, for trainer tests.</summary>
internal sealed class TinyTrainingSetup : IDisposable
{
    public TinyTrainingSetup()
    {
        Folder = Directory.CreateTempSubdirectory("trainer");
        var examples = new InstructionSetGenerator(DataSplit.Train, seed: 5).Generate(200);
        ByteLevelBpeTrainer.Train(examples.Select(e => e.Render().Text), vocabularySize: 400).Save(TokenizerFolder, modelMaxLength: 160);
        (Tokenizer, SpecialIds) = TrainedTokenizer.Load(TokenizerFolder);
        Train = new TokenizedCorpus(Tokenizer, SpecialIds, examples, ["The jury said the election was well conducted. " + string.Concat(Enumerable.Repeat("More plain text follows here. ", 40))], Context, textFraction: 0.25);
        HeldOut = new TokenizedCorpus(Tokenizer, SpecialIds, new InstructionSetGenerator(DataSplit.HeldOut, seed: 5).Generate(20), [], Context, textFraction: 0);
    }

    public const int Context = 320;

    public DirectoryInfo Folder { get; }

    public string TokenizerFolder => Path.Combine(Folder.FullName, "tokenizer");

    public Tokenizer Tokenizer { get; }

    public IReadOnlyDictionary<string, int> SpecialIds { get; }

    public TokenizedCorpus Train { get; }

    public TokenizedCorpus HeldOut { get; }

    public AutoregressiveObjective CreateObjective(int seed = 1)
    {
        var config = new LlamaConfig(400, 32, 64, 2, 4, 2, Context);
        using var generator = new Generator((ulong)seed);
        return new AutoregressiveObjective(config, CPU, SpecialIds[ChatMarkers.TurnEnd], SpecialIds[ChatMarkers.Pad], generator);
    }

    public Trainer.Training.Masked.MaskedDiffusionObjective CreateMaskedObjective(int seed = 1, bool tied = false, double blockWiseShare = 0, double prefixShare = 0, bool shifted = false, int samplerBlock = 4, int? blockSize = null, double? samplerThreshold = null, double certaintyWeight = 0)
    {
        var config = new DiffusionChat.Models.Llada.LladaConfig(32, 4, 2, 2, 64, 400, 10000, 1e-5, SpecialIds[ChatMarkers.Mask], SpecialIds[ChatMarkers.EndOfText]) { WeightTying = tied, ShiftLogits = shifted, BlockSize = blockSize };
        var rows = new Trainer.Training.Masked.SupervisedRows(SpecialIds[ChatMarkers.TurnStart], SpecialIds[ChatMarkers.TurnEnd], SpecialIds[ChatMarkers.EndOfText], SpecialIds[ChatMarkers.Pad], 48);
        return new Trainer.Training.Masked.MaskedDiffusionObjective(config, CPU, seed, rows, SpecialIds[ChatMarkers.Pad], Context, blockWiseShare, prefixShare, samplerBlock, samplerThreshold, certaintyWeight);
    }

    /// <summary>The simplex objective on the LLaMA-style denoiser, with the AR objective's architecture (so an AR run can start it).</summary>
    public Trainer.Training.Simplex.SimplexDiffusionObjective CreateSimplexLlamaObjective(int seed = 1, int blockLength = 8, int stepsPerBlock = 10, bool selfConditioning = false)
    {
        var decoder = new LlamaConfig(400, 32, 64, 2, 4, 2, Context) { PadTokenId = SpecialIds[ChatMarkers.Pad], EosTokenId = SpecialIds[ChatMarkers.TurnEnd] };
        var sampling = Trainer.Training.Simplex.SimplexDiffusionObjective.SampleOptions(SpecialIds[ChatMarkers.TurnEnd], blockLength, stepsPerBlock);
        var rows = new Trainer.Training.Simplex.SimplexBlockRows(SpecialIds[ChatMarkers.TurnStart], SpecialIds[ChatMarkers.EndOfText], SpecialIds[ChatMarkers.Pad], blockLength, Context);
        return new Trainer.Training.Simplex.SimplexDiffusionObjective(new DiffusionChat.Models.Simplex.SimplexLlamaConfig(decoder, ShiftLogits: true, selfConditioning), CPU, seed, rows, sampling);
    }

    public TrainingOptions Options(string output, int steps) => new()
    {
        Objective = "ar",
        OutputFolder = output,
        TokenizerFolder = TokenizerFolder,
        Steps = steps,
        BatchSize = 4,
        Context = Context,
        WarmupSteps = 2,
        EvalEvery = 2,
        CheckpointEvery = 2,
        Seed = 9,
    };

    /// <summary>A console of its own per run (Spectre allows one live display per console) that prints nowhere.</summary>
    public static Spectre.Console.IAnsiConsole QuietConsole() =>
        Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(TextWriter.Null) });

    public void Dispose() => Folder.Delete(recursive: true);
}

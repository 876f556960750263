using DiffusionChat.Devices;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Llada;
using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Checkpoints;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Tokenization;
using DiffusionChat.Trainer.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer;

/// <summary><c>train</c>: trains one objective and writes a Hugging Face-layout model folder with a model card.</summary>
internal static class TrainCommand
{
    public const string Usage =
        "  train --objective ar|masked|simplex|simplex-llama --out <folder> --tokenizer <folder> [--brown <package-folder>] [--places <folder> --app-share 0.5] [--json-share 0] [--composed-results 0] [--text-fraction 0.25] [--copy-warmup-steps 0] [--copy-alternate] [--copy-left-to-right-steps 0] [--copy-share 0] [--lookup-share 0] [--init-from <model folder>] [--tie-embeddings] [--shift-logits] [--block-wise-share 0] [--prefix-share 0] [--sampler-block 4] [--sampler-threshold <p>] [--certainty-weight 0] [--attention-block 0] [--simplex-block 16] [--steps-per-block 50] [--self-conditioning]\n"
        + "        [--steps 1000] [--batch 16] [--context 256] [--lr 3e-3] [--min-lr 3e-4] [--warmup 50] [--weight-decay 0.1] [--clip 1]\n"
        + "        [--hidden 256] [--layers 4] [--heads 4] [--kv-heads 2] [--intermediate 768] [--chat 20000] [--heldout 500]\n"
        + "        [--seed 1234] [--checkpoint-every 100] [--eval-every 50] [--time-limit-minutes 0] [--max-steps-this-run 0] [--resume] [--device cpu] [--threads 0]";

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var parsed = CommandOptions.Parse(args);
        var options = new TrainingOptions
        {
            Objective = parsed.RequiredString("objective"),
            OutputFolder = parsed.RequiredString("out"),
            TokenizerFolder = parsed.RequiredString("tokenizer"),
            BrownFolder = parsed.String("brown"),
            PlacesFolder = parsed.String("places"),
            AppShare = parsed.Double("app-share", 0, 0, 1),
            JsonShare = parsed.Double("json-share", 0, 0, 1),
            ComposedResults = parsed.Double("composed-results", 0, 0, 1),
            TextFraction = parsed.Double("text-fraction", 0.25, 0, 1),
            CopyWarmupSteps = parsed.Int("copy-warmup-steps", 0, 0),
            CopyAlternate = parsed.Flag("copy-alternate"),
            CopyLeftToRightSteps = parsed.Int("copy-left-to-right-steps", 0, 0),
            CopyShare = parsed.Double("copy-share", 0, 0, 0.9),
            LookupShare = parsed.Double("lookup-share", 0, 0, 1),
            InitFrom = parsed.String("init-from"),
            TieEmbeddings = parsed.Flag("tie-embeddings"),
            ShiftLogits = parsed.Flag("shift-logits"),
            BlockWiseShare = parsed.Double("block-wise-share", 0, 0, 1),
            PrefixShare = parsed.Double("prefix-share", 0, 0, 1),
            AttentionBlock = parsed.Int("attention-block", 0, 0, 4096),
            SamplerBlock = parsed.Int("sampler-block", Training.Masked.MaskedDiffusionObjective.DefaultSamplerBlock, 1, Training.Masked.MaskedDiffusionObjective.AnswerWindow),
            SimplexBlock = parsed.Int("simplex-block", Training.Simplex.SimplexDiffusionObjective.DefaultBlockLength, 1, 4096),
            SelfConditioning = parsed.Flag("self-conditioning"),
            StepsPerBlock = parsed.Int("steps-per-block", Training.Simplex.SimplexDiffusionObjective.DefaultStepsPerBlock, 1, 100000),
            SamplerThreshold = parsed.String("sampler-threshold") is null ? null : parsed.Double("sampler-threshold", 0.9, 0.01, 1.0),
            CertaintyWeight = parsed.Double("certainty-weight", 0, 0, 10),
            Steps = parsed.Int("steps", 1000, 1),
            BatchSize = parsed.Int("batch", 16, 1),
            Context = parsed.Int("context", 256, 16, 8192),
            PeakLearningRate = parsed.Double("lr", 3e-3, 0, 1),
            MinLearningRate = parsed.Double("min-lr", 3e-4, 0, 1),
            WarmupSteps = parsed.Int("warmup", 50, 1),
            WeightDecay = parsed.Double("weight-decay", 0.1, 0, 1),
            GradientClip = parsed.Double("clip", 1.0, 1e-6),
            Hidden = parsed.Int("hidden", 256, 8),
            Layers = parsed.Int("layers", 4, 1),
            Heads = parsed.Int("heads", 4, 1),
            KeyValueHeads = parsed.Int("kv-heads", 2, 1),
            Intermediate = parsed.Int("intermediate", 768, 8),
            ChatExamples = parsed.Int("chat", 20000, 0),
            HeldOutExamples = parsed.Int("heldout", 500, 1),
            Seed = parsed.Int("seed", 1234, 0),
            CheckpointEvery = parsed.Int("checkpoint-every", 100, 1),
            EvalEvery = parsed.Int("eval-every", 50, 1),
            TimeLimitMinutes = parsed.Double("time-limit-minutes", 0, 0),
            MaxStepsThisRun = parsed.Int("max-steps-this-run", 0, 0),
            Resume = parsed.Flag("resume"),
            CommandLine = "dotnet run --project tools/DiffusionChat.Trainer -c Release -- train " + string.Join(' ', args),
        };
        var device = ComputeDevice.Resolve(parsed.String("device") ?? "cpu");
        int threads = parsed.Int("threads", 0, 0);
        parsed.RejectUnknown();
        options.ValidateObjectiveOptions();
        if (options.AppShare > 0 && options.PlacesFolder is null)
        {
            throw new ArgumentException($"--app-share {options.AppShare} needs --places <folder> (tools/DiffusionChat.Trainer/fetch-places.sh fetches it).");
        }

        if (options.ComposedResults > 0 && options.AppShare == 0)
        {
            throw new ArgumentException($"--composed-results {options.ComposedResults} shapes the app scenarios' tool results, so it needs --places <folder> and --app-share above 0.");
        }

        if (TrainingHeap.Apply())
        {
            AnsiConsole.MarkupLine("[grey]heap: large tensors reused from step to step (TrainingHeap)[/]");
        }

        if (threads > 0)
        {
            // Two runs side by side on a small CPU each take one thread: small matrices scale poorly across threads.
            set_num_threads(threads);
        }

        var (tokenizer, special) = TrainedTokenizer.Load(options.TokenizerFolder);
        var vocabularySize = special.Values.Max() + 1;
        Directory.CreateDirectory(options.OutputFolder);

        using var initGenerator = new Generator((ulong)options.Seed);
        using var objective = CreateObjective(options, vocabularySize, special, device, initGenerator);
        var parameters = objective.Model.parameters().Sum(p => p.numel());
        AnsiConsole.MarkupLine($"[grey]{objective.Name}: {parameters:N0} parameters ({parameters * 4 / 1e6:F1} MB float32) on {device}[/]");

        var chats = options.PlacesFolder is null ? new InstructionSetGenerator(DataSplit.Train, options.Seed, jsonAnswerShare: options.JsonShare).Generate(options.ChatExamples)
            : TrainingChatMix.Generate(options.ChatExamples, options.Seed, RealPlaces.Load(options.PlacesFolder), options.AppShare, options.JsonShare, options.ComposedResults);
        var train = new TokenizedCorpus(tokenizer, special, chats,
            options.BrownFolder is null ? [] : BrownCorpusReader.ReadSentences(options.BrownFolder, DataSplit.Train), options.Context, options.TextFraction);
        var heldOutExamples = new InstructionSetGenerator(DataSplit.HeldOut, options.Seed).Generate(options.HeldOutExamples);
        var heldOut = new TokenizedCorpus(tokenizer, special, heldOutExamples, [], options.Context, 0);
        AnsiConsole.MarkupLine($"[grey]data: {train.ChatRows} chats (mean {train.ChatLengths.Average():F0} tokens, {train.TruncatedChats} cut at {options.Context}), {train.TextTokens:N0} Brown tokens; held-out {heldOut.ChatRows} chats[/]");

        var (history, finished) = new TrainingRun(options, objective, train, heldOut, device).Run(cancellationToken);

        var samples = Samples(objective, tokenizer, heldOutExamples, cancellationToken);
        var card = ModelCard.Write(options, objective.ModelConfig, parameters, history, finished, samples);
        PretrainedFolderWriter.Write(options.OutputFolder, objective.ModelConfig, objective.Model, options.TokenizerFolder, card);
        AnsiConsole.MarkupLine($"[green]{(finished ? "finished" : "stopped (resume with --resume)")}: model folder {options.OutputFolder}[/]");
        foreach (var (prompt, completion) in samples)
        {
            Console.WriteLine($"  {prompt} -> {completion.Replace("\n", "\\n", StringComparison.Ordinal)}");
        }

        return Task.FromResult(0);
    }

    private static ITrainingObjective CreateObjective(TrainingOptions options, int vocabularySize, IReadOnlyDictionary<string, int> special, Device device, Generator initGenerator)
    {
        switch (options.Objective)
        {
            case "ar":
                var config = new LlamaConfig(vocabularySize, options.Hidden, options.Intermediate, options.Layers, options.Heads, options.KeyValueHeads, options.Context)
                {
                    EosTokenId = special[ChatMarkers.TurnEnd],
                    PadTokenId = special[ChatMarkers.Pad],
                    TieWordEmbeddings = true,
                }.Validate();
                return new AutoregressiveObjective(config, device, special[ChatMarkers.TurnEnd], special[ChatMarkers.Pad], initGenerator);
            case "masked":
                var lladaConfig = new LladaConfig(options.Hidden, options.Heads, options.KeyValueHeads, options.Layers, options.Intermediate, vocabularySize,
                    RopeTheta: 10000.0, RmsNormEps: 1e-5, MaskTokenId: special[ChatMarkers.Mask], EosTokenId: special[ChatMarkers.EndOfText])
                {
                    WeightTying = options.TieEmbeddings,
                    ShiftLogits = options.ShiftLogits,
                    BlockSize = options.AttentionBlock > 0 ? options.AttentionBlock : null,
                };
                // The EOS tail runs up to the default sampler's whole answer window, the longest EOS run met when sampling.
                var sftRows = new Training.Masked.SupervisedRows(special[ChatMarkers.TurnStart], special[ChatMarkers.TurnEnd], special[ChatMarkers.EndOfText], special[ChatMarkers.Pad],
                    MaxEndOfSequenceTail: Training.Masked.MaskedDiffusionObjective.AnswerWindow);
                return new Training.Masked.MaskedDiffusionObjective(lladaConfig, device, options.Seed, sftRows, special[ChatMarkers.Pad], options.Context, options.BlockWiseShare, options.PrefixShare, options.SamplerBlock, options.SamplerThreshold, options.CertaintyWeight);
            case "simplex":
                // RoBERTa numbers positions from pad_token_id + 1, so the table needs pad + 1 unused rows before the context.
                var ssdConfig = new DiffusionChat.Models.Simplex.SsdLmConfig(vocabularySize, options.Hidden, options.Layers, options.Heads, options.Intermediate,
                    MaxPositions: options.Context + special[ChatMarkers.Pad] + 1, TypeVocabSize: 1, PadTokenId: special[ChatMarkers.Pad],
                    EndOfSequenceTokenId: special[ChatMarkers.EndOfText], LayerNormEpsilon: 1e-5);
                var sampling = Training.Simplex.SimplexDiffusionObjective.SampleOptions(special[ChatMarkers.TurnEnd], options.SimplexBlock, options.StepsPerBlock);
                var blockRows = new Training.Simplex.SimplexBlockRows(special[ChatMarkers.TurnStart], special[ChatMarkers.EndOfText], special[ChatMarkers.Pad], sampling.BlockLength, options.Context);
                return new Training.Simplex.SimplexDiffusionObjective(ssdConfig, device, options.Seed, blockRows, sampling);
            case Training.Simplex.SimplexDiffusionObjective.LlamaName:
                // The AR baseline's architecture (tied, same ids), so --init-from an AR folder copies its weights by name.
                var decoder = new LlamaConfig(vocabularySize, options.Hidden, options.Intermediate, options.Layers, options.Heads, options.KeyValueHeads, options.Context)
                {
                    EosTokenId = special[ChatMarkers.TurnEnd],
                    PadTokenId = special[ChatMarkers.Pad],
                    TieWordEmbeddings = true,
                };
                var llamaSampling = Training.Simplex.SimplexDiffusionObjective.SampleOptions(special[ChatMarkers.TurnEnd], options.SimplexBlock, options.StepsPerBlock);
                var llamaRows = new Training.Simplex.SimplexBlockRows(special[ChatMarkers.TurnStart], special[ChatMarkers.EndOfText], special[ChatMarkers.Pad], llamaSampling.BlockLength, options.Context);
                return new Training.Simplex.SimplexDiffusionObjective(new DiffusionChat.Models.Simplex.SimplexLlamaConfig(decoder, ShiftLogits: true, options.SelfConditioning), device, options.Seed, llamaRows, llamaSampling);
            default:
                throw new ArgumentException($"Unknown --objective '{options.Objective}'. Allowed: ar, masked, simplex, simplex-llama.");
        }
    }

    private static List<(string Prompt, string Completion)> Samples(ITrainingObjective objective, Microsoft.ML.Tokenizers.Tokenizer tokenizer, IReadOnlyList<ChatExample> heldOut, CancellationToken cancellationToken)
    {
        var picks = heldOut.GroupBy(e => e.Category).Select(g => g.First()).ToList();
        var prompts = picks.Select(e => ChatMlPromptFormat.Instance.Render(e.FirstPrompt, e.Tools)).ToList();
        var completions = objective.Complete(prompts.Select(p => (IReadOnlyList<int>)tokenizer.EncodeToIds(p).ToList()).ToList(), 48, cancellationToken);
        return picks.Zip(completions, (e, c) => (e.Conversation[0].Text, tokenizer.Decode(c))).ToList();
    }
}

using DiffusionChat.Checkpoints;
using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Tensors;
using DiffusionChat.Trainer.Checkpoints;
using DiffusionChat.Trainer.Training;
using DiffusionChat.Trainer.Training.Simplex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

/// <summary>The simplex model on the LLaMA-style decoder, started from an AR model's weights (issue 29).</summary>
public sealed class SimplexLlamaFromArTests(ITestOutputHelper log) : IDisposable
{
    // softmax(K * (2 * one_hot - 1)) is exactly one-hot in float32 once exp(-2K) underflows (K > ~52).
    private const double OneHotScale = 1e4;

    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    /// <remarks>
    /// The precise equivalence: with the timestep layer zero and a one-hot simplex, the simplex model's input vectors are
    /// the AR model's token embeddings. A context position attends to the context up to itself, as in the AR model, so
    /// its hidden states, hence logits, are the AR model's over context + block tokens. A block position attends to the
    /// whole block, which the AR model does not, so block positions differ, with one exception: a block of one token
    /// sees exactly the AR model's keys (the context and itself). With shifted logits the first block score is the AR
    /// model's next-token prediction after the context, whatever the noisy block holds.
    /// </remarks>
    [Fact]
    public void Converted_AR_model_with_a_one_hot_block_and_zero_timestep_computes_the_AR_logits_where_attention_sees_the_same_keys()
    {
        var ar = TrainAr("ar");
        using var checkpoint = CheckpointFolder.Open(ar);
        using var decoder = LlamaForCausalLM.FromCheckpoint(checkpoint, CPU);
        using var simplex = new SimplexLlamaDenoiser(new SimplexLlamaConfig(decoder.Config, ShiftLogits: true));
        LlamaToSimplexWeights.Load(checkpoint, simplex);
        using var scope = NewDisposeScope();
        long[] context = [5, 17, 42, 8, 99, 250], block = [7, 300, 12, 64];
        const int C = 6, L = 4;
        var t = tensor(new[] { 7f });

        // A block of four: the context positions are the AR model's, the block positions are not.
        var expected = decoder.forward(tensor(context.Concat(block).ToArray(), [1, C + L])); // [1, C + L, V]
        var actual = simplex.Logits(tensor(context, [1, C]), OneHot(block), t, totalSteps: 10);
        var contextDiff = MaxDiff(actual.narrow(1, 0, C), expected.narrow(1, 0, C));
        var blockDiff = MaxDiff(actual.narrow(1, C, L), expected.narrow(1, C, L));
        Assert.Equal(0f, contextDiff); // same keys, same shapes, same arithmetic: bit-identical
        Assert.True(blockDiff > 1e-3, $"block positions see later block tokens, so they should differ from the causal AR model (max |d| {blockDiff})");

        // A block of one: every position is the AR model's.
        var expectedOne = decoder.forward(tensor(context.Append(block[0]).ToArray(), [1, C + 1]));
        var actualOne = simplex.Logits(tensor(context, [1, C]), OneHot([block[0]]), t, totalSteps: 10);
        var oneDiff = MaxDiff(actualOne, expectedOne);
        Assert.Equal(0f, oneDiff);

        // Shifted: the first block token is scored from the last context token, so any noisy block gives the AR prediction.
        using var generator = new Generator(3);
        var noisy = randn([1, L, 400], generator: generator).Times(5.0);
        var firstScore = simplex.EquivalentScore(tensor(context, [1, C]), noisy, tensor(new[] { 2f }), totalSteps: 10).narrow(1, 0, 1);
        var firstDiff = MaxDiff(firstScore, expected.narrow(1, C - 1, 1));
        log.WriteLine($"max |d| vs AR: context {contextDiff}, one-token block {oneDiff}, first shifted score {firstDiff}; four-token block positions {blockDiff}");
        Assert.Equal(0f, firstDiff);
    }

    private static Tensor OneHot(long[] ids) =>
        nn.functional.one_hot(tensor(ids, [1, ids.Length]), 400).to_type(ScalarType.Float32).Times(2 * OneHotScale).Minus(OneHotScale);

    private static float MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void A_simplex_llama_run_from_an_AR_model_starts_from_its_weights_with_a_zero_timestep_layer()
    {
        var ar = TrainAr("ar");

        // Learning rate 0: the one step changes nothing, so the written weights are the ones the run started from.
        var output = Path.Combine(setup.Folder.FullName, "simplex");
        using (var objective = setup.CreateSimplexLlamaObjective(seed: 2))
        {
            var options = setup.Options(output, 1) with { Objective = SimplexDiffusionObjective.LlamaName, InitFrom = ar, PeakLearningRate = 0, MinLearningRate = 0, SimplexBlock = 8, StepsPerBlock = 10 };
            new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        }

        using var source = CheckpointFolder.Open(ar);
        using var result = CheckpointFolder.Open(Path.Combine(output, "checkpoint"));
        Assert.Equal(source.TensorNames.Count + 2, result.TensorNames.Count);
        foreach (var name in result.TensorNames)
        {
            using var actual = result.Load(name);
            if (name.StartsWith("timestep_layer.", StringComparison.Ordinal))
            {
                Assert.Equal(0f, actual.abs().max().item<float>());
                continue;
            }

            using var expected = source.Load(name);
            Assert.True(expected.eq(actual).all().item<bool>(), $"{name} is not the AR model's");
        }
    }

    [Fact]
    public void An_AR_model_of_another_shape_is_refused_naming_the_difference()
    {
        var ar = TrainAr("ar");
        var decoder = new LlamaConfig(400, 32, 96, 2, 4, 2, TinyTrainingSetup.Context);
        using var simplex = new SimplexLlamaDenoiser(new SimplexLlamaConfig(decoder, ShiftLogits: true));
        using var checkpoint = CheckpointFolder.Open(ar);

        var ex = Assert.Throws<ArgumentException>(() => LlamaToSimplexWeights.Load(checkpoint, simplex));

        Assert.Contains("intermediate size 64 vs 96", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ar, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_RoBERTa_simplex_objective_refuses_an_AR_start_and_names_simplex_llama()
    {
        var ar = TrainAr("ar");
        int pad = setup.SpecialIds[DiffusionChat.Prompting.ChatMarkers.Pad];
        var config = new SsdLmConfig(400, 32, 2, 4, 64, TinyTrainingSetup.Context + pad + 1, 1, pad, null, 1e-5);
        var sampling = SimplexDiffusionObjective.SampleOptions(setup.SpecialIds[DiffusionChat.Prompting.ChatMarkers.TurnEnd], 8, 10);
        var rows = new SimplexBlockRows(setup.SpecialIds[DiffusionChat.Prompting.ChatMarkers.TurnStart], setup.SpecialIds[DiffusionChat.Prompting.ChatMarkers.EndOfText], pad, 8, TinyTrainingSetup.Context);
        using var objective = new SimplexDiffusionObjective(config, CPU, 1, rows, sampling);

        var ex = Assert.Throws<ArgumentException>(() => TrainingCheckpoint.LoadWeights(ar, objective));

        Assert.Contains("simplex-llama", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Simplex_options_on_another_objective_and_a_block_as_long_as_the_context_are_refused_naming_the_value()
    {
        var masked = setup.Options("unused", 1) with { Objective = "masked", StepsPerBlock = 5 };
        var tooLong = setup.Options("unused", 1) with { Objective = SimplexDiffusionObjective.LlamaName, SimplexBlock = TinyTrainingSetup.Context };

        var wrongObjective = Assert.Throws<ArgumentException>(masked.ValidateObjectiveOptions);
        var wrongBlock = Assert.Throws<ArgumentException>(tooLong.ValidateObjectiveOptions);

        Assert.Contains("'masked'", wrongObjective.Message, StringComparison.Ordinal);
        Assert.Contains($"--simplex-block {TinyTrainingSetup.Context}", wrongBlock.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The smoke run: 20 steps of SSD-LM's objective from an AR model on the tiny setup; the held-out loss (fixed
    /// batches and noise) falls, and the written folder loads through the public client with its generation defaults.
    /// </summary>
    [Fact]
    public async Task Twenty_steps_from_an_AR_model_lower_the_held_out_loss_and_the_written_folder_answers_through_the_registered_client()
    {
        var ar = TrainAr("ar");
        var output = Path.Combine(setup.Folder.FullName, "simplex-run");
        var folder = Path.Combine(setup.Folder.FullName, "simplex-model");
        IReadOnlyList<TrainingLogEntry> history;
        using (var objective = setup.CreateSimplexLlamaObjective(seed: 2, blockLength: 8, stepsPerBlock: 10))
        {
            var options = setup.Options(output, 20) with
            {
                Objective = SimplexDiffusionObjective.LlamaName, InitFrom = ar, PeakLearningRate = 3e-3, MinLearningRate = 3e-4, SimplexBlock = 8, StepsPerBlock = 10,
            };
            (history, var finished) = new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
            Assert.True(finished);
            PretrainedFolderWriter.Write(folder, objective.ModelConfig, objective.Model, setup.TokenizerFolder, modelCard: null);
        }

        var first = history.First(e => e.HeldOutLoss is not null);
        var last = history.Last(e => e.HeldOutLoss is not null);
        log.WriteLine(string.Join("\n", history.Select(e => $"step {e.Step}: train {e.TrainLoss:F3} held-out {e.HeldOutLoss:F3}")));
        Assert.Equal(20, last.Step);
        Assert.True(last.HeldOutLoss < first.HeldOutLoss - 0.1, $"held-out loss {first.HeldOutLoss} at step {first.Step} -> {last.HeldOutLoss} at step 20");
        Assert.All(history, e => Assert.True(double.IsFinite(e.TrainLoss)));

        using (var parts = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" }))
        {
            var generator = Assert.IsType<SimplexTokenGenerator>(parts.Generator);
            Assert.Equal(8, generator.DefaultDiffusion.BlockLength);
            Assert.Equal(10, generator.DefaultDiffusion.Steps);
            Assert.Equal(TinyTrainingSetup.Context, generator.MaxSequenceLength);
        }

        var services = new ServiceCollection();
        services.AddDiffusionChatClient(o => o.ModelPath = folder);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        var options16 = new ChatOptions { MaxOutputTokens = 16, Seed = 1 };

        var response = await client.GetResponseAsync("What is 2 + 3?", options16);
        var again = await client.GetResponseAsync("What is 2 + 3?", options16);
        log.WriteLine($"answer: '{response.Text}' ({response.Usage?.OutputTokenCount} tokens, {response.FinishReason})");

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal(response.Text, again.Text); // same seed, same answer
        long tokens = response.Usage!.OutputTokenCount!.Value;
        Assert.InRange(tokens, 0, 16);
        // Every decoded 8-token block costs its 10 steps; the answer stops in the block where it ends.
        long blocks = response.FinishReason == ChatFinishReason.Length ? 2 : (tokens / 8) + 1;
        Assert.Equal(10 * blocks, response.Usage.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName]);
    }

    [Fact]
    public void Self_conditioned_training_steps_and_completions_leave_no_live_tensors_and_the_config_says_so()
    {
        using var objective = setup.CreateSimplexLlamaObjective(selfConditioning: true);
        IReadOnlyList<IReadOnlyList<int>> answers = [];

        TrainingMemoryTests.AssertStepsLeaveNoLiveTensors(objective, setup.Train, () => answers = objective.Complete([[5, 6, 7], [8]], maxNewTokens: 12, CancellationToken.None));

        Assert.Equal(2, answers.Count);
        Assert.True((bool)objective.ModelConfig["self_conditioning"]!);
        var refused = Assert.Throws<ArgumentException>((setup.Options("unused", 1) with { Objective = "simplex", SelfConditioning = true }).ValidateObjectiveOptions);
        Assert.Contains("--self-conditioning", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_conditioned_loss_falls_on_a_fixed_batch()
    {
        using var objective = setup.CreateSimplexLlamaObjective(selfConditioning: true);
        using var batch = setup.Train.Batch(seed: 3, step: 0, batchSize: 4, CPU);
        using var optimizer = optim.Adam(objective.Model.parameters(), lr: 3e-3);
        var before = FixedNoiseLoss(objective, batch);
        using var generator = new Generator(11);

        for (int step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = objective.Loss(batch, generator);
            Assert.True(float.IsFinite(loss.item<float>()), $"loss {loss.item<float>()} at step {step}");
            loss.backward();
            optimizer.step();
        }

        var after = FixedNoiseLoss(objective, batch);
        Assert.True(after < before - 1.0, $"fixed-noise loss {before} -> {after}");
    }

    private static float FixedNoiseLoss(ITrainingObjective objective, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(7);
        return objective.Loss(batch, generator).item<float>();
    }

    private string TrainAr(string name)
    {
        var folder = Path.Combine(setup.Folder.FullName, name);
        if (!Directory.Exists(folder))
        {
            using var objective = setup.CreateObjective();
            new TrainingRun(setup.Options(folder, 2) with { PeakLearningRate = 1e-2 }, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        }

        return Path.Combine(folder, "checkpoint");
    }
}

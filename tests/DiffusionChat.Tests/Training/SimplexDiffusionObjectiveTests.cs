using DiffusionChat.Hosting;
using DiffusionChat.Generation;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Prompting;
using DiffusionChat.Sampling.Simplex;
using DiffusionChat.Trainer.Checkpoints;
using DiffusionChat.Trainer.Training;
using DiffusionChat.Trainer.Training.Simplex;
using Microsoft.Extensions.AI;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class SimplexDiffusionObjectiveTests : IDisposable
{
    private const int BlockLength = 8;

    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    /// <summary>
    /// A batch of chat rows that all keep an answer (a batch is all chats or all plain text, and chats longer than the
    /// tiny context are cut, which can cut every answer away).
    /// </summary>
    private TrainingBatch FirstChatBatch()
    {
        for (int step = 0; ; step++)
        {
            var batch = setup.Train.Batch(seed: 1, step, batchSize: 16, CPU);
            if (batch.InputIds[0, 0].item<long>() == setup.SpecialIds[ChatMarkers.TurnStart] && batch.LossMask.any(1).all().item<bool>())
            {
                return batch;
            }

            batch.Dispose();
        }
    }

    [Fact]
    public void Blocks_start_at_answer_offsets_the_sampler_decodes_and_the_context_is_the_clean_row_before_them()
    {
        using var objective = CreateObjective(positions: TinyTrainingSetup.Context + BlockLength); // room for every block: no context is cut
        using var scope = NewDisposeScope();
        using var batch = FirstChatBatch();
        using var generator = new Generator(3);

        var (blocks, noisy, _) = objective.ApplyNoise(batch, generator);
        using (blocks)
        {
            var ids = batch.InputIds.data<long>().ToArray();
            var loss = batch.LossMask.data<bool>().ToArray();
            var contexts = blocks.ContextIds.data<long>().ToArray();
            var mask = blocks.AttentionMask.data<long>().ToArray();
            var blockIds = blocks.BlockIds.data<long>().ToArray();
            int length = (int)batch.InputIds.shape[1], width = (int)blocks.ContextIds.shape[1];
            int chatRows = 0;
            for (int r = 0; r < 16; r++)
            {
                int contextLength = (int)mask.AsSpan(r * (width + BlockLength), width).ToArray().Sum();
                var context = contexts.AsSpan((r * width) + width - contextLength, contextLength).ToArray();
                Assert.Equal(ids.AsSpan(r * length, contextLength).ToArray(), context); // the row's own prefix, unchanged
                Assert.All(contexts.AsSpan(r * width, width - contextLength).ToArray(), id => Assert.Equal(setup.SpecialIds[ChatMarkers.Pad], id));
                if (ids[r * length] != setup.SpecialIds[ChatMarkers.TurnStart])
                {
                    continue;
                }

                chatRows++;
                int answerStart = contextLength; // walk back to the start of the answer span the block lies in
                while (answerStart > 0 && loss[(r * length) + answerStart - 1])
                {
                    answerStart--;
                }

                Assert.False(loss[(r * length) + answerStart - 1], "an answer's context must end with the prompt, never inside another turn");
                Assert.Equal(0, (contextLength - answerStart) % BlockLength);
                Assert.True(loss[(r * length) + contextLength], "the block starts on an answer token");
                var expected = Enumerable.Range(contextLength, BlockLength)
                    .Select(i => i < length && loss[(r * length) + i] ? ids[(r * length) + i] : setup.SpecialIds[ChatMarkers.EndOfText]);
                Assert.Equal(expected, blockIds.AsSpan(r * BlockLength, BlockLength).ToArray());
            }

            Assert.True(chatRows > 8, $"only {chatRows} chat rows");
            Assert.Equal([16, BlockLength, (long)Roberta(objective).Config.VocabSize], noisy.shape);
        }
    }

    [Fact]
    public void Contexts_longer_than_the_model_keep_their_latest_tokens()
    {
        var rows = new SimplexBlockRows(TurnStartId: 999, EndOfSequenceId: 998, PadId: 997, BlockLength: 8, MaxSequenceLength: 40);
        using var scope = NewDisposeScope();
        var ids = arange(100, 260, dtype: ScalarType.Int64).unsqueeze(0); // one plain-text row of 160 tokens
        using var batch = new TrainingBatch(ids, ones(1, 160, ScalarType.Bool), ones(1, 160, ScalarType.Bool));
        using var generator = new Generator(1);

        for (int draw = 0; draw < 20; draw++)
        {
            using var blocks = rows.Build(batch, generator);
            var context = blocks.ContextIds[0].data<long>().ToArray();
            var block = blocks.BlockIds[0].data<long>().ToArray();
            Assert.True(context.Length <= 32, $"context of {context.Length} tokens");
            Assert.Equal(Enumerable.Range((int)block[0] - context.Length, context.Length + 8).Select(i => (long)i), context.Concat(block));
        }
    }

    [Fact]
    public void Fill_after_the_answer_end_weighs_FillWeight_answer_tokens_weigh_one_and_rows_without_answer_weigh_zero()
    {
        var rows = new SimplexBlockRows(TurnStartId: 999, EndOfSequenceId: 998, PadId: 997, BlockLength: 8, MaxSequenceLength: 40);
        using var scope = NewDisposeScope();
        // Row 0: a prompt of 4 tokens, then an answer of 3 (one block of 3 answer tokens + 5 fill). Row 1: a chat without answer.
        var ids = tensor(new long[] { 999, 10, 11, 12, 20, 21, 22, 997, 997, 997, 999, 10, 11, 12, 13, 14, 15, 16, 17, 18 }, [2, 10]);
        var loss = tensor(new[] { false, false, false, false, true, true, true, false, false, false, false, false, false, false, false, false, false, false, false, false }, [2, 10]);
        using var batch = new TrainingBatch(ids, loss, ones(2, 10, ScalarType.Bool));
        using var generator = new Generator(1);

        using var blocks = rows.Build(batch, generator);

        Assert.Equal([20L, 21, 22, 998, 998, 998, 998, 998], blocks.BlockIds[0].data<long>().ToArray());
        Assert.Equal([1f, 1, 1, SimplexBlockRows.FillWeight, SimplexBlockRows.FillWeight, SimplexBlockRows.FillWeight, SimplexBlockRows.FillWeight, SimplexBlockRows.FillWeight],
            blocks.LossWeights[0].data<float>().ToArray());
        Assert.All(blocks.LossWeights[1].data<float>().ToArray(), w => Assert.Equal(0f, w));
    }

    [Fact]
    public void Loss_is_the_weighted_mean_cross_entropy_so_fill_positions_count_FillWeight_each()
    {
        using var objective = CreateObjective();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = FirstChatBatch();
        using var forLoss = new Generator(21);
        using var forNoise = new Generator(21); // same draws as the loss makes
        var bias = Roberta(objective).named_parameters().Single(p => p.name == "lm_head.bias").parameter;
        bias[setup.SpecialIds[ChatMarkers.EndOfText]] = tensor(-30f); // fill positions now cost ~30 nats, answer tokens ~ln V: the means differ

        var loss = objective.Loss(batch, forLoss).item<float>();
        var (blocks, noisy, times) = objective.ApplyNoise(batch, forNoise);
        using (blocks)
        {
            var score = Roberta(objective).EquivalentScore(blocks.ContextIds, noisy, times, objective.Sampling.Steps, blocks.AttentionMask);
            var perPosition = nn.functional.cross_entropy(score.reshape(-1, score.shape[2]), blocks.BlockIds.reshape(-1), reduction: nn.Reduction.None);
            var isFill = blocks.BlockIds.reshape(-1).eq(setup.SpecialIds[ChatMarkers.EndOfText]);
            var weights = where(isFill, SimplexBlockRows.FillWeight, 1f);
            var expected = ((perPosition * weights).sum() / weights.sum()).item<float>();

            Assert.True(isFill.any().item<bool>(), "the batch must have fill positions for this test to mean anything");
            Assert.Equal(expected, loss, 4);
            Assert.True(perPosition.mean().item<float>() > loss + 1, "the plain mean over all positions would weigh the fill fully");
        }
    }

    [Fact]
    public void Only_the_block_is_noised_the_prompt_enters_as_clean_embeddings()
    {
        using var objective = CreateObjective();
        using var scope = NewDisposeScope();
        using var batch = setup.Train.Batch(seed: 2, step: 0, batchSize: 4, CPU);
        using var first = new Generator(5);
        var (blocksA, noisyA, timesA) = objective.ApplyNoise(batch, first);
        var (blocksB, noisyB, timesB) = objective.ApplyNoise(batch, first); // other noise (other blocks too; only its noise is used)
        blocksB.Dispose();
        int steps = objective.Sampling.Steps;

        using (blocksA)
        {
            var a = Roberta(objective).InputsEmbeds(blocksA.ContextIds, noisyA, timesA, steps);
            var b = Roberta(objective).InputsEmbeds(blocksA.ContextIds, noisyB, timesB, steps);
            long width = blocksA.ContextIds.shape[1];

            Assert.Equal(0f, (a.narrow(1, 0, width) - b.narrow(1, 0, width)).abs().max().item<float>());
            Assert.True((a.narrow(1, width, BlockLength) - b.narrow(1, width, BlockLength)).abs().min().item<float>() > 0, "every block position must carry its noise");
            Assert.True(timesA.ge(1).all().item<bool>() && timesA.le(steps).all().item<bool>(), "t outside 1..T");
        }
    }

    [Fact]
    public void Noisy_block_is_the_cosine_schedule_mix_of_the_plus_minus_K_block_and_K_scaled_Gaussian_noise()
    {
        using var objective = CreateObjective();
        using var scope = NewDisposeScope();
        using var batch = setup.Train.Batch(seed: 1, step: 0, batchSize: 64, CPU);
        using var generator = new Generator(8);
        var schedule = new CosineAlphaBarSchedule(objective.Sampling.Steps);
        double k = objective.Sampling.SimplexValue;

        var (blocks, noisy, times) = objective.ApplyNoise(batch, generator);
        using (blocks)
        {
            var clean = nn.functional.one_hot(blocks.BlockIds, Roberta(objective).Config.VocabSize).to_type(ScalarType.Float32) * (2 * k) - k;
            var t = times.data<float>().ToArray();
            for (int r = 0; r < 64; r++)
            {
                double alphaBar = schedule.AlphaBar((int)t[r]);
                var residual = (noisy[r] - (clean[r] * Math.Sqrt(alphaBar))) / Math.Sqrt(1 - alphaBar) / k; // should be N(0, 1)
                Assert.InRange(residual.std().item<float>(), 0.9, 1.1);
                Assert.InRange(residual.mean().item<float>(), -0.1, 0.1);
            }
        }
    }

    [Fact]
    public void Same_seeds_give_the_same_loss()
    {
        using var a = CreateObjective(seed: 4);
        using var b = CreateObjective(seed: 4);
        using var scope = NewDisposeScope();
        using var batch = setup.Train.Batch(seed: 1, step: 0, batchSize: 8, CPU);
        using var first = new Generator(7);
        using var second = new Generator(7);

        var lossA = a.Loss(batch, first).item<float>();
        torch.manual_seed(999); // the global generator must play no part
        using var unrelated = rand(10);
        var lossB = b.Loss(batch, second).item<float>();

        Assert.Equal(lossA, lossB);
    }

    [Fact]
    public void Loss_is_finite_and_falls_on_a_fixed_batch_over_30_optimizer_steps()
    {
        using var objective = CreateObjective();
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
        Assert.True(float.IsFinite(before) && after < before - 1.0, $"fixed-noise loss {before} -> {after}");
    }

    [Fact]
    public async Task Folder_written_after_two_training_steps_loads_in_the_library_and_the_chat_client_answers()
    {
        using var objective = CreateObjective(seed: 3);
        var options = setup.Options(Path.Combine(setup.Folder.FullName, "simplex"), steps: 2) with { Objective = "simplex", BatchSize = 4 };
        var (_, finished) = new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        var folder = Path.Combine(setup.Folder.FullName, "simplex-model");
        PretrainedFolderWriter.Write(folder, objective.ModelConfig, objective.Model, setup.TokenizerFolder, modelCard: null);

        using var model = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" });
        var generator = Assert.IsType<SimplexTokenGenerator>(model.Generator);
        Assert.True(finished);
        Assert.Equal(objective.Sampling.BlockLength, generator.DefaultDiffusion.BlockLength);
        Assert.Equal(objective.Sampling.Steps, generator.DefaultDiffusion.Steps);
        Assert.Equal(TinyTrainingSetup.Context, generator.MaxSequenceLength);
        AssertSameScores(objective, folder);

        using var client = new DiffusionChatClient(model);
        var response = await client.GetResponseAsync("What is 2 + 3?", new ChatOptions { MaxOutputTokens = 16, Seed = 1 });

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.False(string.IsNullOrEmpty(response.Text), "the model should write something");
        long tokens = response.Usage!.OutputTokenCount!.Value;
        Assert.InRange(tokens, 1, 16);
        Assert.Equal(response.FinishReason == ChatFinishReason.Length, tokens == 16);
        // The simplex sampler runs all its steps on every block it decodes: 8-token blocks, up to two for 16 tokens.
        long blocks = response.FinishReason == ChatFinishReason.Length ? 2 : (tokens / BlockLength) + 1;
        Assert.Equal(objective.Sampling.Steps * blocks, response.Usage.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName]);
    }

    [Fact]
    public void Training_steps_and_completions_leave_no_live_tensors_behind()
    {
        using var objective = CreateObjective();
        IReadOnlyList<IReadOnlyList<int>> answers = [];

        TrainingMemoryTests.AssertStepsLeaveNoLiveTensors(objective, setup.Train, () => answers = objective.Complete([[5, 6, 7], [8]], maxNewTokens: 12, CancellationToken.None));

        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.InRange(a.Count, 0, 12));
    }

    [Fact]
    public void Create_gives_the_same_weights_for_the_same_seed_and_zero_padding_rows()
    {
        var config = Config();
        using var a = SsdLmDenoiser.Create(config, CPU, 11);
        using var b = SsdLmDenoiser.Create(config, CPU, 11);
        using var c = SsdLmDenoiser.Create(config, CPU, 12);
        var (wa, wb, wc) = (a.state_dict(), b.state_dict(), c.state_dict());

        Assert.All(wa.Keys, key => Assert.True(wa[key].eq(wb[key]).all().item<bool>(), key));
        Assert.False(wa["embed_sum_layer.weight"].eq(wc["embed_sum_layer.weight"]).all().item<bool>());
        Assert.Equal(0f, wa["roberta.embeddings.word_embeddings.weight"][config.PadTokenId].abs().max().item<float>());
        Assert.Equal(1f, wa["roberta.encoder.layer.0.output.LayerNorm.weight"].min().item<float>());
        Assert.All(a.parameters(), p => Assert.True(p.requires_grad));
    }

    private static void AssertSameScores(SimplexDiffusionObjective objective, string folder)
    {
        using var scope = NewDisposeScope();
        using var loaded = SsdLmDenoiser.Load(folder);
        using var generator = new Generator(2);
        var context = tensor(new long[] { 5, 17, 3, 40 }, [1, 4]);
        var noisy = randn([1, BlockLength, Roberta(objective).Config.VocabSize], generator: generator) * 5;
        var t = tensor(new[] { 3f });

        var expected = Roberta(objective).EquivalentScore(context, noisy, t, objective.Sampling.Steps);
        var actual = loaded.EquivalentScore(context, noisy, t, objective.Sampling.Steps);

        Assert.Equal(Roberta(objective).Config, loaded.Config);
        Assert.Equal(0f, (actual - expected).abs().max().item<float>());
    }

    private static float FixedNoiseLoss(ITrainingObjective objective, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(7);
        return objective.Loss(batch, generator).item<float>();
    }

    private SsdLmConfig Config(int positions = TinyTrainingSetup.Context)
    {
        int pad = setup.SpecialIds[ChatMarkers.Pad];
        return new SsdLmConfig(setup.SpecialIds.Values.Max() + 1, 32, 2, 4, 64, positions + pad + 1, 1, pad, setup.SpecialIds[ChatMarkers.EndOfText], 1e-5);
    }

    private SimplexDiffusionObjective CreateObjective(int seed = 1, int positions = TinyTrainingSetup.Context)
    {
        var sampling = SimplexDiffusionObjective.SampleOptions(setup.SpecialIds[ChatMarkers.TurnEnd]) with { BlockLength = BlockLength, Steps = 10 };
        var rows = new SimplexBlockRows(setup.SpecialIds[ChatMarkers.TurnStart], setup.SpecialIds[ChatMarkers.EndOfText], setup.SpecialIds[ChatMarkers.Pad], BlockLength, positions);
        return new SimplexDiffusionObjective(Config(positions), CPU, seed, rows, sampling);
    }

    /// <summary>The RoBERTa (released SSD-LM layout) denoiser these tests train.</summary>
    private static SsdLmDenoiser Roberta(SimplexDiffusionObjective objective) => Assert.IsType<SsdLmDenoiser>(objective.Denoiser);
}

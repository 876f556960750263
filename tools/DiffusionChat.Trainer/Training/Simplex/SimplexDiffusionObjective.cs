using System.Text.Json.Nodes;
using DiffusionChat.Generation;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling.Simplex;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training.Simplex;

/// <summary>
/// SSD-LM's training objective (Han et al. 2023, Sec. 3 and Alg. 1; xhan77/ssd-lm <c>ssd_model_train.py</c>) on one of
/// the engine's simplex denoisers, so the trained folder loads in the library: the released layout
/// (<see cref="SsdLmDenoiser"/>, <c>model_type</c> <c>roberta</c> with <c>embed_sum_layer</c>) or our LLaMA-style one
/// (<see cref="SimplexLlamaDenoiser"/>, <c>simplex-llama</c>). The clean block becomes almost-one-hot simplex logits
/// (+K on the token, -K elsewhere), is noised at a uniformly drawn timestep of the cosine alpha-bar schedule, and the
/// denoiser, given the clean context, the noisy block and the timestep, is trained with cross-entropy to recover the
/// block's tokens.
/// </summary>
/// <remarks>
/// Per row: t ~ U{1..T}, x_t = sqrt(alpha_bar(t)) * w + sqrt(1 - alpha_bar(t)) * K * eps with eps ~ N(0, I), the
/// same T, schedule, K and timestep input t / T that <see cref="SimplexSampler"/> uses when decoding with
/// <see cref="SampleOptions"/> (written as <c>generation_defaults</c>). Which block a row trains on and what its
/// context is comes from <see cref="SimplexBlockRows"/>; only block positions are noised and carry loss, the
/// context enters as clean word embeddings. The loss is the cross-entropy over block positions, averaged with the
/// rows' <see cref="SimplexBlockBatch.LossWeights"/> (the fill after an answer's end weighs
/// <see cref="SimplexBlockRows.FillWeight"/>).
/// </remarks>
internal sealed class SimplexDiffusionObjective : ITrainingObjective
{
    private readonly ISimplexDenoiser denoiser;
    private readonly nn.Module module;
    private readonly Func<JsonObject> architecture;
    private readonly SimplexBlockRows rows;
    private readonly SimplexSamplerOptions sampling;
    private readonly Tensor alphaBars;

    /// <summary>SSD-LM's released layout: a freshly initialised RoBERTa <see cref="SsdLmDenoiser"/> (<c>--objective simplex</c>).</summary>
    /// <param name="config">The architecture (pad and EOS ids included).</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <param name="rows">How batch rows become blocks; its block length must be the sampler's.</param>
    /// <param name="sampling">Decoding settings: T, K and the block length trained for, and the model card's samples.</param>
    /// <exception cref="ArgumentException">The rows' block length differs from the sampler's, or rows do not fit the model.</exception>
    public SimplexDiffusionObjective(SsdLmConfig config, Device device, int seed, SimplexBlockRows rows, SimplexSamplerOptions sampling)
        : this("simplex", Created(() => SsdLmDenoiser.Create(Checked(config), device, seed)), rows, sampling, device)
    {
    }

    /// <summary>
    /// Our LLaMA-style <see cref="SimplexLlamaDenoiser"/> (<c>--objective simplex-llama</c>), freshly initialised; with
    /// <c>--init-from</c> an AR folder, <see cref="TrainingCheckpoint.LoadWeights"/> then copies the AR weights in.
    /// </summary>
    /// <inheritdoc cref="SimplexDiffusionObjective(SsdLmConfig, Device, int, SimplexBlockRows, SimplexSamplerOptions)"/>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <param name="rows">How batch rows become blocks.</param>
    /// <param name="sampling">Decoding settings.</param>
    public SimplexDiffusionObjective(SimplexLlamaConfig config, Device device, int seed, SimplexBlockRows rows, SimplexSamplerOptions sampling)
        : this(LlamaName, Created(() => SimplexLlamaDenoiser.Create(Checked(config), device, seed)), rows, sampling, device)
    {
    }

    private SimplexDiffusionObjective(string name, (ISimplexDenoiser Denoiser, nn.Module Module, Func<JsonObject> Architecture) model, SimplexBlockRows rows, SimplexSamplerOptions sampling, Device device)
    {
        (denoiser, module, architecture) = model;
        try
        {
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(sampling);
            sampling.Validate();
            if (rows.BlockLength != sampling.BlockLength || rows.MaxSequenceLength > denoiser.MaxSequenceLength)
            {
                throw new ArgumentException(
                    $"rows use block length {rows.BlockLength} and {rows.MaxSequenceLength} positions; the sampler decodes blocks of {sampling.BlockLength} " +
                    $"and the model has {denoiser.MaxSequenceLength} positions.", nameof(rows));
            }
        }
        catch
        {
            denoiser.Dispose();
            throw;
        }

        Name = name;
        this.rows = rows;
        this.sampling = sampling;
        var schedule = new CosineAlphaBarSchedule(sampling.Steps);
        alphaBars = tensor(Enumerable.Range(0, sampling.Steps + 1).Select(t => (float)schedule.AlphaBar(t)).ToArray(), device: device);
    }

    /// <summary>The <c>--objective</c> name of the LLaMA-style simplex model.</summary>
    public const string LlamaName = "simplex-llama";

    public string Name { get; }

    /// <summary>The denoiser module itself: its state-dict names are the checkpoint keys.</summary>
    public nn.Module Model => module;

    /// <summary>The denoiser being trained.</summary>
    public ISimplexDenoiser Denoiser => denoiser;

    /// <summary>The decoding settings the objective trains for.</summary>
    public SimplexSamplerOptions Sampling => sampling;

    /// <summary>Default block length of the shipped decoding (<c>--simplex-block</c>).</summary>
    public const int DefaultBlockLength = 16;

    /// <summary>Default denoising steps per block, T (<c>--steps-per-block</c>).</summary>
    public const int DefaultStepsPerBlock = 50;

    /// <summary>
    /// The decoding settings shipped as <c>generation_defaults</c>: by default blocks of 16 (a chat answer here is
    /// ~20-40 tokens, so 2-3 blocks, each conditioned on the finished ones), T = 50 steps per block (the library's
    /// default; one model call each, so a 48-token answer costs 150 calls on a 2-core CPU), K = 5 and top-p 0.2 as in
    /// the paper, stopping at <c>&lt;|im_end|&gt;</c>. T is also the training horizon: t ~ U{1..T}, input t / T.
    /// </summary>
    /// <param name="endOfTurnId">The <c>&lt;|im_end|&gt;</c> id.</param>
    /// <param name="blockLength">Block length (<c>--simplex-block</c>).</param>
    /// <param name="stepsPerBlock">T (<c>--steps-per-block</c>).</param>
    public static SimplexSamplerOptions SampleOptions(int endOfTurnId, int blockLength = DefaultBlockLength, int stepsPerBlock = DefaultStepsPerBlock) => new()
    {
        BlockLength = blockLength,
        Steps = stepsPerBlock,
        SimplexValue = 5.0,
        TopP = 0.2,
        Projection = SimplexProjection.TopPMultiHot,
        ContextOverflow = SimplexContextOverflow.DropOldest,
        EndOfSequenceTokenId = endOfTurnId,
    };

    public JsonObject ModelConfig
    {
        get
        {
            var config = architecture();
            config[GenerationDefaults.ConfigKey] = new JsonObject
            {
                ["steps"] = sampling.Steps,
                ["block_length"] = sampling.BlockLength,
            };
            return config;
        }
    }

    /// <summary>Cuts the blocks, draws t per row and noises the blocks' simplex logits.</summary>
    /// <returns>The clean blocks with their contexts, the noisy simplex logits x_t [B, L, V] and t [B] (float32), all owned by the caller.</returns>
    public (SimplexBlockBatch Blocks, Tensor Noisy, Tensor Timesteps) ApplyNoise(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        var blocks = rows.Build(batch, generator);
        using var scope = NewDisposeScope();
        var (count, length) = (blocks.BlockIds.shape[0], blocks.BlockIds.shape[1]);
        var device = blocks.BlockIds.device;
        double k = sampling.SimplexValue;
        var t = randint(1, sampling.Steps + 1, [count], ScalarType.Int64, device, generator: generator);
        var alphaBar = alphaBars.index_select(0, t).view(count, 1, 1);
        var clean = LogitsProjection.TokenSimplex(blocks.BlockIds, denoiser.VocabSize, k, ScalarType.Float32);
        var noise = randn([count, length, denoiser.VocabSize], ScalarType.Float32, device, generator: generator).Times(k);
        var noisy = (alphaBar.sqrt() * clean).Plus(alphaBar.SubtractedFrom(1).sqrt() * noise);
        return (blocks, noisy.MoveToOuterDisposeScope(), t.to_type(ScalarType.Float32).MoveToOuterDisposeScope());
    }

    public Tensor Loss(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var (blocks, noisy, timesteps) = ApplyNoise(batch, generator);
        using (blocks)
        {
            var score = Score(blocks, noisy, timesteps, generator); // [B, L, V]
            var perPosition = nn.functional.cross_entropy(score.reshape(-1, denoiser.VocabSize), blocks.BlockIds.reshape(-1), reduction: nn.Reduction.None);
            var weights = blocks.LossWeights.reshape(-1);
            // clamp: a batch whose rows all lost their answer to the context cut weighs 0 and gives loss 0, not NaN.
            var loss = (perPosition * weights).sum() / weights.sum().ClampMin(1);
            return loss.MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// The block's predicted logits with autograd. A self-conditioned model (Chen et al. 2022, as TESS trains it) gets,
    /// in half of the batches, its own prediction for the same input computed first without gradients, so it learns
    /// both of the sampler's cases: a block's first step (no previous prediction) and every later step.
    /// </summary>
    private Tensor Score(SimplexBlockBatch blocks, Tensor noisy, Tensor timesteps, Generator generator)
    {
        if (denoiser is not ISelfConditionedSimplexDenoiser { SelfConditioning: true } conditioned)
        {
            return denoiser.TrainingScore(blocks.ContextIds, noisy, timesteps, sampling.Steps, blocks.AttentionMask);
        }

        using var coin = rand([1], ScalarType.Float32, noisy.device, generator: generator);
        if (coin.item<float>() >= 0.5f)
        {
            return conditioned.TrainingScore(blocks.ContextIds, noisy, timesteps, sampling.Steps, blocks.AttentionMask, previousScore: null);
        }

        using var scope = NewDisposeScope();
        Tensor previous;
        using (no_grad())
        {
            previous = conditioned.TrainingScore(blocks.ContextIds, noisy, timesteps, sampling.Steps, blocks.AttentionMask, previousScore: null);
        }

        return conditioned.TrainingScore(blocks.ContextIds, noisy, timesteps, sampling.Steps, blocks.AttentionMask, previous).MoveToOuterDisposeScope();
    }

    /// <summary>Answers of the engine's simplex sampler with <see cref="Sampling"/> (multi-hot top-p projection, fixed noise seeds).</summary>
    public IReadOnlyList<IReadOnlyList<int>> Complete(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNewTokens);
        if (prompts.Count == 0)
        {
            return [];
        }

        var options = sampling with { MaxBlocks = (maxNewTokens + sampling.BlockLength - 1) / sampling.BlockLength };
        var sampler = new SimplexSampler(denoiser, options);
        using var noise = new GeneratorNoiseSource(denoiser.Device, prompts.Select((_, row) => (ulong)row).ToList());
        var generation = sampler.Generate(prompts, noise, null, cancellationToken);
        var endOfSequence = (int)rows.EndOfSequenceId;
        return generation.Rows
            .Select(r => (IReadOnlyList<int>)r.TokenIds.TakeWhile(id => id != endOfSequence).Take(maxNewTokens).ToList())
            .ToList();
    }

    public void Dispose()
    {
        alphaBars.Dispose();
        denoiser.Dispose();
    }

    private static T Checked<T>(T config)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(config);
        return config;
    }

    private static (ISimplexDenoiser, nn.Module, Func<JsonObject>) Created(Func<SsdLmDenoiser> create)
    {
        var created = create();
        return (created, created, created.Config.ToJson);
    }

    private static (ISimplexDenoiser, nn.Module, Func<JsonObject>) Created(Func<SimplexLlamaDenoiser> create)
    {
        var created = create();
        return (created, created, created.Config.ToJson);
    }
}

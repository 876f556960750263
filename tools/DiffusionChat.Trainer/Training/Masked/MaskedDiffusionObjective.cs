using System.Text.Json.Nodes;
using DiffusionChat.Models.Llada;
using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training.Masked;

/// <summary>
/// The MDLM objective (Sahoo et al. 2024; kuleshov-group/mdlm <c>diffusion.py</c>) on the engine's
/// <see cref="LladaDenoiser"/>, so the trained folder loads in the library (<c>model_type</c> <c>llada</c>):
/// absorbing-state masking with the log-linear schedule, SUBS parameterisation and the continuous-time ELBO weight,
/// masking only answer tokens so prompts stay visible as conditioning, on LLaDA-style SFT rows
/// (<see cref="SupervisedRows"/>: one assistant turn per chat row, EOS-padded and trained on).
/// </summary>
/// <remarks>
/// Per row: t = eps + (1 - eps) u with u stratified over the batch (MDLM's low-discrepancy sampling); each trained
/// token becomes <c>&lt;|mask|&gt;</c> with probability t (log-linear: alpha_t = 1 - t); the mask logit is forced to
/// -inf (SUBS: the model never predicts the absorbing state; unmasked positions carry no loss); the loss is
/// -log p(x0) on masked positions weighted by dsigma/expm1(sigma) = 1/t, summed and divided by the number of trained
/// tokens.
/// </remarks>
internal sealed class MaskedDiffusionObjective : ITrainingObjective
{
    private const double MinimumTime = 1e-3;

    private readonly LladaDenoiser denoiser;
    private readonly CheckpointModule checkpointModule;
    private readonly SupervisedRows rows;
    private readonly long padTokenId;
    private readonly int context;
    private readonly BlockWiseMasking masking;
    private readonly PrefixMasking prefixMasking;
    private readonly int samplerBlock;
    private readonly double? samplerThreshold;
    private readonly double certaintyWeight;

    /// <param name="config">The architecture (mask and EOS ids included).</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <param name="rows">How chat rows become SFT rows.</param>
    /// <param name="padTokenId">The tokenizer's pad id (written to config.json).</param>
    /// <param name="context">Training context (config.json's max_sequence_length).</param>
    /// <param name="blockWiseShare">
    /// Share of training rows masked as the block-wise sampler meets them (<see cref="BlockWiseMasking"/>, with the
    /// default sampler's block length); 0 = MDLM's masking only. Held-out batches always use MDLM's masking.
    /// </param>
    /// <param name="prefixShare">
    /// Share of training rows masked with a clean answer prefix (<see cref="PrefixMasking"/>); 0 = none. Not together
    /// with <paramref name="blockWiseShare"/>. Held-out batches always use MDLM's masking.
    /// </param>
    /// <param name="samplerBlock">
    /// The block length of the sampler settings written as <c>generation_defaults</c> (one token per step), which is also
    /// the block of <paramref name="blockWiseShare"/>'s rows; a divisor of the 64-token answer window.
    /// </param>
    /// <param name="samplerThreshold">The confidence threshold of the written sampler settings; null = one token per step.</param>
    /// <param name="certaintyWeight">Weight of the certainty-forcing term (<see cref="TrainingOptions.CertaintyWeight"/>); 0 = off.</param>
    /// <exception cref="ArgumentException">Both shares are above 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samplerBlock"/> does not divide the answer window, the threshold is outside (0, 1] or the weight is negative.</exception>
    public MaskedDiffusionObjective(LladaConfig config, Device device, int seed, SupervisedRows rows, long padTokenId, int context, double blockWiseShare = 0, double prefixShare = 0, int samplerBlock = DefaultSamplerBlock,
        double? samplerThreshold = null, double certaintyWeight = 0)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ValidateSamplerBlock(samplerBlock);
        if (samplerThreshold is { } threshold && !(threshold > 0 && threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(samplerThreshold), samplerThreshold, "The sampler's confidence threshold must be in (0, 1].");
        }

        if (!(certaintyWeight >= 0) || !double.IsFinite(certaintyWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(certaintyWeight), certaintyWeight, "The certainty-forcing weight must be a finite number >= 0.");
        }

        this.samplerBlock = samplerBlock;
        this.samplerThreshold = samplerThreshold;
        this.certaintyWeight = certaintyWeight;
        if (blockWiseShare > 0 && prefixShare > 0)
        {
            throw new ArgumentException($"Block-wise masking (share {blockWiseShare}) and clean-prefix masking (share {prefixShare}) are alternatives; give one of them.", nameof(prefixShare));
        }

        masking = new BlockWiseMasking(blockWiseShare, samplerBlock);
        prefixMasking = new PrefixMasking(prefixShare);
        denoiser = LladaDenoiser.Create(config, device, seed);
        checkpointModule = new CheckpointModule(denoiser.Transformer);
        this.rows = rows;
        this.padTokenId = padTokenId;
        this.context = context;
    }

    public string Name => "masked";

    /// <summary>Room for the longest EOS tail after the longest chat, so trimmed batches still train full tails.</summary>
    public int ChatRowPadding => rows.MaxEndOfSequenceTail;

    /// <summary>A module whose state-dict names are the checkpoint keys (<c>model.transformer.*</c>).</summary>
    public nn.Module Model => checkpointModule;

    /// <summary>The denoiser being trained.</summary>
    public LladaDenoiser Denoiser => denoiser;

    /// <summary>The answer window of the written sampler settings, in tokens.</summary>
    public const int AnswerWindow = 64;

    /// <summary>
    /// The default block of the written sampler settings: 4 tokens, chosen on held-out conversations of another seed (99)
    /// than the reported eval's (1234) among blocks of 32, 8, 4, 2 and 1 for the session-5 model (<c>docs/training.md</c>,
    /// "Session 5 runs"). With 32-token blocks the confident end-of-answer tokens fill the block's far end first and meet
    /// the copied name too early. Another model may do better with another block (<c>--sampler-block</c>).
    /// </summary>
    public const int DefaultSamplerBlock = 4;

    /// <summary>Whether a block length divides the answer window (a whole number of blocks per answer).</summary>
    public static bool DividesAnswerWindow(int blockLength) => blockLength >= 1 && AnswerWindow % blockLength == 0;

    /// <summary>Rejects a sampler block that does not divide the answer window.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The block is not a divisor of <see cref="AnswerWindow"/>.</exception>
    public static void ValidateSamplerBlock(int blockLength)
    {
        if (!DividesAnswerWindow(blockLength))
        {
            throw new ArgumentOutOfRangeException(nameof(blockLength), blockLength, $"The sampler block must divide the {AnswerWindow}-token answer window (1, 2, 4, 8, 16, 32 or 64).");
        }
    }

    /// <summary>
    /// Sampler settings written as <c>generation_defaults</c> and used for the model card's samples: one token per step,
    /// or with <paramref name="threshold"/> every position above it (at least one per step).
    /// </summary>
    /// <param name="endOfTurnId">The chat template's end-of-turn id, a stop token.</param>
    /// <param name="blockLength">Tokens per block (<see cref="DefaultSamplerBlock"/> unless the run chose another).</param>
    /// <param name="threshold">Fast-dLLM's confidence threshold; null = none.</param>
    public static MaskedSamplerOptions SampleOptions(long endOfTurnId, int blockLength = DefaultSamplerBlock, double? threshold = null) => new()
    {
        AnswerLength = AnswerWindow,
        BlockLength = blockLength,
        StepsPerBlock = blockLength,
        Remasking = RemaskingStrategy.LowConfidence,
        ConfidenceThreshold = threshold,
        AdditionalStopTokenIds = [(int)endOfTurnId],
    };

    public JsonObject ModelConfig
    {
        get
        {
            var config = denoiser.Config.ToJson(padTokenId, context);
            var sample = SampleOptions(rows.EndOfTurnId, samplerBlock, samplerThreshold);
            var defaults = new JsonObject
            {
                ["steps"] = sample.StepsPerBlock,
                ["block_length"] = sample.BlockLength,
                ["remasking"] = sample.Remasking.ToString(),
                ["cache"] = nameof(KeyValueCacheMode.None),
            };
            if (sample.ConfidenceThreshold is { } threshold)
            {
                defaults["confidence_threshold"] = threshold;
            }

            config["generation_defaults"] = defaults;
            return config;
        }
    }

    /// <summary>
    /// Builds the SFT rows, draws t per row and masks trained tokens with probability t (a share of the rows of batches
    /// marked <see cref="TrainingBatch.MayMaskBlockWise"/> block-wise or after a clean answer prefix instead).
    /// </summary>
    /// <returns>The clean rows, noisy ids, the bool mask of replaced positions, t [batch] and each position's loss weight.</returns>
    public (TrainingBatch Clean, Tensor Noisy, Tensor Masked, Tensor Time, Tensor Weight) ApplyNoise(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var clean = rows.Build(batch, generator);
        using var scope = NewDisposeScope();
        var count = clean.InputIds.shape[0];
        var device = clean.InputIds.device;
        var u = rand(1, generator: generator, device: device).Plus(HeldScalars.Range(0, count, ScalarType.Float32, device)).DividedBy(count); // stratified in [0, 1)
        // t = 1 masks every trained token (rand < 1) at weight 1: the batch itself chose its hidden tokens.
        var time = batch.MasksEveryTrainedToken ? ones_like(u) : u.Times(1 - MinimumTime).Plus(MinimumTime);
        var training = batch.MayMaskBlockWise && !batch.MasksEveryTrainedToken;
        var (masked, weight) = (training, prefixMasking.Share > 0) switch
        {
            (true, true) => prefixMasking.Apply(clean.LossMask, clean.InputIds.IsNotEqualTo(rows.EndOfSequenceId), time, generator),
            (true, false) => masking.Apply(clean.LossMask, time, generator),
            _ => (masking with { Share = 0 }).Apply(clean.LossMask, time, generator), // held-out and copy batches: MDLM's masking
        };
        var noisy = clean.InputIds.FillMasked(masked, denoiser.MaskTokenId);
        return (clean, noisy.MoveToOuterDisposeScope(), masked.MoveToOuterDisposeScope(), time.MoveToOuterDisposeScope(), weight.MoveToOuterDisposeScope());
    }

    public Tensor Loss(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.TrainsLeftToRight)
        {
            return LeftToRightLoss(batch);
        }

        using var scope = NewDisposeScope();
        var (clean, noisy, masked, _, weight) = ApplyNoise(batch, generator);
        using (clean)
        {
            var logits = denoiser.DenoisingLogits(noisy, clean.InputIds, clean.Valid); // [B, T, V]
            logits = logits.IndexFilled(-1, tensor(new[] { denoiser.MaskTokenId }, device: logits.device), double.NegativeInfinity); // SUBS: zero mass on the mask
            var nll = -logits.log_softmax(-1).gather(-1, clean.InputIds.unsqueeze(-1)).squeeze(-1); // [B, T]
            var total = (nll * weight).FillMasked(masked.logical_not(), 0).sum(); // weight: dsigma/expm1(sigma) = 1/t for the log-linear schedule
            if (certaintyWeight > 0)
            {
                total = total + certaintyWeight * CertaintyForcing.Entropy(logits, clean.InputIds, masked);
            }

            return (total / clean.LossMask.sum().ClampMin(1)).MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// Next-token cross-entropy with causal attention over the batch's trained tokens (each predicted from the position
    /// before it), averaged; the warm-up of <see cref="TrainingOptions.CopyLeftToRightSteps"/>. No mask token is used.
    /// </summary>
    private Tensor LeftToRightLoss(TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var logits = denoiser.TrainingLogits(batch.InputIds, batch.Valid, causal: true)[.., ..^1]; // position i predicts i + 1
        return NextTokenLoss.Mean(logits, batch).MoveToOuterDisposeScope();
    }

    /// <summary>Greedy answers of the engine's masked sampler with <see cref="SampleOptions"/>.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Complete(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
        {
            return [];
        }

        denoiser.Transformer.eval();
        try
        {
            var sampler = new MaskedDiffusionSampler(denoiser);
            var request = new MaskedGenerationRequest(prompts, SampleOptions(rows.EndOfTurnId, samplerBlock, samplerThreshold), 0);
            return sampler.GenerateAsync(request, cancellationToken: cancellationToken).GetAwaiter().GetResult().Answers;
        }
        finally
        {
            denoiser.Transformer.train();
        }
    }

    public void Dispose()
    {
        checkpointModule.Dispose();
        denoiser.Dispose();
    }

    /// <summary>Holds the transformer under <c>model.transformer</c> so state-dict names are the checkpoint keys.</summary>
    private sealed class CheckpointModule : nn.Module
    {
        public CheckpointModule(nn.Module transformer)
            : base(nameof(CheckpointModule))
        {
            var model = new Holder(transformer);
            register_module("model", model);
        }

        private sealed class Holder : nn.Module
        {
            public Holder(nn.Module transformer)
                : base(nameof(Holder)) => register_module("transformer", transformer);
        }
    }
}

namespace DiffusionChat.Trainer.Training;

/// <summary>Everything a training run depends on; recorded in the checkpoint and the model card.</summary>
internal sealed record TrainingOptions
{
    public required string Objective { get; init; }

    public required string OutputFolder { get; init; }

    public required string TokenizerFolder { get; init; }

    public string? BrownFolder { get; init; }

    /// <summary>
    /// The real place names' package folder (<c>fetch-places.sh</c>); with it, <see cref="AppShare"/> of the training
    /// chats are app-style conversations (<see cref="Data.TrainingChatMix"/>).
    /// </summary>
    public string? PlacesFolder { get; init; }

    /// <summary>Share of training chats drawn from <see cref="Data.AppPromptGenerator"/> (needs <see cref="PlacesFolder"/>); 0 = none.</summary>
    public double AppShare { get; init; }

    /// <summary>
    /// Share of the instruction set's capital questions answered as a JSON record laid out as the client's scaffold
    /// writes it (<c>--json-share</c>; <see cref="Data.JsonCapitalAnswer"/>), in [0, 1]; 0 keeps earlier runs' data.
    /// </summary>
    public double JsonShare { get; init; }

    /// <summary>
    /// Share of the app scenarios' tool results composed from parts instead of a fixed shape (<c>--composed-results</c>;
    /// <see cref="Data.ComposedToolResults"/>), in [0, 1]; 0 keeps earlier runs' data.
    /// </summary>
    public double ComposedResults { get; init; }

    /// <summary>Share of rows drawn from Brown text (when given).</summary>
    public double TextFraction { get; init; } = 0.25;

    /// <summary>
    /// Steps at the start of the run that train on copy rows only (<see cref="TokenizedCorpus.CopyBatch"/>), so the
    /// model learns to copy before it learns the chat formats; 0 = none.
    /// </summary>
    public int CopyWarmupSteps { get; init; }

    /// <summary>
    /// Copy rows train every other token of the repeat (random phase per row), and the masked objective masks exactly
    /// those: each hidden token has both neighbours visible, so the induction pattern alone predicts it, and half the
    /// repeat carries loss (the schedule's t ~ U(0, 1] also hides half on average, but mostly next to other hidden
    /// tokens). Warm-ups with t ~ U(0, 1], t ~ U(0, 0.25] or 4x the rows stayed at chance for 300-1,000 steps
    /// (docs/training.md, session 4).
    /// </summary>
    public bool CopyAlternate { get; init; }

    /// <summary>
    /// Masked objective only: the first this many copy warm-up steps train the denoiser left to right (causal attention,
    /// next-token loss on the repeat), as the AR baseline's warm-up does, before the rest of the warm-up and the chat
    /// steps train it bidirectionally. Why: left to right, the repeat's own tokens are the query that finds the earlier
    /// span (one composition of heads) and copying forms in ~550 steps; bidirectionally a hidden token must first fetch
    /// its neighbour before it can look anything up (two compositions), and bidirectional warm-ups stayed at chance for
    /// 800-1,000 steps (docs/training.md, session 4). Untied, the left-to-right start did not form copying either;
    /// with <see cref="TieEmbeddings"/> it did, at the AR baseline's step (tied but bidirectional only: 8.01 -> 7.23 in 1,000
    /// steps, below chance but no phase change).
    /// </summary>
    public int CopyLeftToRightSteps { get; init; }

    /// <summary>
    /// Share of the steps after the copy warm-up that train on copy rows again (<see cref="CopySchedule"/>), so the chat
    /// steps do not train the copy mechanism away; 0 = chat and text rows only after the warm-up.
    /// </summary>
    public double CopyShare { get; init; }

    /// <summary>
    /// Share of copy rows that are key-lookup rows instead (<see cref="KeyLookupRows"/>): the value after a cue must be
    /// found by the role of the key the cue is paired with, as an answer's first copied token must; 0 = none.
    /// </summary>
    public double LookupShare { get; init; }

    /// <summary>
    /// A model folder (a shipped model or a run's output) whose weights the run starts from instead of random ones,
    /// with a fresh optimizer, at step 0; null = random initialisation. A checkpoint found by <see cref="Resume"/> wins.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>
    /// Masked objective only: tie the output projection to the input embedding (<c>weight_tying</c>), as the AR
    /// baseline always is. Why: copying a token needs the output to score the token whose embedding was moved to that
    /// position; with tied tables that holds from the first step, untied the output table must first learn to agree
    /// with the embedding for every token. It also makes the masked model the AR baseline's size.
    /// </summary>
    public bool TieEmbeddings { get; init; }

    /// <summary>
    /// Masked objective only: predict each token from the hidden state one position to its left (<c>shift_logits</c>,
    /// Dream 7B's convention). Why: with <see cref="InitFrom"/> an AR model, the AR model's copying and tool choice
    /// already sit at the left neighbour; an unshifted start must rebuild them one position over (measured in session
    /// 12: 400 steps from the AR baseline found 6 % of held-out temperatures unshifted and 100 % shifted).
    /// </summary>
    public bool ShiftLogits { get; init; }

    /// <summary>
    /// Masked objective only: share of training rows masked as the block-wise sampler meets them (clean prefix, one
    /// noised block, masks after it: <see cref="Masked.BlockWiseMasking"/>); 0 = MDLM's independent masking only.
    /// </summary>
    public double BlockWiseShare { get; init; }

    /// <summary>
    /// Masked objective only: share of training rows whose answer keeps a clean prefix before a random cut, the rest
    /// masked as MDLM does (<see cref="Masked.PrefixMasking"/>); 0 = none. Not together with <see cref="BlockWiseShare"/>.
    /// </summary>
    public double PrefixShare { get; init; }

    /// <summary>
    /// Masked objective only: the block length (one token per step) written into the model's <c>generation_defaults</c>,
    /// so the card's command reproduces the shipped sampler settings; also the block of <see cref="BlockWiseShare"/>'s rows.
    /// </summary>
    public int SamplerBlock { get; init; } = Masked.MaskedDiffusionObjective.DefaultSamplerBlock;

    /// <summary>
    /// Masked objective only: block-causal attention over blocks of this many positions (config <c>block_size</c>),
    /// trained as BD3-LM trains (<see cref="DiffusionChat.Models.Llada.LladaDenoiser.BlockTrainingLogits"/>); 0 = LLaDA's
    /// bidirectional attention. Why: with <see cref="InitFrom"/> an AR model and <see cref="ShiftLogits"/>, a position
    /// then reads mostly what it read in the AR model (the clean prefix, plus its own block), instead of a whole
    /// answer window of masks that the AR model never saw. Measured (docs/training.md, "Session 15"): a step costs
    /// about twice a bidirectional one, and three seeds at 4-position blocks did not move the time calls.
    /// </summary>
    public int AttentionBlock { get; init; }

    /// <summary>
    /// Simplex objectives only: the block length the sampler decodes, trained on and written into
    /// <c>generation_defaults</c> (<c>--simplex-block</c>).
    /// </summary>
    public int SimplexBlock { get; init; } = Simplex.SimplexDiffusionObjective.DefaultBlockLength;

    /// <summary>
    /// Simplex objectives only: denoising steps per block T, the training timestep horizon (t ~ U{1..T}, input t / T)
    /// and the <c>generation_defaults</c> steps (<c>--steps-per-block</c>).
    /// </summary>
    public int StepsPerBlock { get; init; } = Simplex.SimplexDiffusionObjective.DefaultStepsPerBlock;

    /// <summary>
    /// <c>simplex-llama</c> only: train and write a self-conditioned model (<c>self_conditioning: true</c>): half the
    /// batches give the model its own detached prediction of the same input, and the sampler passes each step's
    /// prediction to the next step. Why: the issue lists it as a route to a useful simplex model; not measured yet.
    /// </summary>
    public bool SelfConditioning { get; init; }

    /// <summary>
    /// Masked objective only: weight of dParallel's certainty forcing (arXiv 2509.26488), the mean entropy of the
    /// prediction at masked positions the model already predicts right, added to the MDLM loss; 0 = off. Why: threshold
    /// decoding commits a position once its probability clears the threshold, and a model trained by cross-entropy alone
    /// stays unsure at the later positions of a block even where its first guess is right, so it commits about one token
    /// per pass (docs/training.md, "Session 17"); pushing right guesses to certainty lets a pass commit several.
    /// </summary>
    public double CertaintyWeight { get; init; }

    /// <summary>
    /// Masked objective only: the confidence threshold written into <c>generation_defaults</c> (Fast-dLLM's threshold
    /// decoding: every masked position of the block whose probability clears it is committed in the same pass); null =
    /// one token per step.
    /// </summary>
    public double? SamplerThreshold { get; init; }

    public int ChatExamples { get; init; } = 20000;

    public int HeldOutExamples { get; init; } = 500;

    public int Steps { get; init; } = 1000;

    public int BatchSize { get; init; } = 16;

    public int Context { get; init; } = 256;

    public double PeakLearningRate { get; init; } = 3e-3;

    public double MinLearningRate { get; init; } = 3e-4;

    public int WarmupSteps { get; init; } = 50;

    public double WeightDecay { get; init; } = 0.1;

    public double GradientClip { get; init; } = 1.0;

    public int Seed { get; init; } = 1234;

    public int Hidden { get; init; } = 256;

    public int Layers { get; init; } = 4;

    public int Heads { get; init; } = 4;

    public int KeyValueHeads { get; init; } = 2;

    public int Intermediate { get; init; } = 768;

    public int CheckpointEvery { get; init; } = 100;

    public int EvalEvery { get; init; } = 50;

    /// <summary>Stop (with a checkpoint) after this many minutes, to share the machine; 0 = no limit.</summary>
    public double TimeLimitMinutes { get; init; }

    /// <summary>Stop (with a checkpoint) after this many steps in this process, to train in chunks; 0 = no limit.</summary>
    public int MaxStepsThisRun { get; init; }

    public bool Resume { get; init; }

    /// <summary>The exact command line, for the model card.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>The resumable checkpoint folder.</summary>
    public string CheckpointFolder => Path.Combine(OutputFolder, "checkpoint");

    /// <summary>Rejects copy warm-up and masked-only options that would be silently ignored.</summary>
    /// <exception cref="ArgumentException">An option names steps outside the warm-up, or applies only to the masked objective.</exception>
    public void ValidateObjectiveOptions()
    {
        if (CopyLeftToRightSteps > CopyWarmupSteps)
        {
            throw new ArgumentException($"--copy-left-to-right-steps {CopyLeftToRightSteps} must not exceed --copy-warmup-steps {CopyWarmupSteps}: left-to-right steps are the first steps of the copy warm-up.");
        }

        if (CopyShare > 0 && CopyWarmupSteps == 0 && InitFrom is null)
        {
            throw new ArgumentException($"--copy-share {CopyShare.ToString(System.Globalization.CultureInfo.InvariantCulture)} keeps copy rows after the copy warm-up; give --copy-warmup-steps too (got 0), since copying forms in the warm-up (or --init-from a model that copies).");
        }

        if (LookupShare > 0 && CopyWarmupSteps == 0 && CopyShare == 0)
        {
            throw new ArgumentException($"--lookup-share {LookupShare.ToString(System.Globalization.CultureInfo.InvariantCulture)} replaces a share of the copy rows; give --copy-warmup-steps or --copy-share too, since without them there are no copy rows.");
        }

        if (LookupShare > 0 && Context < KeyLookupRows.MaxLength)
        {
            throw new ArgumentException($"--lookup-share needs --context of at least {KeyLookupRows.MaxLength} (the longest key-lookup row); got {Context}.");
        }

        if (BlockWiseShare > 0 && PrefixShare > 0)
        {
            throw new ArgumentException($"--block-wise-share and --prefix-share are alternative maskings; give one of them (got {BlockWiseShare.ToString(System.Globalization.CultureInfo.InvariantCulture)} and {PrefixShare.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        }

        if (Objective != "masked" && (CopyAlternate || CopyLeftToRightSteps > 0 || TieEmbeddings || ShiftLogits || BlockWiseShare > 0 || PrefixShare > 0
            || SamplerBlock != Masked.MaskedDiffusionObjective.DefaultSamplerBlock || SamplerThreshold is not null || CertaintyWeight != 0 || AttentionBlock != 0))
        {
            throw new ArgumentException($"--copy-alternate, --copy-left-to-right-steps, --tie-embeddings, --shift-logits, --block-wise-share, --prefix-share, --sampler-block, --sampler-threshold, --certainty-weight and --attention-block apply to --objective masked only (got '{Objective}'; the ar model is always tied and trains left to right).");
        }

        if (Objective is not ("simplex" or Simplex.SimplexDiffusionObjective.LlamaName)
            && (SimplexBlock != Simplex.SimplexDiffusionObjective.DefaultBlockLength || StepsPerBlock != Simplex.SimplexDiffusionObjective.DefaultStepsPerBlock))
        {
            throw new ArgumentException($"--simplex-block and --steps-per-block apply to --objective simplex and {Simplex.SimplexDiffusionObjective.LlamaName} only (got '{Objective}').");
        }

        if (SelfConditioning && Objective != Simplex.SimplexDiffusionObjective.LlamaName)
        {
            throw new ArgumentException($"--self-conditioning applies to --objective {Simplex.SimplexDiffusionObjective.LlamaName} only (got '{Objective}').");
        }

        if (SimplexBlock < 1 || SimplexBlock >= Context)
        {
            throw new ArgumentException($"--simplex-block {SimplexBlock} must be at least 1 and below --context {Context} (a block needs context before it).");
        }

        if (StepsPerBlock < 1)
        {
            throw new ArgumentException($"--steps-per-block {StepsPerBlock} must be at least 1.");
        }

        if (AttentionBlock < 0)
        {
            throw new ArgumentException($"--attention-block {AttentionBlock} must be a positive block length, or 0 for bidirectional attention.");
        }

        if (!Masked.MaskedDiffusionObjective.DividesAnswerWindow(SamplerBlock))
        {
            throw new ArgumentException($"--sampler-block {SamplerBlock} must divide the {Masked.MaskedDiffusionObjective.AnswerWindow}-token answer window (1, 2, 4, 8, 16, 32 or 64).");
        }
    }
}

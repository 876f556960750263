using DiffusionChat.Sampling;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Sampling.Autoregressive;

namespace DiffusionChat.Generation;

/// <summary>
/// <see cref="ITokenGenerator"/> over the autoregressive LLaMA-style baseline and its KV-cached decoder, so the
/// diffusion models and the baseline are compared through one chat client code path.
/// </summary>
/// <remarks>
/// Diffusion knobs do not apply and are refused (<see cref="Validate"/>). Requests batch together when they share the budget and sampling
/// settings; requests that sample (temperature above 0) run alone, as the decoder has one random generator per batch.
/// Each decoded token is reported as it comes (one small host read per step), so streaming delivers the answer token
/// by token.
/// </remarks>
public sealed class AutoregressiveTokenGenerator : ITokenGenerator
{
    private readonly LlamaForCausalLM model;
    private readonly int padTokenId;

    /// <summary>Creates the generator; it owns <paramref name="model"/>.</summary>
    /// <param name="model">The loaded decoder.</param>
    /// <param name="padTokenId">Id used to pad shorter prompts (never attended to).</param>
    public AutoregressiveTokenGenerator(LlamaForCausalLM model, int padTokenId)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.padTokenId = padTokenId;
    }

    /// <summary>The decoder (for constrained decoding of scaffolds, <c>Structured/AutoregressiveScaffoldFiller</c>).</summary>
    public LlamaForCausalLM Model => model;

    /// <inheritdoc />
    public ModelFamily Family => ModelFamily.Autoregressive;

    /// <inheritdoc />
    public int MaxSequenceLength => model.Config.MaxPositionEmbeddings;

    /// <inheritdoc />
    public DiffusionGenerationOptions DefaultDiffusion { get; } = new();

    /// <inheritdoc />
    public bool DecodesLeftToRight => true;

    /// <inheritdoc />
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptCheck.Single(request.PromptTokens, model.Config.VocabSize, reserved: null, reservedName: null);
        UnsupportedOptions.Refuse("The autoregressive baseline", "it decodes one token per forward pass, so diffusion options do not apply",
            UnsupportedOptions.Diffusion(request.Diffusion));
    }

    /// <inheritdoc />
    public object BatchKey(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Sampling.Temperature > 0
            ? new object()
            : (request.MaxNewTokens, request.Sampling.TopK, request.Sampling.TopP, string.Join(",", request.StopTokenIds));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<GenerationResult>>([]);
        }

        var first = batch[0];
        var stops = first.StopTokenIds.ToList();
        if (model.Config.EosTokenId is { } eos && !stops.Contains(eos))
        {
            stops.Add(eos);
        }

        var options = new DecodingOptions(first.MaxNewTokens, stops, padTokenId)
        {
            Temperature = first.Sampling.Temperature,
            TopK = first.Sampling.TopK,
            TopP = first.Sampling.TopP,
            Seed = first.Sampling.Seed,
        }.Validate(model.Config.VocabSize);

        var answers = batch.Select(r => new List<int>()).ToArray();
        var ended = new bool[batch.Count];
        var stopRequested = new bool[batch.Count];
        int lastStep = 0;

        // A row whose caller asks to stop (a stop sequence found in its text) takes no further tokens; once every row
        // has ended or asked to stop, the decoding ends through this token instead of running to the budget.
        using var rowsDone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            CausalDecoder.Generate(model, batch.Select(r => r.PromptTokens).ToList(), options, committed =>
            {
                int row = committed.Row;
                lastStep = Math.Max(lastStep, committed.Block);
                if (stopRequested[row])
                {
                    return;
                }

                ended[row] = committed.Ended;
                if (committed.Tokens.Count > 0)
                {
                    answers[row].AddRange(committed.Tokens);
                    batch[row].OnUpdate?.Invoke(new GenerationUpdate(committed.Block, committed.Tokens));
                }

                stopRequested[row] = !committed.Ended && batch[row].StopRequested?.Invoke() == true;
                if (Enumerable.Range(0, batch.Count).All(r => ended[r] || stopRequested[r]))
                {
                    rowsDone.Cancel();
                }
            }, rowsDone.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Every row ended or asked to stop: what they committed is their answer.
        }

        // One pass per decoding step (the prefill yields step 0's token).
        int forwardPasses = lastStep + 1;
        var results = new List<GenerationResult>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            var reason = stopRequested[i] ? GenerationFinishReason.Stopped
                : ended[i] ? GenerationFinishReason.EndOfSequence
                : GenerationFinishReason.Length;
            results.Add(new GenerationResult(answers[i], reason, forwardPasses));
        }

        return Task.FromResult<IReadOnlyList<GenerationResult>>(results);
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}

using DiffusionChat.Models;
using DiffusionChat.Models.Autoregressive;
using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Autoregressive;

/// <summary>
/// KV-cached left-to-right decoding of a batch of prompts of different lengths (left-padded), greedy or sampled.
/// </summary>
/// <remarks>
/// One forward pass over the prompts fills the <see cref="KeyValueCache"/>; each step then feeds one token per
/// sequence. The loop reads one boolean per step back to the host (have all sequences stopped?) and the tokens once
/// at the end. Thread-safe as long as the model is not trained concurrently.
/// </remarks>
public static class CausalDecoder
{
    /// <summary>Continues each prompt.</summary>
    /// <param name="model">The model (its device is used for every tensor).</param>
    /// <param name="prompts">Token ids per prompt; each non-empty and shorter than the context.</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>One result per prompt, in order.</returns>
    /// <exception cref="ArgumentException">A prompt is empty, has an id outside the vocabulary, or leaves no room in the context.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static IReadOnlyList<DecodedSequence> Generate(LlamaForCausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, DecodingOptions options, CancellationToken cancellationToken = default) =>
        Generate(model, prompts, options, onCommitted: null, cancellationToken);

    /// <summary>Continues each prompt, reporting every step's tokens as they are decoded (for streaming).</summary>
    /// <param name="model">The model (its device is used for every tensor).</param>
    /// <param name="prompts">Token ids per prompt; each non-empty and shorter than the context.</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="onCommitted">
    /// Called after each step for every prompt still running: its new token (<see cref="TokensCommitted.Block"/> is
    /// the step), or no token and <see cref="TokensCommitted.Ended"/> when it decoded a stop id. When set, the step's
    /// tokens and stop flags are read back in one small read per step instead of the single stop flag.
    /// </param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>One result per prompt, in order.</returns>
    /// <exception cref="ArgumentException">A prompt is empty, has an id outside the vocabulary, or leaves no room in the context.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static IReadOnlyList<DecodedSequence> Generate(LlamaForCausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, DecodingOptions options, Action<TokensCommitted>? onCommitted, CancellationToken cancellationToken) =>
        Generate(model, prompts, options, onCommitted, new DeviceTransfers(), cancellationToken);

    /// <inheritdoc cref="Generate(LlamaForCausalLM, IReadOnlyList{IReadOnlyList{int}}, DecodingOptions, Action{TokensCommitted}?, CancellationToken)"/>
    /// <param name="model">The model (its device is used for every tensor).</param>
    /// <param name="prompts">Token ids per prompt; each non-empty and shorter than the context.</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="onCommitted">Called after each step for every prompt still running (its token, or its end).</param>
    /// <param name="transfers">The gate every host read and upload goes through.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    public static IReadOnlyList<DecodedSequence> Generate(LlamaForCausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, DecodingOptions options, Action<TokensCommitted>? onCommitted, DeviceTransfers transfers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transfers);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(model.Config.VocabSize);
        CheckPrompts(prompts, model.Config, options.MaxNewTokens);
        cancellationToken.ThrowIfCancellationRequested();
        if (prompts.Count == 0)
        {
            return [];
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = model.model.embed_tokens.weight!.device; // inside the scope: the getter hands out a new tensor handle
        using var cache = new KeyValueCache(model.Config.NumHiddenLayers);
        using var generator = new Generator((ulong)options.Seed, device);

        var (inputIds, valid) = LeftPad(prompts, options.PadTokenId, device, transfers);
        var stopIds = transfers.Upload(options.StopTokenIds.Select(i => (long)i).ToArray(), [options.StopTokenIds.Count], device);
        var finished = zeros(prompts.Count, ScalarType.Bool, device);
        var ended = new bool[prompts.Count]; // host copy of finished, kept only when reporting
        var steps = new List<Tensor>();
        var logits = model.Forward(inputIds, valid, cache)[TensorIndex.Colon, -1]; // [B, V]
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = TokenSampler.Sample(logits, options, generator);
            next = where(finished, options.PadTokenId, next); // [B]
            steps.Add(next);
            finished = finished.logical_or(isin(next, stopIds));
            bool allStopped;
            if (onCommitted is null)
            {
                allStopped = transfers.ReadBool(finished.all());
            }
            else
            {
                var host = transfers.ReadInt64(stack([next, finished.to(ScalarType.Int64)], 0)); // [2, B] in one read
                Report(onCommitted, step, host, ended);
                allStopped = host.Skip(prompts.Count).All(f => f != 0);
            }

            if (step + 1 == options.MaxNewTokens || allStopped)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested(); // before paying for the next pass, not after
            using var stepScope = NewDisposeScope();
            valid = cat([valid, ones(prompts.Count, 1, ScalarType.Bool, device)], 1).MoveToOuterDisposeScope();
            logits = model.Forward(next.unsqueeze(1), valid, cache)[TensorIndex.Colon, -1].MoveToOuterDisposeScope();
        }

        var all = transfers.ReadInt64(stack(steps, 1)); // one read at the end: [B, steps]
        var stopSet = options.StopTokenIds.ToHashSet();
        return Enumerable.Range(0, prompts.Count).Select(b =>
        {
            var row = all.Skip(b * steps.Count).Take(steps.Count).Select(t => (int)t).ToList();
            var stop = row.FindIndex(stopSet.Contains);
            return stop < 0 ? new DecodedSequence(row, false) : new DecodedSequence(row[..stop], true);
        }).ToList();
    }

    /// <summary>Raises the step's events from its read-back [2, B] (tokens, then stop flags) for the rows still running.</summary>
    private static void Report(Action<TokensCommitted> onCommitted, int step, long[] host, bool[] ended)
    {
        int rows = ended.Length;
        for (int b = 0; b < rows; b++)
        {
            if (ended[b])
            {
                continue;
            }

            // A running row's flag turns on exactly when this step decoded one of its stop ids.
            ended[b] = host[rows + b] != 0;
            onCommitted(new TokensCommitted(b, step, ended[b] ? [] : [(int)host[b]], ended[b]));
        }
    }

    private static (Tensor Ids, Tensor Valid) LeftPad(IReadOnlyList<IReadOnlyList<int>> prompts, int pad, Device device, DeviceTransfers transfers)
    {
        var (ids, real, width) = LeftPadding.Lay(prompts, pad);
        var valid = transfers.Upload(real, [prompts.Count, width], device).to(ScalarType.Bool);
        return (transfers.Upload(ids, [prompts.Count, width], device), valid);
    }

    private static void CheckPrompts(IReadOnlyList<IReadOnlyList<int>> prompts, LlamaConfig config, int maxNewTokens)
    {
        if (prompts.Count == 0)
        {
            return; // an empty batch decodes to no answers
        }

        PromptCheck.Rows(prompts, config.VocabSize, allowEmpty: false, reserved: null, reservedName: null, nameof(prompts));
        for (var b = 0; b < prompts.Count; b++)
        {
            if (prompts[b].Count + maxNewTokens > config.MaxPositionEmbeddings)
            {
                throw new ArgumentException(
                    $"Prompt {b} has {prompts[b].Count} tokens; with MaxNewTokens {maxNewTokens} that exceeds the context of {config.MaxPositionEmbeddings}.", nameof(prompts));
            }
        }
    }
}

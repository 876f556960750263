using DiffusionChat.Generation;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// A test generator that "generates" a fixed answer per prompt (chosen by a function of the prompt text and seed),
/// committing it in blocks of <see cref="BlockLength"/> tokens and honouring stop ids, stop requests and cancellation
/// between blocks like a real sampler.
/// </summary>
internal sealed class ScriptedGenerator(Func<string, long, string> answer, CharTokenizer tokenizer) : ITokenGenerator
{
    private int batches;

    public int BlockLength { get; init; } = 4;

    public int Batches => Volatile.Read(ref batches);

    public List<int> BatchSizes { get; } = [];

    public TaskCompletionSource? Gate { get; set; }

    public bool Disposed { get; private set; }

    public ModelFamily Family => ModelFamily.MaskedDiffusion;

    public int MaxSequenceLength { get; init; } = 4096;

    public DiffusionGenerationOptions DefaultDiffusion { get; } = new() { Steps = 8, BlockLength = 4 };

    public object BatchKey(GenerationRequest request) => request.Diffusion;

    public void ValidatePrompt(IReadOnlyList<int> promptTokens)
    {
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref batches);
        lock (BatchSizes)
        {
            BatchSizes.Add(batch.Count);
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        var results = new GenerationResult[batch.Count];
        for (int r = 0; r < batch.Count; r++)
        {
            var request = batch[r];
            var full = tokenizer.Encode(answer(tokenizer.Decode(request.PromptTokens), request.Sampling.Seed));
            var tokens = new List<int>();
            var reason = GenerationFinishReason.Length;
            for (int block = 0; tokens.Count < request.MaxNewTokens; block++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var piece = full.Skip(block * BlockLength).Take(Math.Min(BlockLength, request.MaxNewTokens - tokens.Count)).ToList();
                int stop = piece.FindIndex(request.StopTokenIds.Contains);
                if (stop >= 0)
                {
                    piece = piece[..stop];
                    reason = GenerationFinishReason.EndOfSequence;
                }

                if (piece.Count == 0 && stop < 0)
                {
                    reason = GenerationFinishReason.EndOfSequence;
                    break;
                }

                tokens.AddRange(piece);
                request.OnUpdate?.Invoke(new GenerationUpdate(block, piece));
                if (stop >= 0)
                {
                    break;
                }

                if (request.StopRequested?.Invoke() == true)
                {
                    reason = GenerationFinishReason.Stopped;
                    break;
                }

                await Task.Yield();
            }

            results[r] = new GenerationResult(tokens, reason, ForwardPasses: 2 * ((tokens.Count + BlockLength - 1) / BlockLength));
        }

        return results;
    }

    public void Dispose() => Disposed = true;
}

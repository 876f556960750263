using DiffusionChat.Generation;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// A test generator that "generates" a fixed answer per prompt (chosen by a function of the prompt text and seed) in
/// blocks of <see cref="BlockLength"/> tokens, the way the diffusion generators commit them: each block goes through
/// the library's own <see cref="AnswerAccumulator"/> (cut at stop ids and the budget, <see cref="GenerationRequest.StopRequested"/>
/// polled once per block), the end of the script is the model's end of sequence, and a stop request ends the answer
/// but not the decoding (the real samplers finish the batch). Cancellation is checked between blocks.
/// </summary>
internal sealed class ScriptedGenerator(Func<string, long, string> answer, CharTokenizer tokenizer) : ITokenGenerator
{
    private int batches;

    public int BlockLength { get; init; } = 4;

    /// <summary>
    /// True (default): polls <see cref="GenerationRequest.StopRequested"/> once per block as the library's generators do;
    /// false: ignores it, as a third-party generator may (the client must still trim the text at the stop sequence).
    /// </summary>
    public bool PollsStopRequests { get; init; } = true;

    /// <summary>Every request handed to <see cref="GenerateAsync"/>, in order.</summary>
    public List<GenerationRequest> Requests { get; } = [];

    public int Batches => Volatile.Read(ref batches);

    public List<int> BatchSizes { get; } = [];

    public TaskCompletionSource? Gate { get; set; }

    public bool Disposed { get; private set; }

    public ModelFamily Family => ModelFamily.MaskedDiffusion;

    public int MaxSequenceLength { get; init; } = 4096;

    public DiffusionGenerationOptions DefaultDiffusion { get; } = new() { Steps = 8, BlockLength = 4 };

    public object BatchKey(GenerationRequest request) => request.Diffusion;

    public void Validate(GenerationRequest request)
    {
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref batches);
        lock (BatchSizes)
        {
            BatchSizes.Add(batch.Count);
            Requests.AddRange(batch);
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        var answers = new AnswerAccumulator[batch.Count];
        var ended = new bool[batch.Count];
        int blocksDecoded = 0;
        for (int r = 0; r < batch.Count; r++)
        {
            var request = batch[r];
            // A generator that does not poll StopRequested (a third-party one) runs on past a stop request.
            answers[r] = new AnswerAccumulator(PollsStopRequests ? request : request with { StopRequested = null }, request.StopTokenIds.ToHashSet());
            var full = tokenizer.Encode(answer(tokenizer.Decode(request.PromptTokens), request.Sampling.Seed));
            int blocks = (request.MaxNewTokens + BlockLength - 1) / BlockLength;
            int block = 0;
            while (block < blocks && !ended[r])
            {
                cancellationToken.ThrowIfCancellationRequested();
                var piece = full.Skip(block * BlockLength).Take(BlockLength).ToList();
                ended[r] = piece.Count < BlockLength || piece.Exists(request.StopTokenIds.Contains);
                answers[r].Accept(block, piece);
                block++;
                await Task.Yield();
            }

            blocksDecoded = Math.Max(blocksDecoded, block);
        }

        // Like the real generators: the batch's forward passes (2 per block of its longest row), the same for every row.
        return answers.Select((a, r) => a.Result(samplerSawEndOfSequence: ended[r], forwardPasses: 2 * blocksDecoded)).ToList();
    }

    public void Dispose() => Disposed = true;
}

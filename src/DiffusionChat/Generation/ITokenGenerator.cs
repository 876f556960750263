namespace DiffusionChat.Generation;

/// <summary>
/// A loaded model plus its sampler: turns batches of prompt tokens into answer tokens. One implementation per model
/// family; the chat client only talks to this.
/// </summary>
/// <remarks>
/// Implementations run one batch at a time (the chat client serialises calls through its queue) and must honour the
/// cancellation token between denoising steps by throwing <see cref="OperationCanceledException"/>.
/// </remarks>
public interface ITokenGenerator : IDisposable
{
    /// <summary>The model family.</summary>
    ModelFamily Family { get; }

    /// <summary>Longest prompt + answer the model accepts, in tokens.</summary>
    int MaxSequenceLength { get; }

    /// <summary>Diffusion defaults used for unset request knobs (empty for autoregressive models).</summary>
    DiffusionGenerationOptions DefaultDiffusion { get; }

    /// <summary>
    /// Whether the model never sees positions after the token or block it is decoding (autoregressive, block-causal
    /// diffusion), so a smaller budget only cuts the answer short. Then a request that leaves its budget unset is given
    /// what the context has left instead of being refused; a bidirectional model's answer depends on its answer window,
    /// so its budget is never shortened. Default: false.
    /// </summary>
    bool DecodesLeftToRight => false;

    /// <summary>
    /// A value that is equal for requests that can share one batch (e.g. same steps and block length). Requests with
    /// different keys run in different batches. Called only for requests that passed <see cref="Validate"/>.
    /// </summary>
    object BatchKey(GenerationRequest request);

    /// <summary>
    /// Checks a request before it joins a batch, so one bad request fails alone instead of failing the batch it would
    /// have shared: the prompt's token ids (inside the model's vocabulary, no reserved ids such as the mask token) and
    /// the options (one the family cannot honour is refused, never dropped).
    /// </summary>
    /// <exception cref="ArgumentException">The prompt is empty or holds an id the model cannot take (the message names it).</exception>
    /// <exception cref="NotSupportedException">The request sets an option this family cannot honour (the message names it).</exception>
    void Validate(GenerationRequest request);

    /// <summary>Generates every request of the batch in shared forward passes.</summary>
    /// <param name="batch">The requests; all have equal <see cref="BatchKey"/>.</param>
    /// <param name="cancellationToken">Cancels the whole batch between steps.</param>
    /// <returns>One result per request, in order.</returns>
    Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken);
}

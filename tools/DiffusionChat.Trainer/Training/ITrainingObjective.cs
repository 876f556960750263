using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training;

/// <summary>
/// A training objective with the model it trains: autoregressive next-token (implemented), masked diffusion (MDLM:
/// log-linear schedule, SUBS parameterisation, continuous-time ELBO weight, only <see cref="TrainingBatch.LossMask"/>
/// tokens masked) and simplex diffusion (SSD-LM) plug in here.
/// </summary>
/// <remarks>
/// The trainer owns the loop (batches, optimizer, schedule, checkpoints); an objective only turns a batch into a
/// scalar loss. Any randomness (noise levels, masks, simplex noise) must come from the given generator, which the
/// trainer seeds and saves in checkpoints, so a resumed run draws the same noise as an uninterrupted one.
/// </remarks>
internal interface ITrainingObjective : IDisposable
{
    /// <summary>The objective's name as given to <c>--objective</c> (<c>ar</c>, <c>masked</c>, <c>simplex</c>).</summary>
    string Name { get; }

    /// <summary>The trained module; its state-dict names are the shipped checkpoint keys.</summary>
    nn.Module Model { get; }

    /// <summary>The <c>config.json</c> written next to the weights.</summary>
    JsonObject ModelConfig { get; }

    /// <summary>Padded width the objective needs after the longest chat of a batch (e.g. room for an EOS tail); 0 by default.</summary>
    int ChatRowPadding => 0;

    /// <summary>The mean loss over the batch's trained-on tokens (a scalar with a graph for backward).</summary>
    /// <param name="batch">The batch, on the model's device.</param>
    /// <param name="generator">The only random source the objective may use.</param>
    Tensor Loss(TrainingBatch batch, Generator generator);

    /// <summary>A few greedy completions of chat prompts for the model card (text after the generation prompt), or none.</summary>
    /// <param name="prompts">Token ids of rendered prompts ending with <c>&lt;|im_start|&gt;assistant\n</c>.</param>
    /// <param name="maxNewTokens">Upper bound on generated tokens.</param>
    /// <param name="cancellationToken">Stops generation.</param>
    IReadOnlyList<IReadOnlyList<int>> Complete(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, CancellationToken cancellationToken);
}

using System.Text.Json.Nodes;
using DiffusionChat.Models.Autoregressive;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training.Masked;

/// <summary>
/// The MDLM objective (Sahoo et al. 2024; kuleshov-group/mdlm <c>diffusion.py</c>): absorbing-state masking with the
/// log-linear schedule, SUBS parameterisation and the continuous-time ELBO weight, masking only loss-mask tokens
/// (the answer tokens of chat rows) so prompts stay visible as conditioning.
/// </summary>
/// <remarks>
/// Trains <see cref="ScratchMaskedDenoiser"/> for now (see there). Per row: t = eps + (1 - eps) u with u drawn
/// low-discrepancy (stratified over the batch, as MDLM's antithetic sampling); each loss-mask token becomes
/// <c>&lt;|mask|&gt;</c> with probability t (log-linear: alpha_t = 1 - t); the mask logit is forced to -inf (SUBS: the
/// model never predicts the absorbing state); the loss is -log p(x0) on masked positions weighted by
/// dsigma/expm1(sigma) = 1/t, summed and divided by the number of loss-mask tokens.
/// </remarks>
internal sealed class MaskedDiffusionObjective : ITrainingObjective
{
    private const double MinimumTime = 1e-3;

    private readonly ScratchMaskedDenoiser model;
    private readonly int maskTokenId;

    public MaskedDiffusionObjective(LlamaConfig config, Device device, int maskTokenId, Generator initGenerator)
    {
        model = new ScratchMaskedDenoiser(config);
        using (no_grad())
        {
            foreach (var (_, parameter) in model.named_parameters())
            {
                if (parameter.shape.Length == 1)
                {
                    parameter.fill_(1.0);
                }
                else
                {
                    parameter.normal_(0, 0.02, initGenerator);
                }
            }
        }

        model.to(device);
        this.maskTokenId = maskTokenId;
    }

    public string Name => "masked";

    public nn.Module Model => model;

    public JsonObject ModelConfig
    {
        get
        {
            var config = model.Config.ToJson();
            config["architectures"] = new JsonArray("ScratchMaskedDenoiser");
            config["model_type"] = "diffusionchat-scratch-mdlm";
            config["mask_token_id"] = maskTokenId;
            config["note"] = "Trainer-only scratch denoiser; retrain with the engine's masked-diffusion model class before shipping.";
            return config;
        }
    }

    /// <summary>Draws t per row and masks loss-mask tokens with probability t.</summary>
    /// <returns>Noisy ids, the bool mask of replaced positions, and t [batch].</returns>
    public (Tensor Noisy, Tensor Masked, Tensor Time) ApplyNoise(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var (rows, tokens) = (batch.InputIds.shape[0], batch.InputIds.shape[1]);
        var device = batch.InputIds.device;
        var u = (rand(1, generator: generator, device: device) + arange(rows, ScalarType.Float32, device)) / rows; // stratified in [0, 1)
        var time = MinimumTime + ((1 - MinimumTime) * u);
        var masked = rand(rows, tokens, generator: generator, device: device).lt(time.unsqueeze(1)).logical_and(batch.LossMask);
        var noisy = batch.InputIds.masked_fill(masked, maskTokenId);
        return (noisy.MoveToOuterDisposeScope(), masked.MoveToOuterDisposeScope(), time.MoveToOuterDisposeScope());
    }

    public Tensor Loss(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var (noisy, masked, time) = ApplyNoise(batch, generator);
        var logits = model.forward(noisy, batch.Valid); // [B, T, V]
        logits = logits.index_fill(-1, tensor(new long[] { maskTokenId }, device: logits.device), double.NegativeInfinity); // SUBS: zero mass on the mask
        var logProbabilities = logits.log_softmax(-1);
        var nll = -logProbabilities.gather(-1, batch.InputIds.unsqueeze(-1)).squeeze(-1); // [B, T]
        var weight = (1.0 / time).unsqueeze(1); // dsigma/expm1(sigma) for the log-linear schedule
        var total = (nll * weight).masked_fill(masked.logical_not(), 0).sum();
        return (total / batch.LossMask.sum().clamp_min(1)).MoveToOuterDisposeScope();
    }

    /// <summary>No sampler here: generation belongs to the engine's samplers once the model class is shared.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Complete(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, CancellationToken cancellationToken) => [];

    public void Dispose() => model.Dispose();
}

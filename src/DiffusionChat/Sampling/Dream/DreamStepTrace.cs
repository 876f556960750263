using TorchSharp;

namespace DiffusionChat.Sampling.Dream;

/// <summary>
/// One step of <see cref="DreamSampler"/>, for parity checks against a reference trace. Answer-region tensors are
/// [B, G] (G = <see cref="DreamSamplerOptions.MaxNewTokens"/>); all are valid only during the callback.
/// </summary>
/// <param name="Step">Step index.</param>
/// <param name="Masked">Masked answer positions before the step.</param>
/// <param name="Tokens">The token chosen for every answer position (argmax or drawn).</param>
/// <param name="TokenProbability">Its probability under the filtered distribution.</param>
/// <param name="Confidence">Confidence at masked positions, -inf elsewhere (null for <see cref="DreamUnmasking.Origin"/>).</param>
/// <param name="Count">Positions filled per row (0 for <see cref="DreamUnmasking.Origin"/>).</param>
/// <param name="Transfer">The positions filled by this step.</param>
/// <param name="X">The whole sequence [B, P + G] after the step.</param>
internal sealed record DreamStepTrace(int Step, torch.Tensor Masked, torch.Tensor Tokens, torch.Tensor TokenProbability, torch.Tensor? Confidence, int Count, torch.Tensor Transfer, torch.Tensor X);

namespace DiffusionChat.Structured;

/// <summary>What filling a scaffold cost.</summary>
/// <param name="ForwardPasses">Model calls (a batched call of several rows counts once, as the samplers count NFE).</param>
/// <param name="SequencePasses">Rows summed over the calls (the compute a batched choice really costs).</param>
/// <param name="HostReads">Device-to-host copies.</param>
public sealed record ScaffoldCosts(int ForwardPasses, int SequencePasses, int HostReads);

namespace DiffusionChat.Structured;

/// <summary>A filled row.</summary>
/// <param name="Ids">The row with every mask replaced; fixed ids as given.</param>
/// <param name="ForwardPasses">Denoiser calls made.</param>
/// <param name="HostReads">Device-to-host copies made.</param>
public sealed record InfillResult(IReadOnlyList<int> Ids, int ForwardPasses, int HostReads);

namespace DiffusionChat.Structured;

/// <summary>A template with its blanks filled (<see cref="MaskedInfilling.FillBlanks"/>).</summary>
/// <param name="Text">The template with every blank replaced by its value.</param>
/// <param name="Values">Each blank's value, in template order.</param>
/// <param name="ForwardPasses">Denoiser calls made.</param>
/// <param name="HostReads">Device-to-host copies made.</param>
public sealed record FilledText(string Text, IReadOnlyList<string> Values, int ForwardPasses, int HostReads);

namespace DiffusionChat.Structured;

/// <summary>
/// What a model contributes to a scaffold: choosing among the openings of alternatives by its own likelihood, and
/// writing the content of a value slot. <see cref="ScaffoldWriter"/> walks the canvas and asks for these; everything
/// else is fixed text. One implementation per model family (<see cref="MaskedScaffoldFiller"/>,
/// <see cref="AutoregressiveScaffoldFiller"/>).
/// </summary>
/// <remarks>
/// <c>written</c> is always the answer text laid out so far (after the prompt the filler was made with), ending right
/// where the choice or value goes. Fillers may return anything: the writer escapes strings and repairs numbers, so the
/// result is valid whatever they return.
/// </remarks>
public interface IScaffoldFiller
{
    /// <summary>Picks the most likely of <paramref name="openings"/> to follow <paramref name="written"/>.</summary>
    /// <param name="written">The answer so far.</param>
    /// <param name="openings">Distinct, non-empty candidate texts (at least two).</param>
    /// <param name="cancellationToken">Checked before every model call.</param>
    /// <returns>The index of the chosen opening.</returns>
    int Choose(string written, IReadOnlyList<string> openings, CancellationToken cancellationToken);

    /// <summary>Writes a JSON string's content (as JSON text, escapes allowed) up to, not including, its closing quote.</summary>
    /// <param name="written">The answer so far, ending with the opening quote.</param>
    /// <param name="slot">The slot and its budget.</param>
    /// <param name="cancellationToken">Checked before every model call.</param>
    /// <returns>The raw content.</returns>
    string FillString(string written, StringSlot slot, CancellationToken cancellationToken);

    /// <summary>Writes a JSON number.</summary>
    /// <param name="written">The answer so far.</param>
    /// <param name="slot">The slot and its budget.</param>
    /// <param name="cancellationToken">Checked before every model call.</param>
    /// <returns>The number's text.</returns>
    string FillNumber(string written, NumberSlot slot, CancellationToken cancellationToken);
}

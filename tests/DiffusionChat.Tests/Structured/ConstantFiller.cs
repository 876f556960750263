using DiffusionChat.Structured;

namespace DiffusionChat.Tests.Structured;

/// <summary>A filler without a model: fixed string and number texts, choices by a function of the openings (first by default); records what it was offered.</summary>
internal sealed class ConstantFiller(string stringText, string numberText) : IScaffoldFiller
{
    public Func<IReadOnlyList<string>, int> Pick { get; init; } = _ => 0;

    public Func<string> NumberText { get; init; } = () => numberText;

    public List<IReadOnlyList<string>> Offered { get; } = [];

    public int Choose(string written, IReadOnlyList<string> openings, CancellationToken cancellationToken)
    {
        Offered.Add(openings);
        return Pick(openings);
    }

    public string FillString(string written, StringSlot slot, CancellationToken cancellationToken) => stringText;

    public string FillNumber(string written, NumberSlot slot, CancellationToken cancellationToken) => NumberText();
}

using DiffusionChat.Prompting;
using DiffusionChat.Tokenization;

namespace DiffusionChat.Tests.Client;

/// <summary>A character-level test tokenizer: one id per UTF-16 unit, the chat markers as single ids from 100000.</summary>
internal sealed class CharTokenizer : ITextTokenizer
{
    private static readonly string[] Specials = [.. ChatMarkers.SpecialTokens];

    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int>();
        for (int i = 0; i < text.Length;)
        {
            int special = Array.FindIndex(Specials, s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0);
            if (special >= 0)
            {
                ids.Add(100000 + special);
                i += Specials[special].Length;
            }
            else
            {
                ids.Add(text[i++]);
            }
        }

        return ids;
    }

    public string Decode(IReadOnlyList<int> ids) =>
        string.Concat(ids.Select(id => id >= 100000 ? Specials[id - 100000] : ((char)id).ToString()));

    public bool TryGetSpecialTokenId(string token, out int id)
    {
        int index = Array.IndexOf(Specials, token);
        id = index < 0 ? -1 : 100000 + index;
        return index >= 0;
    }
}

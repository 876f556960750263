using DiffusionChat.Prompting;
using DiffusionChat.Tokenization;

namespace DiffusionChat.Structured;

/// <summary>
/// What each token of a model's vocabulary may be inside a value slot: its text, whether it may appear in a string
/// (no special tokens), and its <see cref="NumberTokenClass"/>. Built once per tokenizer and vocabulary size; the
/// fillers turn it into the vocabulary masks they apply at a slot.
/// </summary>
/// <remarks>Immutable and thread-safe after construction.</remarks>
public sealed class SlotVocabulary
{
    private readonly string[] texts;
    private readonly bool[] stringToken;
    private readonly NumberTokenClass[] numberClass;

    /// <summary>Reads every token's text from <paramref name="tokenizer"/>.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="vocabularySize">The model's output size (ids at or above the tokenizer's own size have no text and are never allowed).</param>
    /// <param name="reservedIds">Ids never written in a value besides the chat markers (e.g. the mask id).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabularySize"/> is below 1.</exception>
    public SlotVocabulary(ITextTokenizer tokenizer, int vocabularySize, IEnumerable<long>? reservedIds = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        var reserved = (reservedIds ?? []).ToHashSet();
        foreach (var marker in ChatMarkers.SpecialTokens)
        {
            if (tokenizer.TryGetSpecialTokenId(marker, out int id))
            {
                reserved.Add(id);
            }
        }

        texts = new string[vocabularySize];
        stringToken = new bool[vocabularySize];
        numberClass = new NumberTokenClass[vocabularySize];
        for (int id = 0; id < vocabularySize; id++)
        {
            var text = reserved.Contains(id) ? "" : tokenizer.Decode([id]);
            texts[id] = text;
            // Byte-level pieces of a multi-byte character (São, Tromsø) decode to U+FFFD alone but are real text: kept.
            stringToken[id] = text.Length > 0;
            numberClass[id] = text switch
            {
                "0" => NumberTokenClass.Zero,
                "1" or "2" or "3" or "4" or "5" or "6" or "7" or "8" or "9" => NumberTokenClass.NonZeroDigit,
                "-" => NumberTokenClass.Minus,
                "." => NumberTokenClass.Point,
                _ when text.Length > 0 && text[0] is ',' or '}' or ']' => NumberTokenClass.End,
                _ => NumberTokenClass.None,
            };
        }
    }

    /// <summary>The number of ids covered.</summary>
    public int Size => texts.Length;

    /// <summary>Refuses a vocabulary built for another model size (what every filler checks at construction).</summary>
    /// <exception cref="ArgumentException">The sizes differ.</exception>
    internal void EnsureCovers(int modelVocabularySize)
    {
        if (Size != modelVocabularySize)
        {
            throw new ArgumentException($"The slot vocabulary covers {Size} ids but the model has {modelVocabularySize}; build it with the model's vocabulary size.", "vocabulary");
        }
    }

    /// <summary>The text of a token on its own (empty for special and out-of-vocabulary ids).</summary>
    public string Text(int id) => texts[id];

    /// <summary>Whether a string value may hold the token.</summary>
    public bool IsStringToken(int id) => stringToken[id];

    /// <summary>The token's role in a number.</summary>
    internal NumberTokenClass NumberClass(int id) => numberClass[id];

    /// <summary>The allowed-id mask of a string slot.</summary>
    internal bool[] StringMask() => (bool[])stringToken.Clone();

    /// <summary>The allowed-id mask of a number slot in <paramref name="state"/>.</summary>
    internal bool[] NumberMask(NumberState state, bool integer)
    {
        var allowed = NumberGrammar.Allowed(state, integer);
        return numberClass.Select(c => c != NumberTokenClass.None && (allowed & c) != 0).ToArray();
    }

    /// <summary>The ids a number is written from in any grammar state, its ending characters included.</summary>
    internal bool[] AnyNumberMask() => numberClass.Select(c => c != NumberTokenClass.None).ToArray();

    /// <summary>
    /// The first double quote in <paramref name="text"/> that is not escaped by a backslash (it closes a JSON string),
    /// or -1.
    /// </summary>
    internal static int ClosingQuote(string text)
    {
        bool escaped = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (escaped)
            {
                escaped = false;
            }
            else if (text[i] == '\\')
            {
                escaped = true;
            }
            else if (text[i] == '"')
            {
                return i;
            }
        }

        return -1;
    }
}

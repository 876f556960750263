namespace DiffusionChat.Trainer.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-character table: printable Latin-1 bytes stand for themselves, the other bytes (controls,
/// space, ...) are shifted to code points from U+0100 on, so every byte sequence is a string of visible characters
/// (space becomes 'Ġ', newline 'Ċ'). The vocabulary files store tokens in this alphabet.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = Build();

    /// <summary>The character that stands for <paramref name="b"/>.</summary>
    public static char Encode(byte b) => CharOfByte[b];

    /// <summary>A UTF-8 string written in the byte-level alphabet.</summary>
    public static string Encode(string text) => new(System.Text.Encoding.UTF8.GetBytes(text).Select(b => CharOfByte[b]).ToArray());

    /// <summary>The 256 base symbols, in byte order.</summary>
    public static IEnumerable<char> All => CharOfByte;

    private static char[] Build()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }
}

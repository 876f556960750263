using System.Text;
using DiffusionChat.Tokenization;
using FsCheck;
using FsCheck.Xunit;

namespace DiffusionChat.Tests.Tokenization;

/// <summary>Byte-level BPE is lossless: any valid Unicode text decodes back to itself, whichever file format it came from.</summary>
public sealed class TokenizerRoundTripProperties : IDisposable
{
    private readonly TempFolder gpt2Folder = new();
    private readonly TempFolder jsonFolder = new();
    private readonly DiffusionTokenizer gpt2;
    private readonly DiffusionTokenizer tokenizerJson;

    public TokenizerRoundTripProperties()
    {
        gpt2 = TokenizerLoader.Load(gpt2Folder.Path, TokenizerLoader.Gpt2Encoding);
        TinyTokenizerFiles.WriteTokenizerJson(jsonFolder.Path, ["<|im_start|>", "<|im_end|>"]);
        tokenizerJson = TokenizerLoader.Load(jsonFolder.Path);
    }

    public void Dispose()
    {
        gpt2Folder.Dispose();
        jsonFolder.Dispose();
    }

    [Property(MaxTest = 500)]
    public void Any_valid_text_round_trips_through_gpt2(NonNull<string> text)
    {
        var value = Valid(text.Get);

        Assert.Equal(value, gpt2.Decode(gpt2.Encode(value)));
    }

    [Property(MaxTest = 500)]
    public void Any_valid_text_with_chat_markers_round_trips_through_tokenizer_json(NonNull<string> before, NonNull<string> after)
    {
        var value = $"{Valid(before.Get)}<|im_start|>{Valid(after.Get)}<|im_end|>";

        var ids = tokenizerJson.Encode(value);

        Assert.Equal(value, tokenizerJson.Decode(ids));
        Assert.Contains(tokenizerJson.SpecialTokens.ByText["<|im_start|>"], ids);
    }

    // FsCheck strings may hold lone UTF-16 surrogates, which no UTF-8 tokenizer can represent.
    private static string Valid(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
}

using System.Text;
using System.Text.Json;
using DiffusionChat.Checkpoints;
using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> whose model is BPE into a <see cref="BpeDefinition"/>. Components that
/// Microsoft.ML.Tokenizers cannot reproduce are rejected with <see cref="NotSupportedException"/> naming the file and
/// the component, instead of silently tokenizing differently from the reference.
/// </summary>
internal static class TokenizerJsonReader
{
    public static BpeDefinition Read(string path)
    {
        var root = TokenizerJson.ReadOptional(path) ?? throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, null, "has no 'model' object.");
        }

        var type = TokenizerJson.OptionalString(path, model, "type") ?? (model.TryGetProperty("merges", out _) ? "BPE" : "unknown");
        if (type != "BPE")
        {
            throw new NotSupportedException($"Tokenizer file '{path}': model type '{type}' is not supported (supported: BPE; WordPiece, Unigram and WordLevel are not).");
        }

        if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True)
        {
            throw new NotSupportedException($"Tokenizer file '{path}': BPE 'byte_fallback' (SentencePiece-style <0xNN> tokens) is not supported.");
        }

        if (!model.TryGetProperty("vocab", out var vocab))
        {
            throw new CheckpointFormatException(path, null, "model has no 'vocab'.");
        }

        var (byteLevel, pattern) = ReadPreTokenizer(path, root.TryGetProperty("pre_tokenizer", out var pre) ? pre : default);
        var settings = new BpeSettings(
            byteLevel,
            pattern,
            ReadNormalizer(path, root.TryGetProperty("normalizer", out var norm) ? norm : default),
            TokenizerJson.OptionalString(path, model, "unk_token"),
            TokenizerJson.OptionalString(path, model, "continuing_subword_prefix"),
            TokenizerJson.OptionalString(path, model, "end_of_word_suffix"),
            model.TryGetProperty("fuse_unk", out var fuse) && fuse.ValueKind == JsonValueKind.True);

        return new BpeDefinition(path, TokenizerJson.Vocabulary(path, vocab), ReadMerges(path, model), ReadAddedTokens(path, root), settings);
    }

    private static List<string> ReadMerges(string path, JsonElement model)
    {
        var merges = new List<string>();
        if (!model.TryGetProperty("merges", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return merges;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, null, $"model 'merges' must be an array, found {list.ValueKind}.");
        }

        foreach (var merge in list.EnumerateArray())
        {
            // Older files spell a merge "a b", newer ones ["a", "b"]; ML.Tokenizers takes the first form.
            if (merge.ValueKind == JsonValueKind.String && merge.GetString()!.Split(' ').Length == 2)
            {
                merges.Add(merge.GetString()!);
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2 &&
                     merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                var (left, right) = (merge[0].GetString()!, merge[1].GetString()!);
                if (left.Contains(' ', StringComparison.Ordinal) || right.Contains(' ', StringComparison.Ordinal))
                {
                    throw new NotSupportedException($"Tokenizer file '{path}': merge [{left}, {right}] contains a space, which Microsoft.ML.Tokenizers cannot represent.");
                }

                merges.Add($"{left} {right}");
            }
            else
            {
                throw new CheckpointFormatException(path, null, $"merge {merge.GetRawText()} must be \"left right\" or [\"left\", \"right\"].");
            }
        }

        return merges;
    }

    private static Dictionary<string, int> ReadAddedTokens(string path, JsonElement root)
    {
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!root.TryGetProperty("added_tokens", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return added;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, null, $"'added_tokens' must be an array, found {list.ValueKind}.");
        }

        foreach (var token in list.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Object || !token.TryGetProperty("id", out var idElement) ||
                TokenizerJson.Ids(path, "added_tokens.id", idElement) is not [var id] ||
                TokenizerJson.OptionalString(path, token, "content") is not { Length: > 0 } content)
            {
                throw new CheckpointFormatException(path, null, $"added token {token.GetRawText()} needs an integer 'id' and a non-empty string 'content'.");
            }

            added[content] = id;
        }

        return added;
    }

    private static (bool ByteLevel, string? Pattern) ReadPreTokenizer(string path, JsonElement pre)
    {
        if (pre.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (false, null);
        }

        var steps = TypeOf(path, pre, "pre_tokenizer") == "Sequence" && pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToList()
            : [pre];
        bool byteLevel = false;
        string? pattern = null;
        foreach (var step in steps)
        {
            switch (TypeOf(path, step, "pre_tokenizer"))
            {
                case "ByteLevel":
                    if (step.TryGetProperty("add_prefix_space", out var prefix) && prefix.ValueKind == JsonValueKind.True)
                    {
                        throw new NotSupportedException($"Tokenizer file '{path}': ByteLevel 'add_prefix_space: true' is not supported.");
                    }

                    byteLevel = true;
                    if (!step.TryGetProperty("use_regex", out var useRegex) || useRegex.ValueKind != JsonValueKind.False)
                    {
                        pattern = SetPattern(path, pattern, BpeDefinition.Gpt2SplitPattern);
                    }

                    break;
                case "Split":
                    pattern = SetPattern(path, pattern, ReadSplit(path, step));
                    break;
                case var other:
                    throw new NotSupportedException($"Tokenizer file '{path}': pre-tokenizer '{other}' is not supported (supported: ByteLevel, Split with Isolated behaviour, and a Sequence of one split plus ByteLevel).");
            }
        }

        return (byteLevel, pattern);
    }

    private static string SetPattern(string path, string? current, string next) =>
        current is null
            ? next
            : throw new NotSupportedException($"Tokenizer file '{path}': more than one splitting pre-tokenizer in a Sequence is not supported.");

    private static string ReadSplit(string path, JsonElement split)
    {
        var behavior = TokenizerJson.OptionalString(path, split, "behavior") ?? "Isolated";
        bool invert = split.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True;
        if (behavior != "Isolated" || invert)
        {
            throw new NotSupportedException($"Tokenizer file '{path}': Split with behavior '{behavior}'{(invert ? " inverted" : "")} is not supported (supported: Isolated, not inverted).");
        }

        if (!split.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, null, "Split pre-tokenizer has no 'pattern' object.");
        }

        if (TokenizerJson.OptionalString(path, pattern, "Regex") is { } regex)
        {
            try
            {
                _ = new System.Text.RegularExpressions.Regex(regex, System.Text.RegularExpressions.RegexOptions.CultureInvariant);
                return regex;
            }
            catch (ArgumentException ex)
            {
                throw new NotSupportedException($"Tokenizer file '{path}': Split regex '{regex}' is not valid .NET regex syntax ({ex.Message}).", ex);
            }
        }

        return TokenizerJson.OptionalString(path, pattern, "String") is { } literal
            ? System.Text.RegularExpressions.Regex.Escape(literal)
            : throw new CheckpointFormatException(path, null, "Split 'pattern' needs a 'Regex' or 'String'.");
    }

    private static Normalizer? ReadNormalizer(string path, JsonElement normalizer)
    {
        if (normalizer.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        var steps = TypeOf(path, normalizer, "normalizer") == "Sequence" && normalizer.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToList()
            : [normalizer];
        NormalizationForm? form = null;
        bool lowercase = false;
        foreach (var step in steps)
        {
            switch (TypeOf(path, step, "normalizer"))
            {
                case "NFC": form = NormalizationForm.FormC; break;
                case "NFD": form = NormalizationForm.FormD; break;
                case "NFKC": form = NormalizationForm.FormKC; break;
                case "NFKD": form = NormalizationForm.FormKD; break;
                case "Lowercase": lowercase = true; break;
                case var other:
                    throw new NotSupportedException($"Tokenizer file '{path}': normalizer '{other}' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase).");
            }
        }

        return steps.Count == 0 ? null : new UnicodeFormNormalizer(form, lowercase);
    }

    private static string TypeOf(string path, JsonElement component, string what) =>
        component.ValueKind == JsonValueKind.Object && TokenizerJson.OptionalString(path, component, "type") is { } type
            ? type
            : throw new CheckpointFormatException(path, null, $"{what} {component.GetRawText()} has no string 'type'.");
}

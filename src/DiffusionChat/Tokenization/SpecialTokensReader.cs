using System.Text.Json;
using DiffusionChat.Checkpoints;

namespace DiffusionChat.Tokenization;

/// <summary>
/// Resolves a folder's special tokens from its own files: role texts from <c>tokenizer_config.json</c> (then
/// <c>special_tokens_map.json</c>), role ids from <c>config.json</c> (then <c>generation_config.json</c>), which win
/// over the texts because they are what the model was trained with; extra tokens from <c>added_tokens</c>,
/// <c>added_tokens_decoder</c> and <c>additional_special_tokens</c>.
/// </summary>
internal sealed class SpecialTokensReader
{
    private static readonly string[] Roles = ["mask", "bos", "eos", "pad", "unk"];

    private readonly string directory;
    private readonly TokenizerDefinition definition;
    private readonly Dictionary<string, int> byText = new(StringComparer.Ordinal);

    private SpecialTokensReader(string directory, TokenizerDefinition definition)
    {
        this.directory = directory;
        this.definition = definition;
    }

    public static SpecialTokens Read(string directory, TokenizerDefinition definition, JsonElement? config, JsonElement? tokenizerConfig) =>
        new SpecialTokensReader(directory, definition).Resolve(config, tokenizerConfig);

    private SpecialTokens Resolve(JsonElement? config, JsonElement? tokenizerConfig)
    {
        var configPath = Path.Combine(directory, TokenizerLoader.ConfigFile);
        var tokenizerConfigPath = Path.Combine(directory, TokenizerLoader.TokenizerConfigFile);
        var mapPath = Path.Combine(directory, TokenizerLoader.SpecialTokensMapFile);
        var generationPath = Path.Combine(directory, TokenizerLoader.GenerationConfigFile);
        var specialMap = TokenizerJson.ReadOptional(mapPath);
        var generation = TokenizerJson.ReadOptional(generationPath);

        foreach (var (text, id) in definition.AddedTokens)
        {
            byText[text] = id;
        }

        ReadAddedTokensDecoder(tokenizerConfigPath, tokenizerConfig);
        ReadAdditional(tokenizerConfigPath, tokenizerConfig);
        ReadAdditional(mapPath, specialMap);

        var roles = new Dictionary<string, SpecialToken?>(StringComparer.Ordinal);
        var eosIds = new List<int>();
        foreach (var role in Roles)
        {
            var text = RoleText(tokenizerConfigPath, tokenizerConfig, role) ?? RoleText(mapPath, specialMap, role);
            var ids = RoleIds(configPath, config, role) is { Count: > 0 } fromConfig ? fromConfig : RoleIds(generationPath, generation, role);
            if (role == "eos")
            {
                eosIds.AddRange(RoleIds(configPath, config, role));
                eosIds.AddRange(RoleIds(generationPath, generation, role));
            }

            roles[role] = ResolveRole(role, text, ids.Count > 0 ? ids[0] : null, tokenizerConfig is null ? mapPath : tokenizerConfigPath);
        }

        if (roles["mask"] is null && config is { } c && c.TryGetProperty("vocab_size", out var vocabSize) &&
            vocabSize.ValueKind == JsonValueKind.Number && vocabSize.TryGetInt32(out int size) && size == definition.VocabularySize + 1)
        {
            // MDLM's convention when the tokenizer has no mask token: the mask is appended as the last id.
            roles["mask"] = Register(Synthesize("mask"), definition.VocabularySize);
        }

        var stop = new List<int>();
        if (roles["eos"] is { } eos)
        {
            stop.Add(eos.Id);
        }

        stop.AddRange(eosIds.Where(id => !stop.Contains(id)).Distinct());
        foreach (var id in stop)
        {
            if (!byText.ContainsValue(id) && definition.TextOf(id) is { } text)
            {
                byText[text] = id;
            }
        }

        return new SpecialTokens(roles["mask"], roles["bos"], roles["eos"], roles["pad"], roles["unk"], stop, byText);
    }

    private SpecialToken? ResolveRole(string role, string? text, int? configId, string textSource)
    {
        if (configId is { } id)
        {
            int existing = -1;
            var name = text is not null && Lookup(text, out existing) && existing == id
                ? text
                : byText.FirstOrDefault(kv => kv.Value == id).Key ?? definition.TextOf(id) ?? Synthesize(role);
            return Register(name, id);
        }

        if (text is null)
        {
            return null;
        }

        return Lookup(text, out int found)
            ? Register(text, found)
            : throw new CheckpointFormatException(textSource, null, $"{role}_token '{text}' is not a token of the vocabulary ({definition.Source}).");
    }

    private bool Lookup(string text, out int id) => byText.TryGetValue(text, out id) || definition.TryGetId(text, out id);

    private SpecialToken Register(string text, int id)
    {
        byText[text] = id;
        return new SpecialToken(text, id);
    }

    private string Synthesize(string role)
    {
        var text = $"<|{role}|>";
        return byText.ContainsKey(text) || definition.TryGetId(text, out _) ? $"<|diffusionchat_{role}|>" : text;
    }

    private void ReadAddedTokensDecoder(string path, JsonElement? tokenizerConfig)
    {
        if (tokenizerConfig is not { } tc || !tc.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (decoder.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, null, $"'added_tokens_decoder' must be an object of id -> token, found {decoder.ValueKind}.");
        }

        foreach (var entry in decoder.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) ||
                TokenizerJson.TokenText(path, $"added_tokens_decoder.{entry.Name}", entry.Value) is not { Length: > 0 } text)
            {
                throw new CheckpointFormatException(path, null, $"'added_tokens_decoder' entry '{entry.Name}' needs a non-negative integer key and a token with 'content'.");
            }

            byText[text] = id;
        }
    }

    private void ReadAdditional(string path, JsonElement? file)
    {
        if (file is not { } f || !f.TryGetProperty("additional_special_tokens", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, null, $"'additional_special_tokens' must be an array, found {list.ValueKind}.");
        }

        foreach (var item in list.EnumerateArray())
        {
            if (TokenizerJson.TokenText(path, "additional_special_tokens", item) is not { Length: > 0 } text)
            {
                continue;
            }

            byText[text] = Lookup(text, out int id)
                ? id
                : throw new CheckpointFormatException(path, null, $"additional special token '{text}' is not a token of the vocabulary ({definition.Source}).");
        }
    }

    private static string? RoleText(string path, JsonElement? file, string role) =>
        file is { } f && f.TryGetProperty($"{role}_token", out var value) ? TokenizerJson.TokenText(path, $"{role}_token", value) : null;

    private static List<int> RoleIds(string path, JsonElement? file, string role) =>
        file is { } f && f.TryGetProperty($"{role}_token_id", out var value) ? TokenizerJson.Ids(path, $"{role}_token_id", value) : [];
}

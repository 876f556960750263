using System.Text.Json;

namespace DiffusionChat.Prompting;

/// <summary>
/// Picks a checkpoint's chat format from the <c>chat_template</c> in its <c>tokenizer_config.json</c>: a template using
/// <c>&lt;|start_header_id|&gt;</c> (LLaDA-8B-Instruct, Llama 3) gets <see cref="HeaderPromptFormat"/> with the folder's
/// BOS/EOS texts; one using <c>&lt;|im_start|&gt;</c>, or none at all (the shipped models), gets
/// <see cref="ChatMlPromptFormat"/>. Jinja templates are recognised by their markers, not executed.
/// </summary>
public static class PromptFormatSelector
{
    /// <summary>Chooses the format for a checkpoint folder.</summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <returns>The format.</returns>
    /// <exception cref="NotSupportedException">The folder has a chat template of a kind DiffusionChat does not know.</exception>
    public static IChatPromptFormat Select(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var path = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            return ChatMlPromptFormat.Instance;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("chat_template", out var template) || template.ValueKind != JsonValueKind.String)
        {
            return ChatMlPromptFormat.Instance;
        }

        var text = template.GetString()!;
        if (text.Contains(HeaderPromptFormat.HeaderStart, StringComparison.Ordinal))
        {
            return new HeaderPromptFormat(TokenText(root, "bos_token"), TokenText(root, "eos_token"));
        }

        if (text.Contains(ChatMarkers.TurnStart, StringComparison.Ordinal))
        {
            return ChatMlPromptFormat.Instance;
        }

        throw new NotSupportedException(
            $"The chat_template in '{path}' is of a kind DiffusionChat does not recognise; supported: ChatML (<|im_start|>) and Llama-3 headers (<|start_header_id|>).");
    }

    // Special tokens appear either as plain strings or as {"content": "..."} objects in tokenizer_config.json.
    private static string TokenText(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? ""
        : value.ValueKind == JsonValueKind.String ? value.GetString()!
        : value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()!
        : "";
}

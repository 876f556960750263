using System.Text.Encodings.Web;
using System.Text.Json;

namespace DiffusionChat.Prompting;

/// <summary>How the template writes JSON: compact, and non-ASCII text kept as is (not <c>\uXXXX</c>) so it tokenizes like prose.</summary>
internal static class TemplateJson
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
}

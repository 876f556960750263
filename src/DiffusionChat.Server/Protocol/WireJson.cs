using System.Text.Encodings.Web;
using System.Text.Json;

namespace DiffusionChat.Server.Protocol;

/// <summary>Writer settings for every JSON body: quotes and apostrophes as themselves, as OpenAI's API writes them.</summary>
internal static class WireJson
{
    // The bodies are JSON API responses, never embedded in HTML, so HTML-sensitive characters need no escaping.
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

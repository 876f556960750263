using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Simplex;

namespace DiffusionChat.Tests.Simplex;

public class SimplexLlamaConfigTests
{
    private static JsonElement Parse(JsonObject json) => JsonDocument.Parse(json.ToJsonString()).RootElement;

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Config_written_by_ToJson_reads_back_equal_and_names_the_simplex_llama_type(bool shift, bool selfConditioning)
    {
        var config = new SimplexLlamaConfig(
            new LlamaConfig(3072, 128, 384, 4, 4, 2, 640) { RmsNormEps = 1e-6, RopeTheta = 50000, EosTokenId = 3069, PadTokenId = 3071 }, shift, selfConditioning);

        var json = config.ToJson();
        var read = SimplexLlamaConfig.FromJson(Parse(json), "config.json");

        Assert.Equal(config, read);
        Assert.Equal("simplex-llama", (string?)json["model_type"]);
        Assert.Equal("SimplexLlamaForDiffusionLM", (string?)json["architectures"]![0]);
        Assert.Equal(shift, (bool)json["shift_logits"]!);
        Assert.Equal(selfConditioning, (bool)json["self_conditioning"]!);
        Assert.Equal(640, read.MaxSequenceLength);
        Assert.Equal(3071, read.PadTokenId);
    }

    [Fact]
    public void A_config_without_shift_logits_or_self_conditioning_has_neither()
    {
        var json = TinySimplexLlama.Config.ToJson();
        json.Remove("shift_logits");
        json.Remove("self_conditioning");

        var read = SimplexLlamaConfig.FromJson(Parse(json), "config.json");

        Assert.False(read.ShiftLogits);
        Assert.False(read.SelfConditioning);
    }

    [Theory]
    [InlineData("vocab_size", "0", "field 'vocab_size' is 0")]
    [InlineData("num_key_value_heads", "3", "field 'num_key_value_heads' is 3")]
    [InlineData("hidden_size", "\"wide\"", "'hidden_size' must be an integer, found \"wide\"")]
    [InlineData("tie_word_embeddings", "false", "tie_word_embeddings is false")]
    [InlineData("tie_word_embeddings", "\"yes\"", "'tie_word_embeddings' must be true or false, found \"yes\"")]
    [InlineData("shift_logits", "1", "'shift_logits' must be true or false, found 1")]
    [InlineData("self_conditioning", "\"on\"", "'self_conditioning' must be true or false, found \"on\"")]
    [InlineData("pad_token_id", "64", "field 'pad_token_id' is 64: pad_token_id 64 is outside the vocabulary (0..63)")]
    [InlineData("eos_token_id", "-1", "field 'eos_token_id' is -1")]
    [InlineData("rms_norm_eps", "-0.5", "field 'rms_norm_eps' is -0.5")]
    [InlineData("rope_theta", "0", "field 'rope_theta' is 0")]
    public void Bad_values_are_refused_naming_the_field_and_value(string field, string value, string expected)
    {
        var json = TinySimplexLlama.Config.ToJson();
        json[field] = JsonNode.Parse(value);

        var ex = Assert.Throws<CheckpointFormatException>(() => SimplexLlamaConfig.FromJson(Parse(json), "/models/x/config.json"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("/models/x/config.json", ex.Message, StringComparison.Ordinal);
    }
}

using DiffusionChat.Cli;
using DiffusionChat.Cli.TinyModels;
using DiffusionChat.Generation;
using DiffusionChat.Samples.Chat;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Samples;

public class MakeTinyModelTests
{
    [Theory]
    [InlineData("masked", ModelFamily.MaskedDiffusion)]
    [InlineData("simplex", ModelFamily.SimplexDiffusion)]
    [InlineData("ar", ModelFamily.Autoregressive)]
    public async Task Tiny_model_folder_of_each_family_loads_and_answers(string family, ModelFamily expected)
    {
        using var folder = new TinyModelFolder(Enum.Parse<TinyModelFamily>(family, ignoreCase: true));
        using var client = ChatApp.Load(folder.Path);
        using var output = new StringWriter();

        await ChatApp.RunOnceAsync(client, new ChatArguments(null, "Hello", false, 8, null, null, 1), output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(expected, client.GetService<ITokenGenerator>()!.Family);
        Assert.False(string.IsNullOrWhiteSpace(output.ToString()));
    }

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    [InlineData("ar")]
    public void The_same_seed_writes_the_same_weights(string name)
    {
        var family = Enum.Parse<TinyModelFamily>(name, ignoreCase: true);
        using var first = new TinyModelFolder(family);
        using var second = new TinyModelFolder(family);

        byte[] a = File.ReadAllBytes(Path.Combine(first.Path, "model.safetensors"));
        byte[] b = File.ReadAllBytes(Path.Combine(second.Path, "model.safetensors"));

        Assert.True(a.AsSpan().SequenceEqual(b), $"two {family} folders written with seed 7 differ");
    }

    [Fact]
    public async Task Make_tiny_model_command_rejects_an_unknown_family()
    {
        int exit = await CommandLine.RunAsync(["make-tiny-model", Path.Combine(Path.GetTempPath(), "never-written"), "--family", "gru"]);

        Assert.Equal(2, exit);
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "never-written")));
    }
}

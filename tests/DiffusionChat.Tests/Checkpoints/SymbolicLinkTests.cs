using DiffusionChat.Checkpoints;
using TorchSharp;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>
/// Model files reached through symbolic links load like the files themselves: the Hugging Face hub cache keeps every
/// file of a snapshot folder as a link into its blobs folder.
/// </summary>
public class SymbolicLinkTests
{
    [Fact]
    public void A_safetensors_file_behind_a_symbolic_link_opens_with_the_target_values()
    {
        using var folder = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var expected = torch.randn([5, 7], generator: new torch.Generator(11));
        string blob = folder.File("blob-0123");
        SafetensorsWriter.Write(blob, new Dictionary<string, torch.Tensor> { ["w"] = expected });
        string link = folder.File("model.safetensors");
        File.CreateSymbolicLink(link, blob);

        using var file = SafetensorsFile.Open(link);
        var loaded = file.Load("w");

        Assert.True(loaded.allclose(expected, rtol: 0, atol: 0), "the tensor read through the link differs from the one written");
    }
}

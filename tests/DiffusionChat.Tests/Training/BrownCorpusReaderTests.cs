using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Tests.Training;

public sealed class BrownCorpusReaderTests
{
    [Fact]
    public void Strips_tags_and_reattaches_punctuation_and_quotes()
    {
        var text = BrownCorpusReader.StripTags("\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, and/cc 1/2/cd cups/nns ./.");

        Assert.Equal("The jury said \"no evidence\", and 1/2 cups.", text);
    }

    [Fact]
    public void Reads_sentences_from_corpus_files_only_in_name_order()
    {
        var folder = Directory.CreateTempSubdirectory("brown");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "cb01"), "\n\n\tSecond/ap ./.\n");
            File.WriteAllText(Path.Combine(folder.FullName, "ca01"), "\n\tFirst/od line/nn ./.\n\n\tThen/rb this/dt ./.\n");
            File.WriteAllText(Path.Combine(folder.FullName, "README"), "not/nn a/at corpus/nn file/nn");

            var sentences = BrownCorpusReader.ReadSentences(folder.FullName).ToList();

            Assert.Equal(["First line.", "Then this.", "Second."], sentences);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_twentieth_document_is_held_out_and_never_in_training()
    {
        var folder = Directory.CreateTempSubdirectory("brown-split");
        try
        {
            for (int i = 1; i <= 40; i++)
            {
                File.WriteAllText(Path.Combine(folder.FullName, $"ca{i:D2}"), $"\tDoc/nn {i}/cd ./.\n");
            }

            var train = BrownCorpusReader.ReadSentences(folder.FullName, DataSplit.Train).ToList();
            var heldOut = BrownCorpusReader.ReadSentences(folder.FullName, DataSplit.HeldOut).ToList();

            Assert.Equal(["Doc 20.", "Doc 40."], heldOut);
            Assert.Equal(38, train.Count);
            Assert.Empty(train.Intersect(heldOut));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Missing_folder_tells_how_to_fetch_the_corpus()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => BrownCorpusReader.ReadSentences("/nonexistent/brown").ToList());

        Assert.Contains("fetch-brown.sh", ex.Message, StringComparison.Ordinal);
    }
}

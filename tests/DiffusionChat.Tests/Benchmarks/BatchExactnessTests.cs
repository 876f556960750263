using DiffusionChat.Benchmarks;

namespace DiffusionChat.Tests.Benchmarks;

public sealed class BatchExactnessTests
{
    private static readonly IReadOnlyList<IReadOnlyList<int>> Alone = [[5, 6, 7], [1, 2, 3]];

    [Fact]
    public void Batched_rows_equal_to_their_prompts_decoded_alone_pass()
    {
        BatchExactness.Require([[5, 6, 7], [1, 2, 3]], Alone, "bench model, block 8");
    }

    [Fact]
    public void A_differing_token_fails_naming_the_run_the_row_and_the_position()
    {
        var ex = Assert.Throws<BatchNotExactException>(() => BatchExactness.Require([[5, 6, 7], [1, 9, 3]], Alone, "bench model, block 8, 2 threads"));

        Assert.Contains("bench model, block 8, 2 threads", ex.Message, StringComparison.Ordinal);
        Assert.Contains("row 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("answer token 1 (batched 9, alone 2)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shorter_batched_answer_fails_even_when_its_tokens_agree()
    {
        var ex = Assert.Throws<BatchNotExactException>(() => BatchExactness.Require([[5, 6], [1, 2, 3]], Alone, "run"));

        Assert.Contains("row 0 has 2 answer tokens in the batch and 3 alone", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_row_fails()
    {
        var ex = Assert.Throws<BatchNotExactException>(() => BatchExactness.Require([[5, 6, 7]], Alone, "run"));

        Assert.Contains("1 answers for 2 prompts", ex.Message, StringComparison.Ordinal);
    }
}

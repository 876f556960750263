using DiffusionChat.Generation;
using DiffusionChat.Trainer.Training.Masked;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class CertaintyForcingTests : IDisposable
{
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Fact]
    public void Entropy_counts_only_masked_positions_whose_argmax_is_the_target()
    {
        using var scope = NewDisposeScope();
        // Three positions over a vocabulary of 3: right and masked (counted), wrong and masked, right but visible.
        var logits = tensor(new float[] { 2, 0, 0, /**/ 2, 0, 0, /**/ 0, 3, 0 }).reshape(1, 3, 3);
        var targets = tensor(new long[] { 0, 1, 1 }).reshape(1, 3);
        var masked = tensor(new[] { true, true, false }).reshape(1, 3);

        var entropy = CertaintyForcing.Entropy(logits, targets, masked).item<float>();

        var p = new[] { Math.Exp(2), 1, 1 }.Select(v => v / (Math.Exp(2) + 2)).ToArray();
        var expected = -p.Sum(v => v * Math.Log(v));
        Assert.Equal(expected, entropy, 4);
    }

    [Fact]
    public void A_forbidden_token_at_minus_infinity_adds_nothing_and_gives_no_NaN()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, 1, float.NegativeInfinity }).reshape(1, 1, 3);
        var targets = tensor(new long[] { 0 }).reshape(1, 1);
        var masked = tensor(new[] { true }).reshape(1, 1);

        var entropy = CertaintyForcing.Entropy(logits, targets, masked).item<float>();

        Assert.Equal(Math.Log(2), entropy, 4); // two equally likely tokens
    }

    [Fact]
    public void A_forbidden_token_at_minus_infinity_gives_finite_gradients()
    {
        using var scope = NewDisposeScope();
        var raw = tensor(new float[] { 1, 0.5f, 0 }).reshape(1, 1, 3).requires_grad_(true);
        var logits = raw + tensor(new float[] { 0, 0, float.NegativeInfinity }).reshape(1, 1, 3); // as SUBS forbids the mask token
        var targets = tensor(new long[] { 0 }).reshape(1, 1);
        var masked = tensor(new[] { true }).reshape(1, 1);

        CertaintyForcing.Entropy(logits, targets, masked).backward();

        Assert.True(raw.grad!.isfinite().all().item<bool>(), "NaN or infinite gradient next to a -inf logit");
    }

    [Fact]
    public void The_term_raises_the_loss_and_its_gradient_sharpens_a_right_prediction()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, 0.5f, 0 }).reshape(1, 1, 3).requires_grad_(true);
        var targets = tensor(new long[] { 0 }).reshape(1, 1);
        var masked = tensor(new[] { true }).reshape(1, 1);

        CertaintyForcing.Entropy(logits, targets, masked).backward();

        // Gradient descent lowers the entropy by moving mass to the most probable (right) token.
        var step = (logits - 0.5 * logits.grad!).detach();
        Assert.True(step.softmax(-1)[0, 0, 0].item<float>() > logits.detach().softmax(-1)[0, 0, 0].item<float>());
    }

    [Fact]
    public void A_run_with_a_sampler_threshold_writes_it_into_generation_defaults_and_the_library_reads_it_back()
    {
        using var objective = setup.CreateMaskedObjective(samplerThreshold: 0.8, certaintyWeight: 0.5);

        var folder = Path.Combine(setup.Folder.FullName, "threshold-model");
        DiffusionChat.Trainer.Checkpoints.PretrainedFolderWriter.Write(folder, objective.ModelConfig, objective.Model, setup.TokenizerFolder, modelCard: null);
        using var checkpoint = DiffusionChat.Checkpoints.CheckpointFolder.Open(folder);
        var defaults = GenerationDefaults.Read(checkpoint);

        Assert.Equal(0.8, defaults.ConfidenceThreshold);
        Assert.Equal(4, defaults.BlockLength);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    public void A_threshold_outside_zero_to_one_is_refused_with_its_value(double threshold)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => setup.CreateMaskedObjective(samplerThreshold: threshold));
        Assert.Contains(threshold.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_certainty_forcing_the_loss_is_larger_than_without_on_the_same_batch_and_noise()
    {
        using var plain = setup.CreateMaskedObjective(seed: 3);
        using var forced = setup.CreateMaskedObjective(seed: 3, certaintyWeight: 1.0);
        using var scope = NewDisposeScope();
        using var batch = setup.Train.Batch(seed: 1, step: 0, batchSize: 8, CPU);
        using var first = new Generator(11);
        using var second = new Generator(11);

        var without = plain.Loss(batch, first).item<float>();
        var with = forced.Loss(batch, second).item<float>();

        Assert.True(with >= without, $"{with} < {without}");
        Assert.True(float.IsFinite(with));
    }
}

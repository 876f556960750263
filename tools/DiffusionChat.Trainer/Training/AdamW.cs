using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter 2019). Our own, so that its moments and step count are
/// plain named tensors the checkpoint can save and restore exactly. Decay applies to matrices only (not norms).
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly List<(string Name, Parameter Parameter, Tensor Mean, Tensor Variance)> slots;
    private readonly double beta1;
    private readonly double beta2;
    private readonly double epsilon;
    private readonly double weightDecay;

    /// <summary>Creates zeroed moments for every parameter.</summary>
    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double beta1 = 0.9, double beta2 = 0.95, double epsilon = 1e-8, double weightDecay = 0.1)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        slots = parameters.Select(p => (p.Name, p.Parameter, zeros_like(p.Parameter).DetachFromDisposeScope(), zeros_like(p.Parameter).DetachFromDisposeScope())).ToList();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /// <summary>Updates taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>The parameters.</summary>
    public IEnumerable<Parameter> Parameters => slots.Select(s => s.Parameter);

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/> from the parameters' gradients.</summary>
    public void Step(double learningRate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Steps++;
        var correction1 = 1 - Math.Pow(beta1, Steps);
        var correction2 = 1 - Math.Pow(beta2, Steps);
        foreach (var (_, parameter, mean, variance) in slots)
        {
            var gradient = parameter.grad;
            if (gradient is null)
            {
                continue;
            }

            mean.TimesInPlace(beta1).PlusScaledInPlace(gradient, 1 - beta1);
            variance.TimesInPlace(beta2).PlusScaledProductInPlace(gradient, gradient, 1 - beta2);
            if (weightDecay > 0 && parameter.dim() >= 2)
            {
                parameter.TimesInPlace(1 - (learningRate * weightDecay));
            }

            var denominator = variance.DividedBy(correction2).sqrt_().PlusInPlace(epsilon);
            parameter.PlusScaledQuotientInPlace(mean, denominator, -learningRate / correction1);
        }
    }

    /// <summary>Clears the gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var slot in slots)
        {
            slot.Parameter.grad?.zero_();
        }
    }

    /// <summary>The moments as named tensors (<c>exp_avg.{name}</c>, <c>exp_avg_sq.{name}</c>) for checkpoints.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> State() =>
        slots.SelectMany(s => new[] { KeyValuePair.Create("exp_avg." + s.Name, s.Mean), KeyValuePair.Create("exp_avg_sq." + s.Name, s.Variance) });

    /// <summary>Restores moments and step count saved by <see cref="State"/>.</summary>
    /// <exception cref="InvalidDataException">A moment is missing or mis-shaped.</exception>
    public void Restore(Func<string, Tensor?> load, long steps)
    {
        ArgumentNullException.ThrowIfNull(load);
        using var noGrad = no_grad();
        foreach (var (name, _, mean, variance) in slots)
        {
            foreach (var (key, target) in new[] { ("exp_avg." + name, mean), ("exp_avg_sq." + name, variance) })
            {
                using var value = load(key) ?? throw new InvalidDataException($"Optimizer state '{key}' is missing from the checkpoint.");
                if (!value.shape.SequenceEqual(target.shape))
                {
                    throw new InvalidDataException($"Optimizer state '{key}' has shape [{string.Join(", ", value.shape)}], expected [{string.Join(", ", target.shape)}].");
                }

                target.copy_(value);
            }
        }

        Steps = steps;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in slots)
        {
            slot.Mean.Dispose();
            slot.Variance.Dispose();
        }
    }
}

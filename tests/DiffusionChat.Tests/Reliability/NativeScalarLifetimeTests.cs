using System.Reflection;
using DiffusionChat.Tensors;
using DiffusionChat.Tests.Build;
using TorchSharp;

namespace DiffusionChat.Tests.Reliability;

/// <summary>
/// Every native scalar our code hands to LibTorch is held until the call returns (docs/reliability.md, "Native
/// scalars"): TorchSharp 0.107 frees a <see cref="Scalar"/> only from its finalizer and passes its raw handle, so an
/// implicit number-to-scalar conversion can be freed by a garbage collection while LibTorch reads it.
/// </summary>
public sealed class NativeScalarLifetimeTests
{
    private static readonly Assembly TorchSharpAssembly = typeof(Scalar).Assembly;

    /// <summary>TorchSharp methods that make a scalar themselves and pass it on unheld (found from their IL, transitively).</summary>
    private static readonly Lazy<HashSet<(Module, int)>> CreatesScalarInside = new(FindScalarCreators);

    public static TheoryData<string> CheckedAssemblies => new()
    {
        typeof(DiffusionChatClient).Assembly.GetName().Name!,
        typeof(DiffusionChat.Trainer.Training.TrainingOptions).Assembly.GetName().Name!,
        typeof(DiffusionChat.Cli.Golden.GoldenCompare).Assembly.GetName().Name!,
        "DiffusionChat.Benchmarks",
        "DiffusionChat.MaskedBench",
    };

    [Theory]
    [MemberData(nameof(CheckedAssemblies))]
    public void Code_hands_LibTorch_only_scalars_it_holds(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var offending = IlCalls.In(assembly)
            .Where(call => IsUnheldScalar(call))
            .Select(call => $"{call.Source}: {IlCalls.Describe(call.Callee)}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(offending.Count == 0,
            $"{offending.Count} call(s) in {assemblyName} convert a number to a TorchSharp Scalar, or call an overload that does, "
            + $"outside {nameof(HeldScalars)}; use its methods (they hold the scalar for the native call):\n"
            + string.Join("\n", offending));
    }

    [Fact]
    public void The_check_sees_the_conversions_it_forbids()
    {
        // Guards the IL reading itself: this test assembly does use implicit scalars (below), and a scanner that found
        // none would let every check above pass.
        var probe = typeof(NativeScalarLifetimeTests).GetMethod(nameof(ImplicitScalarUse), BindingFlags.NonPublic | BindingFlags.Static)!;
        var calls = IlCalls.In(typeof(NativeScalarLifetimeTests).Assembly).Where(call => call.Caller == probe).ToList();

        Assert.Contains(calls, call => IsUnheldScalar(call) && call.Callee.Name == "op_Implicit");
        Assert.Contains(calls, call => IsUnheldScalar(call) && call.Callee.Name == "op_Multiply");
        Assert.Contains(calls, call => IsUnheldScalar(call) && call.Callee.Name == "op_Addition");
        Assert.DoesNotContain(calls, call => IsUnheldScalar(call) && call.Callee.Name == nameof(HeldScalars.Plus));
        Assert.All(calls, call => Assert.Contains($"{nameof(NativeScalarLifetimeTests)}.cs:", call.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void Held_scalars_survive_constant_garbage_collection()
    {
        // The fault's reproduction: masked_fill and a scalar product in a loop while another thread collects without
        // pause. With TorchSharp's implicit scalars this fails within about a second (LibTorch reads a freed scalar:
        // "Expected false to be true" from Scalar::toFloat); the held ones never do.
        using var x = torch.randn(64, 64);
        using var mask = x.IsGreaterThan(0);
        using var expectedFilled = torch.where(mask, torch.tensor(double.NegativeInfinity), x);
        using var expectedHalved = x.div(torch.tensor(2.0));
        bool allEqual = true;
        using (new ConstantCollections())
        {
            for (int round = 0; round < 400; round++)
            {
                using var scope = torch.NewDisposeScope();
                for (int i = 0; i < 100; i++)
                {
                    var filled = x.FillMasked(mask, double.NegativeInfinity);
                    var halved = x.Times(0.5);
                    allEqual &= filled.equal(expectedFilled).all().item<bool>() && halved.equal(expectedHalved).all().item<bool>();
                }
            }
        }

        Assert.True(allEqual, "A held scalar operation returned a different value under garbage-collection pressure.");
    }

    // A number TorchSharp converts (x * 0.5), one we convert (masked_fill's 0.0), and a tensor + tensor (TorchSharp
    // makes an alpha of 1 inside).
    private static torch.Tensor ImplicitScalarUse(torch.Tensor x, torch.Tensor y, torch.Tensor mask) =>
        (x * 0.5).masked_fill(mask, 0.0) + y.Plus(y);

    /// <summary>A thread that collects garbage and runs finalizers in a loop until disposed.</summary>
    private sealed class ConstantCollections : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Thread thread;

        public ConstantCollections()
        {
            thread = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
            })
            { IsBackground = true, Name = "constant garbage collections" };
            thread.Start();
        }

        public void Dispose()
        {
            stop.Cancel();
            thread.Join();
            stop.Dispose();
        }
    }

    private static bool IsUnheldScalar(IlCall call)
    {
        var callee = call.Callee;
        if (callee.Module.Assembly != TorchSharpAssembly)
        {
            return false;
        }

        if (MakesScalar(callee))
        {
            return call.Caller.DeclaringType != typeof(HeldScalars);
        }

        return CreatesScalarInside.Value.Contains((callee.Module, callee.MetadataToken));
    }

    /// <summary>A method that returns a new <see cref="Scalar"/> (the implicit conversions, <c>ToScalar</c>).</summary>
    private static bool MakesScalar(MethodBase method) => method is MethodInfo { ReturnType: var returns } && returns == typeof(Scalar);

    private static HashSet<(Module, int)> FindScalarCreators()
    {
        var calls = IlCalls.In(TorchSharpAssembly);
        var creators = new HashSet<(Module, int)>();
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (var call in calls)
            {
                var callee = call.Callee;
                bool creates = (callee.Module.Assembly == TorchSharpAssembly && MakesScalar(callee))
                    || creators.Contains((callee.Module, callee.MetadataToken));
                if (creates && creators.Add((call.Caller.Module, call.Caller.MetadataToken)))
                {
                    grew = true;
                }
            }
        }

        return creators;
    }
}

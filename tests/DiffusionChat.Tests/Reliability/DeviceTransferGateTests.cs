using System.Reflection;
using DiffusionChat.Sampling;
using DiffusionChat.Tests.Build;
using TorchSharp;

namespace DiffusionChat.Tests.Reliability;

/// <summary>
/// Sampling code moves data between host and device only through <see cref="DeviceTransfers"/>, so the counts a test
/// reads from a sampler's gate are every transfer the sampler made (docs/masked-engine.md: one read per block on a
/// fixed schedule).
/// </summary>
public sealed class DeviceTransferGateTests
{
    /// <summary>TorchSharp members that copy a tensor to the host.</summary>
    private static readonly HashSet<string> HostReads = ["item", "cpu", "data"];

    /// <summary>TorchSharp factories that build a tensor from host values.</summary>
    private static readonly HashSet<string> Uploads = ["tensor", "from_array", "as_tensor", "frombuffer"];

    /// <summary>
    /// Namespaces whose code is sampling code (every sampler, autoregressive included, the generation queue, and the
    /// scaffold fillers and infilling, which run denoiser passes of their own).
    /// </summary>
    private static readonly string[] SamplingNamespaces = ["DiffusionChat.Sampling", "DiffusionChat.Generation", "DiffusionChat.Structured"];

    [Fact]
    public void Sampling_code_reads_and_uploads_only_through_the_counted_gate()
    {
        var offending = TransfersIn(typeof(DeviceTransfers).Assembly)
            .Where(call => IsSamplingCode(call.Caller.DeclaringType) && !IsGate(call.Caller.DeclaringType))
            .Select(call => $"{call.Source}: {IlCalls.Describe(call.Callee)}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(offending.Count == 0,
            $"{offending.Count} call(s) in sampling code copy a tensor to the host or build one from host values outside "
            + $"{nameof(DeviceTransfers)}; use its ReadInt64 / ReadBool / Upload so the transfer is counted:\n"
            + string.Join("\n", offending));
    }

    [Fact]
    public void The_check_sees_the_transfers_it_forbids()
    {
        // Guards the IL reading and the member names: the gate itself makes every kind of transfer, and a check that
        // found none there would let the test above pass whatever the samplers do.
        var inGate = TransfersIn(typeof(DeviceTransfers).Assembly)
            .Where(call => IsGate(call.Caller.DeclaringType))
            .Select(call => call.Callee.Name)
            .ToHashSet();

        Assert.Superset(inGate, new HashSet<string> { "item", "cpu", "data", "tensor" });
        Assert.True(IsSamplingCode(typeof(MaskedDiffusionSampler)) && IsSamplingCode(typeof(DiffusionChat.Sampling.Autoregressive.CausalDecoder)));
    }

    private static IEnumerable<IlCall> TransfersIn(Assembly assembly) =>
        IlCalls.In(assembly).Where(call => IsTransfer(call.Callee));

    private static bool IsTransfer(MethodBase callee)
    {
        if (callee.Module.Assembly != typeof(torch).Assembly)
        {
            return false;
        }

        return (callee.DeclaringType == typeof(torch.Tensor) && HostReads.Contains(callee.Name))
            || (callee.DeclaringType == typeof(torch) && Uploads.Contains(callee.Name));
    }

    private static bool IsGate(Type? type) => Outermost(type) == typeof(DeviceTransfers);

    private static bool IsSamplingCode(Type? type)
    {
        var space = Outermost(type)?.Namespace;
        return space is not null && SamplingNamespaces.Any(ns => space == ns || space.StartsWith(ns + ".", StringComparison.Ordinal));
    }

    /// <summary>The declaring type of compiler-made closures and state machines, so they count as their method's code.</summary>
    private static Type? Outermost(Type? type)
    {
        while (type?.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }
}

using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace DiffusionChat.Tests.Build;

/// <summary>One call instruction in a compiled method: who calls what, and where in the source when a PDB says so.</summary>
/// <param name="Caller">The method whose body holds the call.</param>
/// <param name="Callee">The method called (call, callvirt, newobj or ldftn).</param>
/// <param name="Source">"file:line" from the caller's portable PDB, or the caller's name when there is none.</param>
internal sealed record IlCall(MethodBase Caller, MethodBase Callee, string Source);

/// <summary>
/// Lists the calls compiled into an assembly's method bodies by decoding their IL, so a test can forbid calls to
/// particular methods. IL rather than source: the same reader finds what TorchSharp's own methods call, which a
/// source analyzer of this repository could not see.
/// </summary>
internal static class IlCalls
{
    private static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(op => (ushort)op.Value);

    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic
        | BindingFlags.Instance | BindingFlags.Static;

    /// <summary>Every call in every method body of <paramref name="assembly"/> (nested and compiler-made types included).</summary>
    public static IReadOnlyList<IlCall> In(Assembly assembly)
    {
        using var pdb = OpenPdb(assembly);
        var reader = pdb?.GetMetadataReader();
        var calls = new List<IlCall>();
        foreach (var type in assembly.GetTypes())
        {
            var methods = type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));
            foreach (var method in methods)
            {
                var il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is null)
                {
                    continue;
                }

                foreach (var (offset, callee) in Callees(method, il))
                {
                    calls.Add(new IlCall(method, callee, SourceOf(reader, method, offset)));
                }
            }
        }

        return calls;
    }

    /// <summary>"Namespace.Type.Name(ParamType, ...)", the form failure messages use.</summary>
    public static string Describe(MethodBase method) =>
        $"{method.DeclaringType?.FullName}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";

    private static IEnumerable<(int Offset, MethodBase Callee)> Callees(MethodBase method, byte[] il)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            int start = at;
            ushort value = il[at++];
            if (value == 0xFE)
            {
                value = (ushort)(0xFE00 | il[at++]);
            }

            var op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod)
            {
                var callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                if (callee is not null)
                {
                    yield return (start, callee);
                }
            }

            at += OperandSize(op, il, at);
        }
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    private static MetadataReaderProvider? OpenPdb(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".pdb");
        return File.Exists(path) ? MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(path)) : null;
    }

    private static string SourceOf(MetadataReader? pdb, MethodBase method, int offset)
    {
        if (pdb is not null)
        {
            var handle = MetadataTokens.MethodDefinitionHandle(method.MetadataToken).ToDebugInformationHandle();
            SequencePoint? last = null;
            foreach (var point in pdb.GetMethodDebugInformation(handle).GetSequencePoints())
            {
                if (point.Offset > offset)
                {
                    break;
                }

                if (!point.IsHidden)
                {
                    last = point;
                }
            }

            if (last is { } found)
            {
                var file = pdb.GetString(pdb.GetDocument(found.Document).Name);
                // Deterministic CI builds record paths as "/_/..." from the repository root.
                var relative = file.StartsWith("/_/", StringComparison.Ordinal) ? file[3..] : Path.GetRelativePath(RepoPaths.Root, file);
                return $"{relative}:{found.StartLine}";
            }
        }

        return Describe(method);
    }
}

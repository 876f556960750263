using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>Element types of the safetensors format that DiffusionChat reads and writes.</summary>
public enum SafetensorsDType
{
    /// <summary>64-bit float.</summary>
    F64,

    /// <summary>32-bit float.</summary>
    F32,

    /// <summary>16-bit IEEE float.</summary>
    F16,

    /// <summary>bfloat16.</summary>
    BF16,

    /// <summary>64-bit signed integer.</summary>
    I64,

    /// <summary>32-bit signed integer.</summary>
    I32,

    /// <summary>16-bit signed integer.</summary>
    I16,

    /// <summary>8-bit signed integer.</summary>
    I8,

    /// <summary>8-bit unsigned integer.</summary>
    U8,

    /// <summary>Boolean, one byte per element.</summary>
    BOOL,
}

/// <summary>Conversions between safetensors dtype names, element sizes and TorchSharp scalar types.</summary>
public static class SafetensorsDTypes
{
    /// <summary>The dtype names accepted in a safetensors header, for error messages.</summary>
    public const string AllowedNames = "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL";

    /// <summary>Parses a header dtype name; returns false for names this reader does not support.</summary>
    public static bool TryParse(string? name, out SafetensorsDType dtype)
    {
        switch (name)
        {
            case "F64": dtype = SafetensorsDType.F64; return true;
            case "F32": dtype = SafetensorsDType.F32; return true;
            case "F16": dtype = SafetensorsDType.F16; return true;
            case "BF16": dtype = SafetensorsDType.BF16; return true;
            case "I64": dtype = SafetensorsDType.I64; return true;
            case "I32": dtype = SafetensorsDType.I32; return true;
            case "I16": dtype = SafetensorsDType.I16; return true;
            case "I8": dtype = SafetensorsDType.I8; return true;
            case "U8": dtype = SafetensorsDType.U8; return true;
            case "BOOL": dtype = SafetensorsDType.BOOL; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
        _ => 1,
    };

    /// <summary>The TorchSharp scalar type with the same memory layout.</summary>
    public static torch.ScalarType ToScalarType(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 => torch.ScalarType.Float64,
        SafetensorsDType.F32 => torch.ScalarType.Float32,
        SafetensorsDType.F16 => torch.ScalarType.Float16,
        SafetensorsDType.BF16 => torch.ScalarType.BFloat16,
        SafetensorsDType.I64 => torch.ScalarType.Int64,
        SafetensorsDType.I32 => torch.ScalarType.Int32,
        SafetensorsDType.I16 => torch.ScalarType.Int16,
        SafetensorsDType.I8 => torch.ScalarType.Int8,
        SafetensorsDType.U8 => torch.ScalarType.Byte,
        SafetensorsDType.BOOL => torch.ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The safetensors dtype for a TorchSharp scalar type.</summary>
    /// <exception cref="NotSupportedException">The scalar type has no safetensors counterpart here.</exception>
    public static SafetensorsDType FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float64 => SafetensorsDType.F64,
        torch.ScalarType.Float32 => SafetensorsDType.F32,
        torch.ScalarType.Float16 => SafetensorsDType.F16,
        torch.ScalarType.BFloat16 => SafetensorsDType.BF16,
        torch.ScalarType.Int64 => SafetensorsDType.I64,
        torch.ScalarType.Int32 => SafetensorsDType.I32,
        torch.ScalarType.Int16 => SafetensorsDType.I16,
        torch.ScalarType.Int8 => SafetensorsDType.I8,
        torch.ScalarType.Byte => SafetensorsDType.U8,
        torch.ScalarType.Bool => SafetensorsDType.BOOL,
        _ => throw new NotSupportedException($"Scalar type {type} cannot be stored in safetensors here. Supported: {AllowedNames}."),
    };
}

using System.Globalization;

namespace DiffusionChat.Trainer;

/// <summary>Parses <c>--name value</c> pairs once; every lookup names the option and the allowed values on error.</summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    private CommandOptions()
    {
    }

    /// <summary>Parses the arguments; flags without a value (<c>--resume</c>) read as <c>true</c>.</summary>
    /// <exception cref="ArgumentException">An argument is not an option or is given twice.</exception>
    public static CommandOptions Parse(string[] args)
    {
        var options = new CommandOptions();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || args[i].Length < 3)
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'; options are written --name value.");
            }

            var name = args[i][2..];
            var value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            if (!options.values.TryAdd(name, value))
            {
                throw new ArgumentException($"Option --{name} is given twice.");
            }
        }

        return options;
    }

    public string? String(string name)
    {
        used.Add(name);
        return values.GetValueOrDefault(name);
    }

    public string RequiredString(string name) =>
        String(name) ?? throw new ArgumentException($"Option --{name} is required.");

    public int Int(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = String(name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException($"Option --{name} must be an integer in [{min}, {max}], got '{text}'.");
        }

        return value;
    }

    public double Double(string name, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        var text = String(name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min || value > max)
        {
            throw new ArgumentException($"Option --{name} must be a number in [{min}, {max}], got '{text}'.");
        }

        return value;
    }

    public bool Flag(string name)
    {
        var text = String(name);
        return text is null ? false : text == "true" ? true : throw new ArgumentException($"Option --{name} takes no value, got '{text}'.");
    }

    /// <summary>Fails on options that no lookup asked for (typos would otherwise be ignored silently).</summary>
    public void RejectUnknown()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}. Allowed: {string.Join(", ", used.Order(StringComparer.Ordinal).Select(u => "--" + u))}.");
        }
    }
}

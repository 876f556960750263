using System.Text.Json;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// An <see cref="AppToolDefinition"/> as the <see cref="AIFunction"/> an application passes in <c>ChatOptions.Tools</c>:
/// same schema as <c>AIFunctionFactory</c> gives, and a result marshalled as <c>AIFunctionFactory</c> marshals a .NET
/// return value (serialized to a <see cref="JsonElement"/> with <see cref="AIJsonUtilities.DefaultOptions"/>, indented).
/// </summary>
/// <remarks>
/// Why not <c>AIFunctionFactory.Create</c> itself: the parameter name and description of a delegate are fixed at
/// compile time, and the data varies both. A test checks that schema and result match the factory's.
/// </remarks>
internal sealed class AppToolFunction : AIFunction
{
    private readonly AppToolDefinition definition;
    private readonly object? returns;
    private readonly JsonElement schema;

    /// <summary>Creates the function.</summary>
    /// <param name="definition">Name, description, parameter.</param>
    /// <param name="returns">What every invocation returns (a JSON object or a string).</param>
    public AppToolFunction(AppToolDefinition definition, object? returns)
    {
        ArgumentNullException.ThrowIfNull(definition);
        this.definition = definition;
        this.returns = returns;
        schema = definition.Schema();
    }

    /// <inheritdoc />
    public override string Name => definition.Name;

    /// <inheritdoc />
    public override string Description => definition.Description;

    /// <inheritdoc />
    public override JsonElement JsonSchema => schema;

    /// <inheritdoc />
    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!arguments.ContainsKey(definition.Parameter))
        {
            throw new ArgumentException($"Tool '{definition.Name}' needs the argument '{definition.Parameter}'; got: {string.Join(", ", arguments.Keys)}.", nameof(arguments));
        }

        return ValueTask.FromResult<object?>(JsonSerializer.SerializeToElement(returns, AIJsonUtilities.DefaultOptions));
    }
}

namespace DiffusionChat.Prompting;

/// <summary>A function the assistant may call, listed in the system turn inside <c>&lt;tools&gt;&lt;/tools&gt;</c>.</summary>
/// <param name="Name">The function name.</param>
/// <param name="Description">What the function does, in one sentence.</param>
/// <param name="ParametersSchemaJson">A JSON schema (object) for the arguments.</param>
public sealed record ToolDefinition(string Name, string Description, string ParametersSchemaJson);

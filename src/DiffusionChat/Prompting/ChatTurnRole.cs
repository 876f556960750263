namespace DiffusionChat.Prompting;

/// <summary>Who speaks in a <see cref="ChatTurn"/>; each role is rendered under its own ChatML header.</summary>
public enum ChatTurnRole
{
    /// <summary>Instructions for the model; also carries the tool list (<c>&lt;tools&gt;</c>).</summary>
    System,

    /// <summary>The person talking to the model.</summary>
    User,

    /// <summary>The model; may carry tool calls.</summary>
    Assistant,

    /// <summary>Results of tool calls, returned to the model.</summary>
    Tool,
}

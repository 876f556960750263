namespace DiffusionChat.Trainer.Data;

/// <summary>Which half of the generated instruction set: their place names, values, words, operands and phrasings are disjoint.</summary>
internal enum DataSplit
{
    /// <summary>Used for training.</summary>
    Train,

    /// <summary>Used only for evaluation; shares no content atom with <see cref="Train"/> (the capital fact table aside).</summary>
    HeldOut,
}

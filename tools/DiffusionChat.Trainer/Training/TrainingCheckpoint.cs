using System.Text.Json;
using DiffusionChat.Checkpoints;
using DiffusionChat.Trainer.Checkpoints;
using DiffusionChat.Trainer.Training.Masked;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training;

/// <summary>
/// The resumable state of a run in one folder: <c>config.json</c> + <c>model.safetensors</c> (loadable like any
/// checkpoint), <c>optimizer.safetensors</c> (AdamW moments and the objective's RNG state), <c>trainer_state.json</c>
/// (step, optimizer steps, options, loss history).
/// </summary>
internal static class TrainingCheckpoint
{
    private const string OptimizerFile = "optimizer.safetensors";
    private const string StateFile = "trainer_state.json";
    private const string GeneratorKey = "rng.objective";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>What <see cref="Save"/> records besides tensors.</summary>
    public sealed record State(long Step, long OptimizerSteps, string Objective, int Seed, List<TrainingLogEntry> History);

    /// <summary>Whether a checkpoint exists in the folder.</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, StateFile));

    /// <summary>Writes the state; each file is replaced atomically, the state file last so a torn save is never resumed.</summary>
    public static void Save(string folder, ITrainingObjective objective, AdamW optimizer, Generator generator, State state)
    {
        Directory.CreateDirectory(folder);
        File.Delete(Path.Combine(folder, StateFile));
        PretrainedFolderWriter.Write(folder, objective.ModelConfig, objective.Model, tokenizerFolder: null, modelCard: null);
        using var rng = generator.get_state();
        SafetensorsWriter.Write(Path.Combine(folder, OptimizerFile), optimizer.State().Append(KeyValuePair.Create(GeneratorKey, rng)).ToDictionary(kv => kv.Key, kv => kv.Value));
        var temporary = Path.Combine(folder, StateFile + ".tmp");
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, Json));
        File.Move(temporary, Path.Combine(folder, StateFile), overwrite: true);
    }

    /// <summary>
    /// Loads only the model weights of a model folder (a checkpoint or any written model) into the objective's model;
    /// a masked or <c>simplex-llama</c> objective also takes an autoregressive (LLaMA-style) model of the same shape
    /// (AR-to-diffusion adaptation).
    /// </summary>
    /// <exception cref="CheckpointFormatException">The folder's tensors do not fit the model.</exception>
    /// <exception cref="ArgumentException">An AR model's architecture differs from the masked model's.</exception>
    public static void LoadWeights(string folder, ITrainingObjective objective)
    {
        using var checkpoint = CheckpointFolder.Open(folder);
        if (objective is MaskedDiffusionObjective masked && LlamaToLladaWeights.IsLlama(checkpoint))
        {
            LlamaToLladaWeights.Load(checkpoint, masked.Model, masked.Denoiser.Config);
            return;
        }

        if (objective is Simplex.SimplexDiffusionObjective simplex && LlamaToLladaWeights.IsLlama(checkpoint))
        {
            if (simplex.Denoiser is not DiffusionChat.Models.Simplex.SimplexLlamaDenoiser llama)
            {
                throw new ArgumentException(
                    $"'{folder}' holds an AR (LLaMA) model, which starts --objective {Simplex.SimplexDiffusionObjective.LlamaName}, not the RoBERTa layout of --objective {objective.Name}.");
            }

            LlamaToSimplexWeights.Load(checkpoint, llama);
            return;
        }

        StateDictLoader.Load(objective.Model, checkpoint);
    }

    /// <summary>Restores model weights, optimizer moments and RNG state into live objects and returns the recorded state.</summary>
    /// <exception cref="InvalidDataException">The checkpoint belongs to another objective or seed, or is incomplete.</exception>
    public static State Load(string folder, ITrainingObjective objective, AdamW optimizer, Generator generator, int seed)
    {
        var state = JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(folder, StateFile)))
            ?? throw new InvalidDataException($"'{Path.Combine(folder, StateFile)}' is empty.");
        if (state.Objective != objective.Name || state.Seed != seed)
        {
            throw new InvalidDataException(
                $"Checkpoint '{folder}' is from objective '{state.Objective}' seed {state.Seed}; this run is '{objective.Name}' seed {seed}. Use another --out or drop --resume.");
        }

        LoadWeights(folder, objective);

        using var moments = SafetensorsFile.Open(Path.Combine(folder, OptimizerFile));
        optimizer.Restore(key => moments.Tensors.ContainsKey(key) ? moments.Load(key, null, null) : null, state.OptimizerSteps);
        using var rng = moments.Load(GeneratorKey, null, null);
        generator.set_state(rng);
        return state;
    }
}

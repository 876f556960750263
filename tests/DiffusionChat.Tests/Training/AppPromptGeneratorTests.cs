using System.Text.Json;
using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Tests.Training;

public sealed class AppPromptGeneratorTests
{
    private static readonly IReadOnlyList<AppScenario> Train = new AppPromptGenerator(DataSplit.Train, PlaceFixture.Places, seed: 7).Generate(3000);
    private static readonly IReadOnlyList<AppScenario> HeldOut = new AppPromptGenerator(DataSplit.HeldOut, PlaceFixture.Places, seed: 7).Generate(600);
    private static readonly IReadOnlyList<ChatExample> Mix = TrainingChatMix.Generate(4000, seed: 7, PlaceFixture.Places, appShare: 0.5);
    private static readonly IReadOnlyList<AppScenario> ComposedTrain = new AppPromptGenerator(DataSplit.Train, PlaceFixture.Places, seed: 7, composedResults: 0.5).Generate(2000);

    [Fact]
    public void Same_seed_gives_the_same_scenarios()
    {
        var again = new AppPromptGenerator(DataSplit.Train, PlaceFixture.Places, seed: 7).Generate(100);

        Assert.Equal(Train.Take(100).Select(s => s.ToChatExample().Render().Text), again.Select(s => s.ToChatExample().Render().Text));
    }

    [Fact]
    public void Held_out_scenarios_share_no_content_atom_with_training_numbers_aside()
    {
        var trainKeys = Train.Concat(ComposedTrain).SelectMany(s => s.ContentKeys).ToHashSet(StringComparer.Ordinal);

        var shared = HeldOut.SelectMany(s => s.ContentKeys).Where(trainKeys.Contains).Distinct().ToList();

        Assert.Empty(shared);
        Assert.Contains(HeldOut, s => s.ContentKeys.Any(k => k.StartsWith("app-tool:", StringComparison.Ordinal)));
    }

    [Fact]
    public void Held_out_place_and_tool_names_never_appear_in_training_text()
    {
        var trainText = string.Join('\n', Mix.Select(e => e.Render().Text));
        var trainSequences = trainText.Split('\n', '"', '.', '?', ':', '!', ',').SelectMany(RealPlaces.WordSequences).ToHashSet(StringComparer.Ordinal);

        var places = HeldOut.Where(s => s.Place is not null).Select(s => s.Place!).Distinct().ToList();
        var tools = HeldOut.SelectMany(s => s.Tools).Where(t => t.Family != "other").Select(t => t.Name).Distinct().ToList();

        Assert.True(places.Count > 50, $"{places.Count} held-out places");
        Assert.All(places, place => Assert.DoesNotContain(place.ToLowerInvariant().Replace('-', ' '), trainSequences));
        Assert.All(tools, tool => Assert.DoesNotContain("\"" + tool + "\"", trainText, StringComparison.Ordinal));
    }

    [Fact]
    public void Held_out_question_forms_and_system_texts_are_unseen_in_every_kind_of_training_form()
    {
        var trainForms = InstructionVocabulary.WeatherQuestions.Concat(InstructionVocabulary.TimeQuestions).Concat(InstructionVocabulary.CapitalQuestions)
            .Concat(ComposedQuestions.Weather.All).Concat(ComposedQuestions.Time.All)
            .Concat(new[] { AppPhrasings.Weather, AppPhrasings.Time, AppPhrasings.Capital }.SelectMany(pool => InstructionVocabulary.Of(pool, DataSplit.Train).Select(f => f.Value)))
            .Select(ComposedQuestions.Key).ToHashSet(StringComparer.Ordinal);
        var heldOutForms = new[] { AppPhrasings.Weather, AppPhrasings.Time, AppPhrasings.Capital }.SelectMany(pool => InstructionVocabulary.Of(pool, DataSplit.HeldOut).Select(f => f.Value)).ToList();
        var trainSystems = InstructionSetGenerator.SystemTexts.Concat(InstructionVocabulary.Of(AppPhrasings.SystemTexts, DataSplit.Train).Select(s => s.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.True(heldOutForms.Count >= 15, $"{heldOutForms.Count} held-out forms");
        Assert.All(heldOutForms, form => Assert.DoesNotContain(ComposedQuestions.Key(form), trainForms));
        Assert.All(InstructionVocabulary.Of(AppPhrasings.SystemTexts, DataSplit.HeldOut), s => Assert.DoesNotContain(s.Value, trainSystems));
    }

    [Fact]
    public void Held_out_tool_definitions_share_no_name_parameter_or_description_with_training_ones()
    {
        foreach (var family in (string[])["weather", "time"])
        {
            var train = AppToolCatalog.Of(family, DataSplit.Train);
            var heldOut = AppToolCatalog.Of(family, DataSplit.HeldOut);

            Assert.True(heldOut.Count > 50, $"{heldOut.Count} held-out {family} tools");
            Assert.Empty(heldOut.Select(t => t.Name).Intersect(train.Select(t => t.Name)));
            Assert.Empty(heldOut.Select(t => t.Parameter).Intersect(train.Select(t => t.Parameter)));
            Assert.Empty(heldOut.Select(t => t.Description).Intersect(train.Select(t => t.Description)));
        }

        Assert.Empty(AppToolCatalog.Of("other", DataSplit.HeldOut).Select(t => t.Name).Intersect(AppToolCatalog.Of("other", DataSplit.Train).Select(t => t.Name)));
    }

    [Theory]
    [InlineData("get_weather")]
    [InlineData("GetCurrentWeather")]
    [InlineData("WeatherPlugin-GetCurrentWeather")]
    [InlineData("get_time")]
    [InlineData("GetLocalTime")]
    public void The_names_apps_use_most_are_trained_on(string name)
    {
        Assert.Contains(AppToolCatalog.Of(name.Contains("eather", StringComparison.Ordinal) ? "weather" : "time", DataSplit.Train), t => t.Name == name);
    }

    [Fact]
    public void Training_calls_name_a_listed_tool_pass_the_place_under_its_parameter_and_answers_carry_the_returned_values()
    {
        var tools = Train.Where(s => s.Called is not null).Take(300).ToList();

        foreach (var scenario in tools)
        {
            var example = scenario.ToChatExample();
            var call = example.Conversation[1].ToolCalls.Single();
            Assert.Contains(call.Name, example.Tools.Select(t => t.Name));
            Assert.Equal(scenario.Place, JsonDocument.Parse(call.ArgumentsJson).RootElement.GetProperty(scenario.Called!.Parameter).GetString());
            Assert.Contains(scenario.Place!, scenario.Question, StringComparison.Ordinal);
            Assert.All(scenario.AnswerValues, v => Assert.Contains(v, example.Conversation[2].ToolResults[0].Content, StringComparison.Ordinal));
            Assert.All(scenario.AnswerValues, v => Assert.Contains(v, example.Conversation[3].Text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Apps_list_one_to_four_tools()
    {
        var counts = Train.Where(s => s.Called is not null).Select(s => s.Tools.Count).ToList();

        Assert.Equal(1, counts.Min());
        Assert.Equal(4, counts.Max());
        Assert.InRange(counts.Count(c => c == 1) / (double)counts.Count, 0.1, 0.5);
    }

    [Fact]
    public void Tool_results_come_as_compact_text_indented_json_objects_and_nested_objects()
    {
        var results = Train.Where(s => s.Called is not null).Select(s => s.ToChatExample().Conversation[2].ToolResults[0].Content).ToList();

        Assert.Contains(results, r => !r.StartsWith('{'));
        Assert.Contains(results, r => r.StartsWith("{\n  \"", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Contains("\"current\": {", StringComparison.Ordinal));
    }

    [Fact]
    public void Training_places_are_half_made_up_and_real_ones_of_every_kind()
    {
        var places = Train.Where(s => s.Called is not null).ToList();

        Assert.InRange(places.Count(s => s.Kind is null) / (double)places.Count, 0.4, 0.6);
        Assert.All(Enum.GetValues<PlaceKind>(), kind => Assert.Contains(places, s => s.Kind == kind));
    }

    [Fact]
    public void Copy_questions_repeat_arbitrary_strings_in_many_scripts_verbatim()
    {
        var copies = Train.Where(s => s.Family == "copy").ToList();

        Assert.True(copies.Count > 300, $"{copies.Count} copy scenarios");
        Assert.All(copies, s => Assert.Equal(s.AnswerValues[0], s.ToChatExample().Conversation[1].Text));
        Assert.Contains(copies, s => PlaceKinds.Of(s.Answer) == PlaceKind.NonLatin);
        Assert.Contains(copies, s => s.Answer.Any(char.IsDigit));
    }

    [Fact]
    public void The_mix_holds_about_the_app_share_and_the_generator_held_out_split_is_unchanged_by_places()
    {
        var appCategories = Mix.Count(e => e.ContentKeys.Any(k => k.StartsWith("app-", StringComparison.Ordinal)));

        Assert.InRange(appCategories / (double)Mix.Count, 0.4, 0.6);
        Assert.Equal(
            new InstructionSetGenerator(DataSplit.HeldOut, 7).Generate(300).Select(e => e.Render().Text),
            new InstructionSetGenerator(DataSplit.HeldOut, 7, PlaceFixture.Places).Generate(300).Select(e => e.Render().Text));
    }

    [Fact]
    public void Training_text_is_what_the_client_renders_for_the_same_messages()
    {
        var scenario = Train.First(s => s.Called is not null && s.Kind == PlaceKind.Diacritics);

        var text = scenario.ToChatExample().Render().Text;

        Assert.Contains(scenario.Place!, text, StringComparison.Ordinal); // not \u-escaped
        Assert.StartsWith(ChatMarkers.TurnStart + "system\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Composed_tool_results_carry_the_answer_values_under_many_layouts_and_never_a_held_out_only_key()
    {
        var composed = ComposedTrain.Where(s => s.ContentKeys.Any(k => k.EndsWith(":composed", StringComparison.Ordinal))).ToList();
        var called = ComposedTrain.Count(s => s.Called is not null);
        var results = composed.Select(s => (Scenario: s, Text: s.ToChatExample().Conversation[2].ToolResults[0].Content)).ToList();
        var layouts = results.Where(r => r.Text.StartsWith('{')).Select(r => string.Join(',', Keys(JsonDocument.Parse(r.Text).RootElement))).Distinct().Count();

        Assert.InRange(composed.Count / (double)called, 0.4, 0.6);
        Assert.All(results, r => Assert.All(r.Scenario.AnswerValues, v => Assert.Contains(v, r.Text, StringComparison.Ordinal)));
        Assert.True(layouts > 100, $"{layouts} distinct JSON layouts");
        Assert.Contains(results, r => !r.Text.StartsWith('{'));
        Assert.Contains(results, r => r.Text.Contains("\"humidity\"", StringComparison.Ordinal));
        Assert.All(results.Where(r => r.Text.StartsWith('{')), r =>
            Assert.DoesNotContain(Keys(JsonDocument.Parse(r.Text).RootElement), ComposedToolResults.HeldOutOnlyKeys.Contains));
        Assert.DoesNotContain(results, r => r.Text.StartsWith("Currently", StringComparison.Ordinal));
    }

    [Fact]
    public void Composing_is_off_by_default_and_never_reaches_the_held_out_split()
    {
        var heldOut = new AppPromptGenerator(DataSplit.HeldOut, PlaceFixture.Places, seed: 7, composedResults: 1).Generate(600);

        Assert.Equal(HeldOut.Select(s => s.ToChatExample().Render().Text), heldOut.Select(s => s.ToChatExample().Render().Text));
        Assert.DoesNotContain(Train, s => s.ContentKeys.Any(k => k.EndsWith(":composed", StringComparison.Ordinal)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppPromptGenerator(DataSplit.Train, PlaceFixture.Places, seed: 7, composedResults: 1.5));
    }

    private static IEnumerable<string> Keys(JsonElement element) => element.ValueKind != JsonValueKind.Object ? []
        : element.EnumerateObject().SelectMany(p => Keys(p.Value).Prepend(p.Name));
}

using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Tests.Training;

public sealed class RealPlacesTests
{
    [Theory]
    [InlineData("Ouagadougou", nameof(PlaceKind.OneWord))]
    [InlineData("Addis Ababa", nameof(PlaceKind.SeveralWords))]
    [InlineData("Pol-e Khomri", nameof(PlaceKind.SeveralWords))]
    [InlineData("Tromsø", nameof(PlaceKind.Diacritics))]
    [InlineData("São Paulo", nameof(PlaceKind.Diacritics))]
    [InlineData("ʻEwa Beach", nameof(PlaceKind.Diacritics))]
    [InlineData("Hà Nội", nameof(PlaceKind.Diacritics))]
    [InlineData("Россия", nameof(PlaceKind.NonLatin))]
    [InlineData("日本", nameof(PlaceKind.NonLatin))]
    public void Place_names_are_classified_by_what_makes_them_hard_to_copy(string name, string kind)
    {
        Assert.Equal(Enum.Parse<PlaceKind>(kind), PlaceKinds.Of(name));
    }

    [Fact]
    public void A_names_split_depends_on_the_name_alone()
    {
        var reversed = new RealPlaces(PlaceFixture.Names.Reverse());

        foreach (var kind in Enum.GetValues<PlaceKind>())
        {
            Assert.Equal(PlaceFixture.Places.Names(DataSplit.HeldOut, kind).Order(StringComparer.Ordinal), reversed.Names(DataSplit.HeldOut, kind).Order(StringComparer.Ordinal));
            Assert.All(PlaceFixture.Places.Names(DataSplit.HeldOut, kind), name => Assert.True(RealPlaces.IsHeldOutName(name)));
            Assert.All(PlaceFixture.Places.Names(DataSplit.Train, kind), name => Assert.False(RealPlaces.IsHeldOutName(name)));
        }
    }

    [Fact]
    public void No_held_out_name_is_a_word_sequence_of_a_training_name()
    {
        var places = new RealPlaces(PlaceFixture.Names.Append(RealPlaces.IsHeldOutName("Paulo") ? "Paulo" : "Paulo Grande"));
        var training = Enum.GetValues<PlaceKind>().SelectMany(k => places.Names(DataSplit.Train, k)).SelectMany(RealPlaces.WordSequences).ToHashSet(StringComparer.Ordinal);

        var heldOut = Enum.GetValues<PlaceKind>().SelectMany(k => places.Names(DataSplit.HeldOut, k)).ToList();

        Assert.True(heldOut.Count > 40, $"{heldOut.Count} held-out names");
        Assert.All(heldOut, name => Assert.DoesNotContain(name.ToLowerInvariant().Replace('-', ' '), training));
    }

    [Fact]
    public void Names_spelling_a_generator_city_or_word_belong_to_neither_split()
    {
        var all = Enum.GetValues<PlaceKind>().SelectMany(k => PlaceFixture.Places.Names(DataSplit.Train, k).Concat(PlaceFixture.Places.Names(DataSplit.HeldOut, k))).ToList();

        Assert.DoesNotContain("New York Mills", all);
        Assert.DoesNotContain("Dublin", all);
        Assert.Contains("Tromsø", all);
    }

    [Fact]
    public void Draws_ask_for_every_kind_about_equally_often()
    {
        var random = new Random(3);

        var kinds = Enumerable.Range(0, 4000).Select(_ => PlaceFixture.Places.Draw(random, DataSplit.HeldOut).Kind).ToList();

        Assert.All(Enum.GetValues<PlaceKind>(), kind => Assert.InRange(kinds.Count(k => k == kind), 800, 1200));
    }

    [Fact]
    public void A_split_without_some_kind_of_name_is_refused_with_the_kind_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new RealPlaces(["Oslofjord", "Bergenhus", "Lillehammer"]));

        Assert.Contains("kind", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_reader_takes_gazetteer_names_and_non_latin_country_names_and_drops_lists_and_codes()
    {
        var folder = Directory.CreateTempSubdirectory("places-").FullName;
        try
        {
            var cities = Path.Combine(folder, $"{PlacePackages.Cities}-{PlacePackages.CitiesVersion}", "package");
            var countries = Path.Combine(folder, $"{PlacePackages.Countries}-{PlacePackages.CountriesVersion}", "package");
            Directory.CreateDirectory(cities);
            Directory.CreateDirectory(countries);
            File.WriteAllText(Path.Combine(cities, "cities.json"),
                """[{"name":"São Paulo","lat":"-23.5","lng":"-46.6","country":"BR"},{"name":"Kalimpong, Крукети"},{"name":"Tromsø"},{"name":"Zone 12"},{"name":"Tromsø"}]""");
            File.WriteAllText(Path.Combine(countries, "countries.json"),
                """[{"name":{"common":"Japan","native":{"jpn":{"official":"日本国","common":"日本"}}},"translations":{"rus":{"official":"Япония","common":"Япония"},"fra":{"common":"Japon"}}}]""");

            var names = PlacePackages.ReadNames(folder);

            Assert.Equal(["São Paulo", "Tromsø", "日本", "Япония"], names);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_missing_package_names_the_package_version_and_the_fetch_script()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PlacePackages.ReadNames(Path.Combine(Path.GetTempPath(), "no-such-places-folder")));

        Assert.Contains("cities.json 1.1.64", error.Message, StringComparison.Ordinal);
        Assert.Contains("fetch-places.sh", error.Message, StringComparison.Ordinal);
    }
}

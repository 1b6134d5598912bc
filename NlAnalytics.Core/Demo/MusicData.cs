using Bogus;
using Bogus.DataSets;

namespace NlAnalytics.Core.Demo;

internal readonly record struct ArtistRow(int ArtistId, string Name, string Country);
internal readonly record struct GenreRow(int GenreId, string Name);
internal readonly record struct SongRow(int SongId, string Title, int ArtistId, int GenreId, int ReleaseYear, int DurationSeconds, long Streams);

/// <summary>
/// A "most streamed songs" set: artists with a popularity that decides how many songs they have and how
/// high those songs chart, and streams falling off steeply with rank so a few hits dominate.
/// </summary>
internal sealed class MusicData
{
    public const int SongCount = 1000;
    public const int ArtistCount = 320;

    private static readonly (string Name, double Weight, string[] Countries)[] GenreList =
    [
        ("pop", 0.25, ["United States", "United Kingdom", "Canada", "Australia", "Sweden", "Ireland"]),
        ("hip hop", 0.17, ["United States", "Canada", "United Kingdom", "France", "Germany"]),
        ("rock", 0.12, ["United States", "United Kingdom", "Ireland", "Australia", "Canada"]),
        ("latin", 0.10, ["Puerto Rico", "Colombia", "Mexico", "Spain", "Argentina"]),
        ("electronic", 0.09, ["Netherlands", "Sweden", "France", "Germany", "United Kingdom", "Norway"]),
        ("r&b", 0.08, ["United States", "United Kingdom", "Canada", "Nigeria"]),
        ("k-pop", 0.05, ["South Korea"]),
        ("indie", 0.05, ["United Kingdom", "United States", "Australia", "Canada"]),
        ("country", 0.04, ["United States", "Canada"]),
        ("jazz", 0.02, ["United States", "United Kingdom", "France"]),
        ("soul", 0.02, ["United States", "United Kingdom"]),
        ("metal", 0.01, ["United States", "United Kingdom", "Germany", "Sweden", "Finland"]),
    ];

    private static readonly string[] Adjectives =
        ["Golden", "Midnight", "Electric", "Broken", "Wild", "Silent", "Neon", "Lonely", "Crazy", "Sweet", "Blue", "Burning", "Lost", "Young", "Dancing", "Velvet", "Paper", "Shining", "Cold", "Perfect"];

    private static readonly string[] Nouns =
        ["Heart", "City", "Love", "Fire", "Night", "Dream", "Summer", "Rain", "Star", "Ocean", "Road", "Light", "Shadow", "Money", "Paradise", "Thunder", "Memory", "Angel", "Storm", "Diamond", "Sky", "River", "Echo", "Mirror"];

    private static readonly string[] Verbs = ["Hold", "Call", "Save", "Tell", "Take", "Love", "Leave", "Chase", "Find", "Wake"];

    private static readonly string[] SpanishWords =
        ["Corazón", "Noche", "Fuego", "Bailando", "Mi Gente", "Despacito", "Amor", "Luna", "Calor", "Besos", "La Playa", "Tu Boca", "Otra Vez", "Contigo", "Sin Ti"];

    private static readonly string[] BandNouns = ["Lions", "Echoes", "Kids", "Wolves", "Rebels", "Strangers", "Giants", "Tides", "Foxes", "Satellites", "Arrows", "Mountains"];

    private readonly int _seed;
    private readonly int _lastYear;

    public MusicData(int seed, DateOnly endDate)
    {
        _seed = seed;
        _lastYear = endDate.Year;
        var random = new DemoRandom(seed, "music.artists");
        var names = new Dictionary<string, Name>(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var genreWeights = GenreList.Select(g => g.Weight).ToArray();
        _artists = new ArtistPlan[ArtistCount];
        for (var i = 0; i < ArtistCount; i++)
        {
            var genre = random.PickWeighted(genreWeights);
            var country = random.Pick(GenreList[genre].Countries);
            string name;
            do
            {
                name = ArtistName(random, names, genre, country);
            } while (!taken.Add(name));
            _artists[i] = new ArtistPlan(name, country, genre, Popularity: 1 / (1 + 0.15 * i));
        }
        // Ids are shuffled so artist_id says nothing about popularity.
        random.Shuffle(_artists);
    }

    private readonly ArtistPlan[] _artists;

    public static IEnumerable<GenreRow> Genres() => GenreList.Select((g, i) => new GenreRow(i + 1, g.Name));

    public static int GenreCount => GenreList.Length;

    public IEnumerable<ArtistRow> Artists() => _artists.Select((a, i) => new ArtistRow(i + 1, a.Name, a.Country));

    public IEnumerable<SongRow> Songs()
    {
        var random = new DemoRandom(_seed, "music.songs");
        // Every artist has at least one song; the rest go to artists in proportion to popularity.
        var artistOfSong = new int[SongCount];
        var popularity = _artists.Select(a => a.Popularity).ToArray();
        for (var s = 0; s < SongCount; s++)
            artistOfSong[s] = s < ArtistCount ? s : random.PickWeighted(popularity);
        random.Shuffle(artistOfSong);

        // Popular artists' songs tend to chart higher, but luck decides most of it, so the top is not one artist's
        // catalogue; streams then fall steeply with the chart rank.
        var score = artistOfSong.Select(a => Math.Pow(_artists[a].Popularity, 0.35) * random.NextDouble()).ToArray();
        // An artist's second and later songs chart lower (one or two mega-hits each), otherwise the artist
        // with the most songs takes nearly all of the top ten.
        foreach (var songs in Enumerable.Range(0, SongCount).GroupBy(s => artistOfSong[s]))
        {
            var damping = 1.0;
            foreach (var song in songs.OrderByDescending(s => score[s]).ThenBy(s => s))
            {
                score[song] *= damping;
                damping *= 0.8;
            }
        }
        var rank = new int[SongCount];
        var order = Enumerable.Range(0, SongCount).OrderByDescending(s => score[s]).ThenBy(s => s).ToArray();
        for (var r = 0; r < SongCount; r++)
            rank[order[r]] = r + 1;

        for (var s = 0; s < SongCount; s++)
        {
            var artist = _artists[artistOfSong[s]];
            var genre = random.Chance(0.85) ? artist.Genre : random.Next(GenreList.Length);
            var u = random.NextDouble();
            var older = GenreList[genre].Name is "rock" or "jazz" or "soul" or "metal";
            // Most hits are from the last two decades; this year's releases have barely started collecting streams.
            var releaseYear = random.Chance(0.03) ? _lastYear : _lastYear - 1 - (int)(older ? 50 * u * u : 20 * u * u);
            var duration = (int)(205 + 40 * random.Bell() + (older ? 45 : 0) + (GenreList[genre].Name == "jazz" ? 60 : 0));
            var streams = (long)(4.2e9 * Math.Pow(rank[s], -0.42) * (1 + 0.04 * random.Bell()));
            yield return new SongRow(s + 1, Title(random, GenreList[genre].Name), artistOfSong[s] + 1, genre + 1, releaseYear, duration, streams);
        }
    }

    private static string ArtistName(DemoRandom random, Dictionary<string, Name> names, int genre, string country)
    {
        var genreName = GenreList[genre].Name;
        if (genreName == "k-pop" || random.Chance(genreName is "rock" or "indie" or "metal" ? 0.75 : 0.15))
            return random.Chance(0.5) ? $"The {random.Pick(Adjectives)} {random.Pick(BandNouns)}" : $"{random.Pick(Adjectives)} {random.Pick(Nouns)}";
        var locale = country switch
        {
            "United States" => "en_US",
            "United Kingdom" => "en_GB",
            "Canada" => "en_CA",
            "Australia" => "en_AU",
            "Ireland" => "en_IE",
            "Nigeria" => "en_NG",
            "Sweden" => "sv",
            "Norway" => "nb_NO",
            "Finland" => "fi",
            "Netherlands" => "nl",
            "France" => "fr",
            "Germany" => "de",
            "Mexico" => "es_MX",
            _ => "es",
        };
        if (!names.TryGetValue(locale, out var name))
            names[locale] = name = new Name(locale) { Random = new Randomizer(random.NextSeed()) };
        var first = name.FirstName();
        if (genreName is "hip hop" or "electronic" && random.Chance(0.4))
            return $"{random.Pick(genreName == "hip hop" ? ["Lil", "Young", "MC", "Big"] : new[] { "DJ", "Kid", "Mr." })} {first}";
        return $"{first} {name.LastName()}";
    }

    private static string Title(DemoRandom random, string genre)
    {
        if (genre == "latin")
            return random.Chance(0.5) ? random.Pick(SpanishWords) : $"{random.Pick(SpanishWords)} {random.Pick(SpanishWords)}";
        return random.Next(6) switch
        {
            0 => random.Pick(Nouns),
            1 => $"{random.Pick(Adjectives)} {random.Pick(Nouns)}",
            2 => $"{random.Pick(Verbs)} Me",
            3 => $"{random.Pick(Nouns)} of {random.Pick(Nouns)}",
            4 => $"{random.Pick(Adjectives)} {Plural(random.Pick(Nouns))}",
            _ => $"Don't {random.Pick(Verbs)} My {random.Pick(Nouns)}",
        };
    }

    private static string Plural(string noun) => noun switch
    {
        [.., var c, 'y'] when !"aeiou".Contains(c) => noun[..^1] + "ies",
        [.., 'o'] => noun + "es",
        _ => noun + "s",
    };

    private readonly record struct ArtistPlan(string Name, string Country, int Genre, double Popularity);
}

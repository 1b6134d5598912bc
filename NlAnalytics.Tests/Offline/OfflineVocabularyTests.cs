using System.Text.RegularExpressions;
using Npgsql;
using NlAnalytics.Core.Demo;
using NlAnalytics.Tests.Demo;
using NlAnalytics.Core.Offline;
using NlAnalytics.Core.Retrieval;
using RetrievalLexicon = NlAnalytics.Core.Retrieval.Lexicon;

namespace NlAnalytics.Tests.Offline;

public sealed class OfflineVocabularyTests
{
    // Closed-class words that happen to be words of demo identifiers: time, structure and aggregate words every
    // schema uses ("order_date", "faculty_code", "net_amount"), which the writer must know as such.
    internal static readonly HashSet<string> ClosedClass = new(StringComparer.Ordinal)
    {
        "id", "name", "date", "year", "day", "start", "end", "first", "last", "code", "type", "number", "amount", "count",
        "total", "order", "on", "title", "price", "cost", "duration", "length", "second", "kind", "value", "status",
        "rate", "percent", "fraction", "time", "level", "group", "category", "data", "row",
        // Words with a structural meaning of their own: a line chart, a unit of measure, RETURNING and a foreign key in
        // SQL, round(), and the French articles of an example value ("Île-de-France").
        "line", "unit", "return", "foreign", "round", "de", "des",
    };

    /// <summary>
    /// Every content word of the demo warehouse: its table and column names read as words, and the values its
    /// comments enumerate ("female or male", "flagship, mall, outlet or online") or give as examples, each with
    /// its plural and stem. Closed-class words (time, structure, aggregates) are not content words.
    /// </summary>
    internal static HashSet<string> DemoContentStems()
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var schema in DemoSchema.Schemas) words.UnionWith(RetrievalLexicon.Words(schema));
        foreach (var table in DemoSchema.Tables)
        {
            words.UnionWith(RetrievalLexicon.Words(table.Name));
            foreach (var column in table.Columns)
            {
                words.UnionWith(RetrievalLexicon.Words(column.Name));
                words.UnionWith(EnumeratedValues(column.Comment));
            }
        }
        return words.Where(w => w.Length > 1 && !RetrievalLexicon.IsStopWord(w) && !ClosedClass.Contains(w) && !w.All(char.IsDigit))
            .SelectMany(w => new[] { w, w + "s", RetrievalLexicon.Stem(w) })
            .Select(RetrievalLexicon.Stem)
            .Where(s => !ClosedClass.Contains(s))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The values a comment lists after a colon or gives after "e.g.": "Kind of store: flagship, mall, outlet or online."</summary>
    private static IEnumerable<string> EnumeratedValues(string comment)
    {
        foreach (Match match in Regex.Matches(comment, @"(?::|e\.g\.)\s*([^.;()]+)"))
            foreach (var value in Regex.Split(match.Groups[1].Value, @",|\bor\b"))
            {
                var words = RetrievalLexicon.Words(value);
                if (words.Count is > 0 and <= 3) foreach (var w in words) yield return w;
            }
    }

    private static bool IsDemoWord(string phrase, HashSet<string> demo) =>
        RetrievalLexicon.Words(phrase).Any(w => demo.Contains(RetrievalLexicon.Stem(w)) || demo.Contains(w));

    [Fact]
    public void The_demo_content_words_include_tables_columns_and_values()
    {
        var demo = DemoContentStems();
        foreach (var word in new[] { "customers", "store", "female", "outlet", "students", "songs", "nationality", "bronze", "department" })
            Assert.Contains(RetrievalLexicon.Stem(word), demo);
        foreach (var word in new[] { "date", "year", "name", "id", "total" })
            Assert.DoesNotContain(RetrievalLexicon.Stem(word), demo);
    }

    [Fact]
    public void The_offline_lexicons_hold_no_content_word_of_the_demo_database_in_any_form()
    {
        var offenders = LexiconEntriesNaming(DemoContentStems());
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    internal static List<string> LexiconEntriesNaming(HashSet<string> demo)
    {
        var offenders = new List<string>();
        foreach (var (name, lexicon) in new[] { ("en", EnglishLexicon.Instance), ("fr", FrenchLexicon.Instance) })
        {
            // A synonym entry is a translation or a paraphrase: its key is a form of a demo word when any side is one
            // (so French forms, "magasins" for stores, are caught through what they translate to).
            foreach (var (word, alternatives) in lexicon.Synonyms)
                // Country names and their ISO 3166 codes are a list of the world, not of one database.
                if (!alternatives.All(a => a.Length == 2) && (IsDemoWord(word, demo) || alternatives.Any(a => IsDemoWord(a, demo))))
                    offenders.Add($"{name} synonym {word} -> {string.Join('/', alternatives)}");
            foreach (var (phrase, cue) in lexicon.Cues)
                if (IsDemoWord(phrase, demo) || (cue.Argument is { } argument && IsDemoWord(argument, demo)))
                    offenders.Add($"{name} cue {phrase}");
            foreach (var word in lexicon.NonAdditive.Concat(lexicon.AggregateTableWords).Concat(lexicon.CountCommentMarkers))
                if (IsDemoWord(word, demo))
                    offenders.Add($"{name} word {word}");
        }
        return offenders;
    }

    [Fact]
    public void The_offline_writer_source_names_nothing_of_the_demo_database()
    {
        var offenders = LiteralsNaming(DemoContentStems());
        Assert.True(offenders.Count == 0, string.Join("\n", offenders.Distinct()));
    }

    /// <summary>
    /// French forms of the demo's content words (a translation is a form the guard must know: the lexicons are folded,
    /// so "magasins" and "catégorie" are checked as "magasin" and "categorie"), with their plurals.
    /// </summary>
    private static readonly string[] FrenchDemoWords =
    [
        "region", "magasin", "boutique", "categorie", "rayon", "produit", "article", "client", "clientele", "campagne",
        "commande", "retour", "remboursement", "faculte", "inscription", "etudiant", "etudiante", "artiste", "genre",
        "chanson", "morceau", "titre", "ecoute", "pays", "ville", "marque", "lancement", "prenom", "courriel", "sexe",
        "naissance", "fidelite", "canal", "paiement", "quantite", "rabais", "nationalite", "etranger", "etrangere", "suisse",
        "femme", "homme", "feminin", "masculin", "vente", "sortie", "ouverture", "motif", "segment", "budget",
    ];

    private static HashSet<string> FrenchDemoForms() =>
        FrenchDemoWords.SelectMany(w => new[] { w, w + "s", w + "x", w.EndsWith("al", StringComparison.Ordinal) ? w[..^2] + "aux" : w })
            .Select(RetrievalLexicon.Fold).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void The_lexicons_and_the_writer_hold_no_french_form_of_a_demo_word()
    {
        var french = FrenchDemoForms();
        var offenders = new List<string>();
        var lexicon = FrenchLexicon.Instance;
        foreach (var word in lexicon.Synonyms.Keys.Concat(lexicon.Cues.Keys).Concat(lexicon.NonAdditive).Concat(lexicon.AggregateTableWords)
                     .Concat(lexicon.CountCommentMarkers))
            if (RetrievalLexicon.Words(word).Any(french.Contains))
                offenders.Add($"fr {word}");
        offenders.AddRange(LiteralsNaming(french, stem: false));
        Assert.True(offenders.Count == 0, string.Join("\n", offenders.Distinct()));
    }

    /// <summary>
    /// The code that reads questions and schemas: the offline writer, retrieval and the meaning grounding. Files that
    /// only run benchmarks (synthetic tables to time retrieval at 10,000 tables, the gold tables of a question) are not
    /// vocabulary.
    /// </summary>
    private static readonly string[] VocabularyFolders = ["Offline", "Retrieval", "Semantics"];

    private static readonly HashSet<string> NotVocabulary = new(StringComparer.Ordinal)
    {
        "SyntheticCatalog.cs", "RetrievalBenchmark.cs", "GoldTables.cs",
    };

    /// <summary>String literals of the vocabulary folders that hold one of <paramref name="words"/> (by stem unless told).</summary>
    internal static List<string> LiteralsNaming(HashSet<string> words, bool stem = true) =>
        [.. Literals().SelectMany(l => RetrievalLexicon.Words(l.Text).Where(w => words.Contains(stem ? RetrievalLexicon.Stem(w) : w))
            .Select(w => $"{l.Where}: {w}"))];

    /// <summary>
    /// A source file's code as the guard reads it: string literals only matter, as they are what the writer matches against
    /// questions and schemas; comments, the world's country names with their ISO 3166 codes, the holes of interpolated
    /// strings and log messages (read by people) are left out.
    /// </summary>
    private static string CodeWithoutNonVocabulary(string file)
    {
        var code = Regex.Replace(File.ReadAllText(file), @"^\s*//.*$|\s//\s.*$", "", RegexOptions.Multiline);
        code = Regex.Replace(code, @"\(""[a-z]+"", ""[a-z]{2}""\)|\{[A-Za-z_.]+\}", "");
        return Regex.Replace(code, @"\[LoggerMessage\([^\]]*\]", "");
    }

    /// <summary>Every entry of the offline lexicons, with where it is: synonyms (both sides), cues, word lists.</summary>
    internal static IEnumerable<(string Where, string Text)> LexiconTexts()
    {
        foreach (var (name, lexicon) in new[] { ("en", EnglishLexicon.Instance), ("fr", FrenchLexicon.Instance) })
        {
            foreach (var (word, alternatives) in lexicon.Synonyms)
                if (!alternatives.All(a => a.Length == 2))
                    foreach (var text in alternatives.Prepend(word)) yield return ($"{name} synonym {word}", text);
            foreach (var (phrase, cue) in lexicon.Cues)
            {
                yield return ($"{name} cue", phrase);
                if (cue.Argument is { } argument) yield return ($"{name} cue {phrase}", argument);
            }
            foreach (var word in lexicon.NonAdditive.Concat(lexicon.AggregateTableWords).Concat(lexicon.CountCommentMarkers))
                yield return ($"{name} word", word);
        }
    }

    /// <summary>The string literals of the vocabulary folders, with their file.</summary>
    internal static IEnumerable<(string Where, string Text)> Literals()
    {
        foreach (var file in VocabularyFolders.SelectMany(f => Directory.GetFiles(FindSourceFolder(f), "*.cs"))
                     .Where(f => !NotVocabulary.Contains(Path.GetFileName(f))))
            foreach (Match literal in Regex.Matches(CodeWithoutNonVocabulary(file), "\"((?:[^\"\\\\\\n]|\\\\.)*)\""))
                // A word cut by an interpolation hole ("appl{(plural ? "ies" : "y")}") is a fragment, not a word.
                yield return (Path.GetFileName(file), Regex.Replace(literal.Groups[1].Value, @"\w+\{", "{"));
    }

    private static string FindSourceFolder(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "NlAnalytics.Core", name);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"NlAnalytics.Core/{name} not found above the test output folder");
    }
}

/// <summary>The same guard over every value the demo warehouse holds in its category-like text columns, read from a loaded warehouse.</summary>
public sealed class OfflineVocabularyValueTests(DemoWarehouseFixture demo) : IClassFixture<DemoWarehouseFixture>
{
    /// <summary>
    /// The values (as stems, word by word) of every text column with at most 100 distinct ones, each on three rows or more
    /// ("outlet", "platinum", "small business", "changed mind"); names and titles of one row each are not vocabulary.
    /// </summary>
    private async Task<List<string[]>> ValuesAsync()
    {
        await using var connection = new NpgsqlConnection(demo.ConnectionString);
        await connection.OpenAsync();
        var columns = new List<(string Schema, string Table, string Column)>();
        await using (var command = new NpgsqlCommand("""
            SELECT table_schema, table_name, column_name FROM information_schema.columns
            WHERE table_schema = ANY(@schemas) AND data_type = 'text'
            """, connection))
        {
            command.Parameters.AddWithValue("schemas", DemoSchema.Schemas.ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        var values = new List<string[]>();
        foreach (var (schema, table, column) in columns)
        {
            await using var command = new NpgsqlCommand($"""
                SELECT v FROM (SELECT "{column}" AS v, count(*) AS n FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL GROUP BY 1) g
                WHERE (SELECT count(DISTINCT "{column}") FROM "{schema}"."{table}") <= 100 AND n >= 3
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var stems = RetrievalLexicon.Words(reader.GetString(0)).Select(RetrievalLexicon.Stem).ToArray();
                // A one-word value that is a closed-class word ("online", "other") or a number names nothing of the demo.
                if (stems.Length == 1 && (stems[0].Length < 3 || stems[0].All(char.IsDigit) || RetrievalLexicon.IsStopWord(stems[0])
                                          || OfflineVocabularyTests.ClosedClass.Contains(stems[0])))
                    continue;
                if (stems.Length > 0) values.Add(stems);
            }
        }
        return values;
    }

    /// <summary>Whether the text holds the value's words in a row, stem by stem.</summary>
    private static bool Names(string text, string[] value)
    {
        var stems = RetrievalLexicon.Words(text).Select(RetrievalLexicon.Stem).ToArray();
        for (var i = 0; i + value.Length <= stems.Length; i++)
            if (value.Select((v, k) => stems[i + k] == v).All(b => b)) return true;
        return false;
    }

    [Fact]
    public async Task The_lexicons_and_the_writer_hold_no_value_of_the_demo_warehouse()
    {
        var values = await ValuesAsync();
        // The guard must see the values, or it guards nothing.
        foreach (var value in new[] { "outlet", "platinum", "lausanne", "female", "small business", "changed mind" })
            Assert.Contains(values, v => v.SequenceEqual(RetrievalLexicon.Words(value).Select(RetrievalLexicon.Stem)));

        var texts = OfflineVocabularyTests.LexiconTexts().Concat(OfflineVocabularyTests.Literals());
        var offenders = texts.SelectMany(t => values.Where(v => Names(t.Text, v)).Select(v => $"{t.Where}: '{t.Text}' names '{string.Join(' ', v)}'"))
            .Distinct().ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }
}

using System.Text.RegularExpressions;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Offline;
using NlAnalytics.Core.Retrieval;
using RetrievalLexicon = NlAnalytics.Core.Retrieval.Lexicon;

namespace NlAnalytics.Tests.Offline;

public sealed class OfflineVocabularyTests
{
    // Closed-class words that happen to be words of demo identifiers: time, structure and aggregate words every
    // schema uses ("order_date", "faculty_code", "net_amount"), which the writer must know as such.
    private static readonly HashSet<string> ClosedClass = new(StringComparer.Ordinal)
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
    private static HashSet<string> DemoContentStems()
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
        var demo = DemoContentStems();
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
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void The_offline_writer_source_names_nothing_of_the_demo_database()
    {
        var demo = DemoContentStems();
        var folder = FindSourceFolder("Offline");
        var offenders = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.cs"))
        {
            // String literals only: they are what the writer matches against questions and schemas.
            var code = Regex.Replace(File.ReadAllText(file), @"^\s*//.*$|\s//\s.*$", "", RegexOptions.Multiline);
            // The world's country names with their ISO 3166 codes, and the holes of interpolated strings, are not vocabulary.
            code = Regex.Replace(code, @"\(""[a-z]+"", ""[a-z]{2}""\)|\{[A-Za-z_.]+\}", "");
            foreach (Match literal in Regex.Matches(code, "\"((?:[^\"\\\\\\n]|\\\\.)*)\""))
                foreach (var word in RetrievalLexicon.Words(literal.Groups[1].Value))
                    if (demo.Contains(RetrievalLexicon.Stem(word)))
                        offenders.Add($"{Path.GetFileName(file)}: {word}");
        }
        Assert.True(offenders.Count == 0, string.Join("\n", offenders.Distinct()));
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

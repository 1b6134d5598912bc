using System.Globalization;
using System.Text;

namespace NlAnalytics.Core.Retrieval;

/// <summary>
/// The text side of retrieval: splitting identifiers and sentences into words, folding case and
/// accents, a light stemmer and stop words. Questions and schema text go through the same functions so
/// that "customers", "Customer" and "customer_id" meet. Closed-class language only: which nouns mean the
/// same ("staff" and "employees") is the sentence encoder's part, not a list's (ADR 0037).
/// </summary>
internal static class Lexicon
{
    /// <summary>Splits on anything not a letter or digit, on camelCase humps and letter/digit boundaries; lowercases and removes accents.</summary>
    public static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
            return words;
        var current = new StringBuilder();
        var previous = '\0';
        foreach (var raw in text)
        {
            if (!char.IsLetterOrDigit(raw))
            {
                Flush(current, words);
                previous = '\0';
                continue;
            }
            var boundary = previous != '\0' &&
                ((char.IsLower(previous) && char.IsUpper(raw)) || (char.IsDigit(previous) != char.IsDigit(raw)));
            if (boundary)
                Flush(current, words);
            current.Append(raw);
            previous = raw;
        }
        Flush(current, words);
        return words;

        static void Flush(StringBuilder current, List<string> words)
        {
            if (current.Length == 0)
                return;
            words.Add(Fold(current.ToString()));
            current.Clear();
        }
    }

    /// <summary>Lowercase without diacritics: "Île" and "ile" are the same word to someone typing a question.</summary>
    public static string Fold(string word)
    {
        var lower = word.ToLowerInvariant();
        if (lower.All(char.IsAscii))
            return lower;
        var decomposed = lower.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                builder.Append(c);
        }
        return builder.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// A deliberately light stemmer (plurals, -ing, -ed, a few irregular forms). Aggressive stemming
    /// merges identifiers that mean different things (Porter maps "university" and "universe" together).
    /// </summary>
    public static string Stem(string word)
    {
        return Irregular.TryGetValue(word, out var mapped) ? Regular(mapped) : Regular(word);
    }

    private static string Regular(string word)
    {
        if (word.Length <= 3 || word.Any(char.IsDigit))
            return word;
        string stem;
        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length > 4)
            stem = word[..^3] + "y";
        else if (word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal)
                 || word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal))
            stem = word[..^2];
        else if (word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal)
                 && !word.EndsWith("is", StringComparison.Ordinal))
            stem = word[..^1];
        else if (word.EndsWith("ing", StringComparison.Ordinal) && word.Length > 5)
            stem = Undouble(word[..^3]);
        else if (word.EndsWith("ed", StringComparison.Ordinal) && !word.EndsWith("eed", StringComparison.Ordinal) && word.Length > 4)
            stem = Undouble(word.EndsWith("ied", StringComparison.Ordinal) ? word[..^3] + "y" : word[..^2]);
        else
            stem = word;
        // "released"/"release" and "purchased"/"purchase": drop a final e so both meet.
        if (stem.Length > 4 && stem.EndsWith('e') && !stem.EndsWith("ee", StringComparison.Ordinal))
            stem = stem[..^1];
        return stem;

        static string Undouble(string s) =>
            s.Length > 3 && s[^1] == s[^2] && s[^1] is not ('l' or 's' or 'z') ? s[..^1] : s;
    }

    public static bool IsStopWord(string word) => StopWords.Contains(word);

    /// <summary>Whether a question word asks for time: "monthly", "2024", "since", "trend".</summary>
    public static bool IsTemporal(string word) =>
        TemporalWords.Contains(word) || (word.Length == 4 && int.TryParse(word, out var year) && year is >= 1900 and <= 2100);

    /// <summary>Whether a column holds time, by type or by a name like release_year.</summary>
    public static bool IsTemporalColumn(Catalog.ColumnInfo column) =>
        column.IsTemporal || Words(column.Name).Any(w => TemporalWords.Contains(w) && w is not ("since" or "when" or "trend" or "evolution" or "over"));

    private static readonly HashSet<string> TemporalWords = new(StringComparer.Ordinal)
    {
        "date", "dates", "day", "days", "daily", "week", "weeks", "weekly", "month", "months", "monthly", "quarter", "quarters",
        "quarterly", "year", "years", "yearly", "annual", "annually", "when", "since", "trend", "evolution", "time", "season",
        "seasonal", "seasonality", "ytd", "mtd", "today", "yesterday", "recent", "recently", "latest", "timestamp", "hour", "hourly",
    };

    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["people"] = "person", ["persons"] = "person", ["children"] = "child",
        ["bought"] = "buy", ["sold"] = "sell", ["spent"] = "spend", ["paid"] = "pay",
        ["analyses"] = "analysis",
    };

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "per", "with", "without", "from", "into", "and", "or", "not",
        "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "has", "have", "had", "will", "would", "can", "could",
        "should", "may", "might", "shall", "what", "which", "who", "whom", "whose", "where", "how", "why", "that", "this", "these",
        "those", "there", "their", "they", "them", "it", "its", "i", "me", "my", "we", "our", "us", "you", "your", "he", "she", "his",
        "her", "as", "than", "then", "so", "if", "else", "also", "only", "just", "about", "over", "under", "between", "during",
        "each", "every", "all", "any", "some", "no", "yes", "show", "list", "give", "tell", "find", "get", "display", "please",
        "many", "much", "more", "most", "less", "least", "few", "fewer", "top", "bottom", "number", "count", "total", "sum",
        "average", "avg", "mean", "median", "highest", "lowest", "best", "worst", "biggest", "largest", "smallest", "share",
        "percent", "percentage", "ratio", "rate", "compare", "compared", "versus", "vs", "across", "breakdown", "broken", "down",
        "split", "rank", "ranked", "ranking", "one", "two", "three", "ten", "last", "first", "next",
        "previous", "since", "before", "after", "until", "ever", "whole", "overall", "along", "together", "versus", "against",
        "e", "g", "etc", "id", "ids",
    };
}

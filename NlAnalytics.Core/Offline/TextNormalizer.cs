using System.Globalization;
using System.Text;
using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Offline;

/// <summary>One word of a question: its normalized form (lowercase, no accents) and its light stem.</summary>
internal sealed record Token(string Text, string Stem, int Index);

/// <summary>
/// Lowercases, strips accents and splits text and identifiers into comparable words. Question words,
/// identifiers, comments and indexed values all go through the same functions so that they meet.
/// </summary>
internal static class TextNormalizer
{
    public static string Fold(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    /// <summary>Words of free text. Keeps '&amp;' inside words (r&amp;b) and decimal points and thousands separators inside numbers.</summary>
    public static List<string> Words(string text)
    {
        var folded = Fold(text);
        var words = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < folded.Length; i++)
        {
            var c = folded[i];
            var keep = char.IsLetterOrDigit(c) || c == '&'
                || ((c == '.' || c == ',') && current.Length > 0 && char.IsDigit(current[^1]) && i + 1 < folded.Length && char.IsDigit(folded[i + 1]));
            if (keep)
            {
                current.Append(c);
                continue;
            }
            if (current.Length > 0) words.Add(current.ToString());
            current.Clear();
            if (c == '%') words.Add("%");
        }
        if (current.Length > 0) words.Add(current.ToString());
        return words;
    }

    public static List<Token> Tokenize(string text) =>
        Words(text).Select((w, i) => new Token(w, Stem(w), i)).ToList();

    /// <summary>Splits snake_case, kebab-case and camelCase identifiers into folded words.</summary>
    public static List<string> SplitIdentifier(string identifier) => IdentifierWords.Split(identifier).ConvertAll(Fold);

    /// <summary>
    /// A deliberately light stemmer (plurals, -ed, -ing) shared by English and French: both sides of
    /// every comparison are stemmed the same way, so it only has to be consistent, not linguistically right.
    /// </summary>
    public static string Stem(string word)
    {
        if (IrregularVerbs.TryGetValue(word, out var lemma)) return lemma;
        if (word.Length <= 3 || !char.IsLetter(word[^1])) return word;
        // British and American spellings meet: "instalment(s)" and "installment(s)", "fulfilment" and "fulfillment".
        if (word.EndsWith("lment", StringComparison.Ordinal) || word.EndsWith("lments", StringComparison.Ordinal))
        {
            var at = word.LastIndexOf("lment", StringComparison.Ordinal);
            if (at > 0 && word[at - 1] != 'l') word = word[..at] + "l" + word[at..];
        }
        // "countries" and "country" both become "countrie"; "movies" and "movie" both "movie".
        if (word.EndsWith("ies", StringComparison.Ordinal)) return word[..^1];
        if (word[^1] == 'y' && !"aeiou".Contains(word[^2])) return word[..^1] + "ie";
        if (word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal) || word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal))
            return word[..^2];
        if (word.EndsWith("ing", StringComparison.Ordinal) && word.Length > 6) return word[..^3];
        if (word.EndsWith("ed", StringComparison.Ordinal) && word.Length > 5 && !word.EndsWith("eed", StringComparison.Ordinal))
        {
            // "priced" → price, "closed" → close, but "passed" → pass and "streamed" → stream.
            var before = word[^3];
            var silentE = before is 'c' or 'v' or 'z' or 'u' || (before == 's' && "aeiou".Contains(word[^4]));
            return silentE ? word[..^1] : word[..^2];
        }
        if (word.EndsWith("aux", StringComparison.Ordinal) && word.Length > 4) return word[..^3] + "al";
        if (word[^1] == 's' && word[^2] != 's' && word[^2] != 'u' && word[^2] != 'i') return word[..^1];
        if (word[^1] == 'x' && word[^2] == 'u' && word.Length > 4) return word[..^1];
        return word;
    }

    /// <summary>
    /// English irregular verb forms and their base ("sold" → sell, "written" → write), so a question's verb meets the
    /// participle a comment uses ("Products sold"). Closed-class morphology: the same for every database. Only forms the
    /// regular rules miss, and none that is also a common noun, name or unit ("left", "won", "led", "found", "rose", "saw").
    /// </summary>
    private static readonly Dictionary<string, string> IrregularVerbs = BaseForms(
        ("sell", "sold"), ("buy", "bought"), ("pay", "paid"), ("spend", "spent"), ("make", "made"), ("take", "took taken"),
        ("give", "gave given"), ("get", "got gotten"), ("bring", "brought"), ("teach", "taught"), ("write", "wrote written"),
        ("send", "sent"), ("build", "built"), ("hold", "held"), ("keep", "kept"), ("lend", "lent"), ("meet", "met"),
        ("sing", "sang sung"), ("drive", "drove driven"), ("fly", "flew flown"), ("grow", "grew grown"), ("choose", "chose chosen"),
        ("begin", "began begun"), ("break", "broke broken"), ("speak", "spoke spoken"), ("steal", "stole stolen"), ("wear", "wore worn"),
        ("ride", "rode ridden"), ("rise", "risen"), ("see", "seen"), ("do", "did done"), ("go", "went gone"), ("come", "came"),
        ("run", "ran"), ("tell", "told"), ("catch", "caught"), ("seek", "sought"), ("deal", "dealt"), ("forget", "forgot forgotten"),
        ("hide", "hid hidden"), ("draw", "drawn"), ("throw", "threw thrown"), ("know", "knew known"), ("show", "shown"));

    private static Dictionary<string, string> BaseForms(params (string Base, string Forms)[] verbs)
    {
        var forms = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (lemma, others) in verbs)
            foreach (var form in others.Split(' ')) forms[form] = lemma;
        return forms;
    }

    /// <summary>Whether the word is a verb's past form the stemmer reads to its base ("sold", "written", "registered").</summary>
    public static bool IsPastForm(string word) =>
        IrregularVerbs.ContainsKey(word) || word.Length > 5 && word.EndsWith("ed", StringComparison.Ordinal) && !word.EndsWith("eed", StringComparison.Ordinal);

    public static string Phrase(IEnumerable<string> words) => string.Join(' ', words);

    /// <summary>
    /// Edits (insert, delete, substitute, swap two adjacent letters) from <paramref name="a"/> to <paramref name="b"/>,
    /// or <paramref name="limit"/> + 1 as soon as it is clear there are more: typo correction only cares about one or two.
    /// </summary>
    public static int EditDistance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit) return limit + 1;
        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var best = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    best = Math.Min(best, previous2[j - 2] + 1);
                current[j] = best;
                rowMin = Math.Min(rowMin, best);
            }
            if (rowMin > limit) return limit + 1;
            (previous2, previous, current) = (previous, current, previous2);
        }
        return Math.Min(previous[b.Length], limit + 1);
    }
}

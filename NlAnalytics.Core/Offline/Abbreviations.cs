namespace NlAnalytics.Core.Offline;

/// <summary>
/// Reads abbreviated identifiers (a <c>tbl_</c> prefix, <c>_dt</c>/<c>_amt</c> suffixes, consonant skeletons of
/// longer words) as the words they stand for. The long forms come from the catalog's own comments, so this
/// works for any schema whose comments say what its short names mean; only naming conventions are built in.
/// </summary>
internal static class Abbreviations
{
    /// <summary>Conventional short forms that comments rarely spell out ("order date" for order_dt).</summary>
    private static readonly Dictionary<string, string> Conventions = new(StringComparer.Ordinal)
    {
        ["dt"] = "date", ["dte"] = "date", ["amt"] = "amount", ["nm"] = "name", ["nme"] = "name", ["cd"] = "code", ["flg"] = "flag",
        ["cnt"] = "count", ["nbr"] = "number", ["pct"] = "percent", ["rt"] = "rate", ["yr"] = "year",
        ["ts"] = "timestamp", ["tm"] = "time", ["desc"] = "description", ["dsc"] = "description", ["addr"] = "address", ["val"] = "value",
    };

    /// <summary>Table-name prefixes that say "this is a table" and nothing about its rows.</summary>
    private static readonly HashSet<string> TablePrefixes = new(StringComparer.Ordinal) { "tbl", "tb", "t", "vw", "v", "dim", "fct", "fact", "stg", "tab" };

    /// <summary>
    /// True when <paramref name="token"/> can be a shortening of <paramref name="word"/>: same first letter, its letters
    /// appear in sequence in the word, and the word is longer ("shpmt" of "shipment", "whse" of "warehouse").
    /// </summary>
    public static bool Abbreviates(string token, string word)
    {
        if (token.Length < 2 || word.Length <= token.Length || token[0] != word[0]) return false;
        if (!token.All(char.IsLetter) || !word.All(char.IsLetter)) return false;
        var j = 1;
        for (var i = 1; i < word.Length && j < token.Length; i++)
            if (word[i] == token[j]) j++;
        return j == token.Length;
    }

    /// <summary>Drops a meaningless table-name prefix ("tbl_items" → items) when words remain.</summary>
    public static List<string> StripTablePrefix(List<string> words) =>
        words.Count > 1 && TablePrefixes.Contains(words[0]) ? words.Skip(1).ToList() : words;

    /// <summary>
    /// Replaces each abbreviated identifier word by the comment word it shortens, looking through the comments in
    /// order of preference (the column's own first), or by its conventional long form. Words that are written out
    /// in full in a comment, or that nothing explains, stay as they are.
    /// </summary>
    public static List<string> Expand(IReadOnlyList<string> identifierWords, IReadOnlyList<IReadOnlyList<string>> comments, IReadOnlySet<string> stopwords)
    {
        var all = comments.SelectMany(c => c).ToHashSet(StringComparer.Ordinal);
        var result = new List<string>(identifierWords.Count);
        foreach (var word in identifierWords)
        {
            // Only short or vowel-less words look abbreviated; "signup" or "launched" are words in their own right.
            var looksShort = word.Length <= 4 || !word.Skip(1).Any(c => "aeiouy".Contains(c));
            if (all.Contains(word) || word.Length < 2 || word.Any(char.IsDigit) || !looksShort || stopwords.Contains(word))
            {
                result.Add(word);
                continue;
            }
            if (Conventions.TryGetValue(word, out var conventional))
            {
                result.Add(conventional);
                continue;
            }
            string? expanded = null;
            // Two letters say too little to look beyond the column's own comment ("hq" of headquarters).
            var own = true;
            foreach (var comment in word.Length >= 3 ? comments : comments.Take(1))
            {
                // The column's own comment may spell out even a filler word ("typ" in "Incident type: ..."); others may not.
                var ownComment = own;
                expanded = comment.FirstOrDefault(w => (ownComment && word.Length >= 3 || !stopwords.Contains(w)) && Abbreviates(word, w));
                own = false;
                if (expanded is not null) break;
            }
            result.Add(expanded ?? word);
        }
        return result;
    }

    public static string? Convention(string word) => Conventions.GetValueOrDefault(word);
}

namespace NlAnalytics.Core.Offline;

/// <summary>The language cues the offline writer understands. Which words carry them lives in one lexicon file per language.</summary>
internal enum CueKind
{
    Count, Sum, Average, Min, Max, Distinct,
    GroupBy, Top, Bottom, Most, Least, Highest, Lowest, Ascending, Descending,
    Greater, Less, AtLeast, AtMost, Between, Equal, And, Not,
    Share, Ratio, Growth, Compare,
    Since, After, Before, From, To, During, Last, This, Latest,
    Grain, GrainAdjective, PeriodOverPeriod, OverTime, Month, Quarter,
    Cumulative, Chart, Only, Instead, Also, List, Which, When, Unit, FollowUp, Multiplier, NumberWord, Percent, With,
}

/// <summary>A cue: the kind and, where relevant, an argument (a month number, a grain, a chart kind, a multiplier).</summary>
internal sealed record Cue(CueKind Kind, string? Argument = null)
{
    public int IntArgument => int.Parse(Argument!, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The words of one language: multi-word cue phrases, words to ignore, generic synonyms and
/// translations into the vocabulary schemas are usually written in (English). Nothing here may name a
/// table, a column or a value of a particular database.
/// </summary>
internal sealed class Lexicon
{
    public required string Language { get; init; }

    /// <summary>Cue phrases in folded form ("how many", "more than", "par").</summary>
    public required IReadOnlyDictionary<string, Cue> Cues { get; init; }

    /// <summary>Words that carry no meaning for the query (articles, auxiliaries, politeness).</summary>
    public required IReadOnlySet<string> Stopwords { get; init; }

    /// <summary>Generic synonyms: a folded word and the words a schema or value might use instead.</summary>
    public required IReadOnlyDictionary<string, string[]> Synonyms { get; init; }

    /// <summary>Non-additive measure words: a column named like this is averaged, not summed, by default.</summary>
    public required IReadOnlySet<string> NonAdditive { get; init; }

    /// <summary>Words in a column comment that say the column already holds a count ("number of ...").</summary>
    public required IReadOnlyList<string> CountCommentMarkers { get; init; }

    /// <summary>Table-name words that say the rows are already aggregated ("visit_stats"), so counting them means summing their count column.</summary>
    public required IReadOnlySet<string> AggregateTableWords { get; init; }

    public static Lexicon Merge(params Lexicon[] lexicons)
    {
        var cues = new Dictionary<string, Cue>();
        var stop = new HashSet<string>();
        var synonyms = new Dictionary<string, string[]>();
        var nonAdditive = new HashSet<string>();
        var markers = new List<string>();
        var aggregateWords = new HashSet<string>();
        foreach (var lexicon in lexicons)
        {
            foreach (var (phrase, cue) in lexicon.Cues) cues.TryAdd(phrase, cue);
            stop.UnionWith(lexicon.Stopwords);
            foreach (var (word, alternatives) in lexicon.Synonyms)
                synonyms[word] = synonyms.TryGetValue(word, out var existing) ? [.. existing.Union(alternatives)] : alternatives;
            nonAdditive.UnionWith(lexicon.NonAdditive);
            markers.AddRange(lexicon.CountCommentMarkers);
            aggregateWords.UnionWith(lexicon.AggregateTableWords);
        }
        // A word that is a cue in one language is not a stopword in the merged lexicon.
        stop.ExceptWith(cues.Keys);
        return new Lexicon
        {
            Language = string.Join('+', lexicons.Select(l => l.Language)),
            Cues = cues,
            Stopwords = stop,
            Synonyms = synonyms,
            NonAdditive = nonAdditive,
            CountCommentMarkers = markers,
            AggregateTableWords = aggregateWords,
        };
    }

    public int LongestCue => Cues.Keys.Max(k => k.Count(c => c == ' ') + 1);
}

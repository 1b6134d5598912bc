using System.Globalization;

namespace NlAnalytics.Core.Offline;

/// <summary>
/// What the offline writer knows about one of its drafts that bears on whether the draft is right: how the
/// question was grounded (words left out, ambiguous values, a guessed subject), the shape of the SQL (joins,
/// fan-out), the kind of intent, and how strongly the question's words matched the schema (<see cref="WeakItems"/>:
/// words matched only through a comment, a synonym, a partial name or a shared stem; <see cref="WeakestMatch"/>: the
/// lowest best-match score among the words matched to the schema, 1 when none was; <see cref="InferredJoins"/>: joins along keys the database does not declare; <see cref="Corrections"/>: misspelt words read as catalog words; <see cref="UnplacedWords"/>: words read but placed in no part of the intent; <see cref="ImpliedAggregate"/>: a measure summed or averaged although no word asked for a total or an average). <see cref="OfflineCalibration"/> turns these into a probability; the
/// weights come from the development sets (the <c>calibrate-offline</c> verb), not from hand tuning.
/// </summary>
public sealed record OfflineFeatures(
    double Heuristic,
    int IgnoredWords,
    int MeaningfulItems,
    int Doubts,
    bool FollowUp,
    int Joins,
    bool FanOut,
    bool GuessedSubject,
    int Values,
    int AmbiguousValues,
    int Comparisons,
    bool TimeFilter,
    int Groups,
    bool ListRows,
    bool ShareOrRatio,
    bool Growth,
    bool Ranked,
    bool Aggregated,
    int WeakItems = 0,
    double WeakestMatch = 1,
    int InferredJoins = 0,
    int Corrections = 0,
    int UnplacedWords = 0,
    bool ImpliedAggregate = false)
{
    /// <summary>Whether the draft left a word of the question out (unknown or placed nowhere): the writer caps its confidence under the Hybrid threshold.</summary>
    public bool LeftOut => IgnoredWords + UnplacedWords > 0;

    /// <summary>The names of <see cref="Vector"/>'s entries, in order; the calibration file keys its weights by them.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "heuristic", "ignored_words", "ignored_share", "doubts", "follow_up", "joins", "fan_out", "guessed_subject",
        "values", "ambiguous_values", "comparisons", "time_filter", "groups", "list_rows", "share_or_ratio", "growth", "ranked",
        "aggregated", "question_items", "weak_items", "weakest_match", "inferred_joins", "corrections",
        "unplaced_words", "implied_aggregate",
    ];

    /// <summary>The features as numbers (flags 0/1, counts as they are, the question's length in grounded items).</summary>
    public IReadOnlyList<double> Vector =>
    [
        Heuristic,
        IgnoredWords,
        MeaningfulItems == 0 ? 0 : (double)IgnoredWords / MeaningfulItems,
        Doubts,
        FollowUp ? 1 : 0,
        Joins,
        FanOut ? 1 : 0,
        GuessedSubject ? 1 : 0,
        Values,
        AmbiguousValues,
        Comparisons,
        TimeFilter ? 1 : 0,
        Groups,
        ListRows ? 1 : 0,
        ShareOrRatio ? 1 : 0,
        Growth ? 1 : 0,
        Ranked ? 1 : 0,
        Aggregated ? 1 : 0,
        MeaningfulItems,
        WeakItems,
        WeakestMatch,
        InferredJoins,
        Corrections,
        UnplacedWords,
        ImpliedAggregate ? 1 : 0,
    ];

    /// <summary>One line for transcripts and logs.</summary>
    public override string ToString() => string.Join(", ", Names.Zip(Vector, (n, v) => string.Create(CultureInfo.InvariantCulture, $"{n}={v:0.##}")));
}

using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Evaluation;

[JsonConverter(typeof(JsonStringEnumConverter<CaseOutcome>))]
public enum CaseOutcome
{
    /// <summary>The generated SQL ran and its result matches the gold result.</summary>
    Correct,
    /// <summary>The generated SQL ran but its result differs.</summary>
    Incorrect,
    /// <summary>SQL was produced but did not run (or the analyst failed).</summary>
    Invalid,
    /// <summary>The analyst produced no SQL.</summary>
    Declined,
    /// <summary>The gold SQL itself failed: a benchmark bug, left out of the rates.</summary>
    GoldFailed,
    /// <summary>An unanswerable question, and the analyst produced no SQL: the right outcome.</summary>
    DeclinedCorrectly,
    /// <summary>An unanswerable question, and the analyst produced SQL anyway (whether it ran or not).</summary>
    AnsweredUnanswerable,
}

/// <summary>
/// How one question went. <see cref="GenerationMs"/> is the analyst's own time (the query excluded),
/// <see cref="AnswerMs"/> the whole answer as the user waits for it; <see cref="Confidence"/> is what the
/// analyst reported (0..1). <see cref="GoldSql"/> is null for an unanswerable question.
/// </summary>
public sealed record CaseResult(
    string Id,
    string Question,
    string? Tier,
    IReadOnlyList<string> Tags,
    string? FollowupOf,
    int HistoryTurns,
    string? GoldSql,
    string? GeneratedSql,
    string? StandaloneQuestion,
    CaseOutcome Outcome,
    string? Detail,
    double GenerationMs,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    string? Path,
    IReadOnlyList<string> GoldTables,
    IReadOnlyList<string> RetrievedTables,
    double? RetrievalRecall,
    double Confidence = 1.0,
    double AnswerMs = 0)
{
    public bool Answerable => GoldSql is not null;

    /// <summary>The generated SQL ran without error.</summary>
    public bool Valid => Outcome is CaseOutcome.Correct or CaseOutcome.Incorrect;

    public bool Declined => Outcome is CaseOutcome.Declined or CaseOutcome.DeclinedCorrectly;

    public bool ExecutionMatch => Outcome == CaseOutcome.Correct;

    /// <summary>The analyst produced SQL: an answer the user would see, right or wrong.</summary>
    public bool Answered => Outcome is CaseOutcome.Correct or CaseOutcome.Incorrect or CaseOutcome.Invalid or CaseOutcome.AnsweredUnanswerable;
}

/// <summary>
/// Counts and rates over the answerable questions of a group (unanswerable ones are in
/// <see cref="UnanswerableTotals"/>). Rates are percentages of the scored questions (all but
/// <see cref="GoldFailed"/>), so Valid + Invalid + Declined = Scored and Correct + Declined + AnsweredWrong = Scored:
/// an answer is wrong when its result does not match or its SQL did not run.
/// </summary>
public sealed record EvaluationTotals(
    int Questions,
    int Scored,
    int Valid,
    int Correct,
    int Invalid,
    int Declined,
    int GoldFailed,
    double ValidSqlPercent,
    double ExecutionAccuracyPercent,
    double DeclinedPercent,
    double? MeanRetrievalRecall,
    int AnsweredWrong = 0,
    double AnsweredWrongPercent = 0)
{
    public static EvaluationTotals Of(IReadOnlyCollection<CaseResult> cases)
    {
        var answerable = cases.Where(c => c.Answerable).ToList();
        var scored = answerable.Where(c => c.Outcome != CaseOutcome.GoldFailed).ToList();
        var valid = scored.Count(c => c.Valid);
        var correct = scored.Count(c => c.ExecutionMatch);
        var declined = scored.Count(c => c.Declined);
        var wrong = scored.Count - correct - declined;
        var recalls = scored.Where(c => c.RetrievalRecall is not null).Select(c => c.RetrievalRecall!.Value).ToList();
        return new EvaluationTotals(
            answerable.Count,
            scored.Count,
            valid,
            correct,
            scored.Count - valid - declined,
            declined,
            answerable.Count - scored.Count,
            Rates.Percent(valid, scored.Count),
            Rates.Percent(correct, scored.Count),
            Rates.Percent(declined, scored.Count),
            recalls.Count == 0 ? null : Math.Round(recalls.Average(), 4),
            wrong,
            Rates.Percent(wrong, scored.Count));
    }
}

/// <summary>How the analyst did on questions the data cannot answer: declining is right, any SQL is not.</summary>
public sealed record UnanswerableTotals(int Questions, int DeclinedCorrectly, int Answered, double DeclinedCorrectlyPercent, double AnsweredPercent)
{
    public static UnanswerableTotals Of(IReadOnlyCollection<CaseResult> cases)
    {
        var unanswerable = cases.Where(c => !c.Answerable).ToList();
        var declined = unanswerable.Count(c => c.Outcome == CaseOutcome.DeclinedCorrectly);
        var answered = unanswerable.Count - declined;
        return new UnanswerableTotals(unanswerable.Count, declined, answered,
            Rates.Percent(declined, unanswerable.Count), Rates.Percent(answered, unanswerable.Count));
    }
}

/// <summary>
/// One row of the reliability table: the answers (SQL produced, for answerable and unanswerable questions
/// alike) whose confidence falls in [From, To), and how many of them were right. A calibrated analyst's
/// share right sits inside its bucket, near its <see cref="MeanConfidencePercent"/> (the confidence stated, on average).
/// </summary>
public sealed record ReliabilityBucket(double From, double To, int Answers, int Right, double? RightPercent, double? MeanConfidencePercent = null)
{
    public static readonly IReadOnlyList<double> Edges = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];

    /// <summary>Five buckets of width 0.2; the last one includes 1.0.</summary>
    public static IReadOnlyList<ReliabilityBucket> Of(IReadOnlyCollection<CaseResult> cases)
    {
        var answers = cases.Where(c => c.Answered && c.Outcome != CaseOutcome.GoldFailed).ToList();
        var buckets = new List<ReliabilityBucket>(Edges.Count - 1);
        for (var i = 0; i < Edges.Count - 1; i++)
        {
            var (from, to) = (Edges[i], Edges[i + 1]);
            var last = i == Edges.Count - 2;
            var inBucket = answers.Where(c => c.Confidence >= from && (c.Confidence < to || (last && c.Confidence <= to))).ToList();
            var right = inBucket.Count(c => c.ExecutionMatch);
            buckets.Add(new ReliabilityBucket(from, to, inBucket.Count, right, inBucket.Count == 0 ? null : Rates.Percent(right, inBucket.Count),
                inBucket.Count == 0 ? null : Math.Round(100 * inBucket.Average(c => c.Confidence), 1)));
        }
        return buckets;
    }

    /// <summary>
    /// Expected calibration error, in percentage points: the answers' weighted mean gap between the confidence
    /// stated and the share right, bucket by bucket. 0 is perfectly calibrated; null without answers.
    /// </summary>
    public static double? CalibrationError(IReadOnlyList<ReliabilityBucket> buckets)
    {
        var answers = buckets.Sum(b => b.Answers);
        if (answers == 0) return null;
        return Math.Round(buckets.Where(b => b.Answers > 0).Sum(b => b.Answers * Math.Abs((b.MeanConfidencePercent ?? 0) - (b.RightPercent ?? 0))) / answers, 1);
    }
}

internal static class Rates
{
    public static double Percent(int part, int whole) => whole == 0 ? 0 : Math.Round(100.0 * part / whole, 2);
}

/// <summary>
/// The headline figures of a run, also returned to the CLI. Latency is the analyst's generation time
/// (LatencyP50Ms/P95Ms, the query excluded) and the whole answer (AnswerP50Ms/P95Ms). <see cref="Today"/>
/// is the date the run pinned "today" to, when it did.
/// </summary>
public sealed record EvaluationSummary(
    string Set,
    string DataSource,
    AnalysisMode Mode,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    EvaluationTotals Totals,
    IReadOnlyDictionary<string, EvaluationTotals> ByTier,
    IReadOnlyDictionary<string, EvaluationTotals> ByTag,
    IReadOnlyDictionary<string, int> ByPath,
    double LatencyP50Ms,
    double LatencyP95Ms,
    long InputTokens,
    long OutputTokens,
    decimal TotalCostUsd,
    UnanswerableTotals Unanswerable,
    IReadOnlyList<ReliabilityBucket> Reliability,
    double AnswerP50Ms,
    double AnswerP95Ms,
    DateOnly? Today = null,
    string? ReportJsonPath = null,
    string? ReportMarkdownPath = null);

/// <summary>One question as it was scored, with the gold result and the analyst's (null when a query did not run).</summary>
public sealed record EvaluatedCase(CaseResult Result, QueryResult? Gold, QueryResult? Generated);

/// <summary>A whole run: the summary and every question's result.</summary>
public sealed record EvaluationReport(EvaluationSummary Summary, IReadOnlyList<CaseResult> Cases);

/// <summary>Bounds and tolerance for evaluation runs (section "Evaluation"; every value has a sensible default).</summary>
public sealed class EvaluationOptions
{
    public const string SectionName = "Evaluation";

    /// <summary>Relative tolerance when comparing numbers.</summary>
    [Range(0.0, 0.1)]
    public double RelativeTolerance { get; set; } = ResultComparer.DefaultRelativeTolerance;

    /// <summary>Row cap for gold and generated queries alike, so both are cut at the same point.</summary>
    [Range(1, 1_000_000)]
    public int MaxRows { get; set; } = 5000;

    [Range(1, 3600)]
    public int QueryTimeoutSeconds { get; set; } = 30;

    /// <summary>Folder of the question sets the evaluation workspace offers to pick (the web app sets benchmarks/dev of the repository when unset).</summary>
    public string? ShippedSetsFolder { get; set; }
}

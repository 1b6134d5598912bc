using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using NlAnalytics.Core.Agents;

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
}

/// <summary>How one question went.</summary>
public sealed record CaseResult(
    string Id,
    string Question,
    string? Tier,
    IReadOnlyList<string> Tags,
    string? FollowupOf,
    int HistoryTurns,
    string GoldSql,
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
    double? RetrievalRecall)
{
    /// <summary>The generated SQL ran without error.</summary>
    public bool Valid => Outcome is CaseOutcome.Correct or CaseOutcome.Incorrect;

    public bool Declined => Outcome == CaseOutcome.Declined;

    public bool ExecutionMatch => Outcome == CaseOutcome.Correct;
}

/// <summary>
/// Counts and rates over a group of questions. Rates are percentages of the scored questions (all but
/// <see cref="GoldFailed"/>), so Valid + Invalid + Declined = Scored.
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
    double? MeanRetrievalRecall)
{
    public static EvaluationTotals Of(IReadOnlyCollection<CaseResult> cases)
    {
        var scored = cases.Where(c => c.Outcome != CaseOutcome.GoldFailed).ToList();
        var valid = scored.Count(c => c.Valid);
        var correct = scored.Count(c => c.ExecutionMatch);
        var declined = scored.Count(c => c.Declined);
        var recalls = scored.Where(c => c.RetrievalRecall is not null).Select(c => c.RetrievalRecall!.Value).ToList();
        return new EvaluationTotals(
            cases.Count,
            scored.Count,
            valid,
            correct,
            scored.Count - valid - declined,
            declined,
            cases.Count - scored.Count,
            Percent(valid, scored.Count),
            Percent(correct, scored.Count),
            Percent(declined, scored.Count),
            recalls.Count == 0 ? null : Math.Round(recalls.Average(), 4));
    }

    private static double Percent(int part, int whole) => whole == 0 ? 0 : Math.Round(100.0 * part / whole, 2);
}

/// <summary>The headline figures of a run, also returned to the CLI.</summary>
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
    string? ReportJsonPath = null,
    string? ReportMarkdownPath = null);

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
}

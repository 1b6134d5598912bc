namespace NlAnalytics.Core.Evaluation;

/// <summary>One question in two runs: its outcome and SQL before (the first run) and after (the second); null where a run does not have it.</summary>
public sealed record EvaluationCaseChange(string Id, string Question, CaseOutcome? Before, CaseOutcome? After, string? SqlBefore, string? SqlAfter);

/// <summary>
/// Two runs side by side, as a team checks a prompt or model change: both reports, and per question (matched by id) what
/// got better, what got worse and what stayed. Right beats declined, and declined beats answered wrong (an analyst that
/// says it cannot answer costs less than one that answers wrong), so "wrong, then declined" is better. A question only one
/// run has, or whose gold SQL failed in either, is <see cref="NotCompared"/>.
/// </summary>
public sealed record EvaluationComparison(
    EvaluationRunView Before,
    EvaluationRunView After,
    EvaluationSummary BeforeSummary,
    EvaluationSummary AfterSummary,
    IReadOnlyList<EvaluationCaseChange> Better,
    IReadOnlyList<EvaluationCaseChange> Worse,
    IReadOnlyList<EvaluationCaseChange> Unchanged,
    IReadOnlyList<EvaluationCaseChange> NotCompared)
{
    public static EvaluationComparison Of(EvaluationRunDetail before, EvaluationRunDetail after)
    {
        var afterById = after.Cases.GroupBy(c => c.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var beforeIds = before.Cases.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        List<EvaluationCaseChange> better = [], worse = [], unchanged = [], notCompared = [];
        foreach (var b in before.Cases.DistinctBy(c => c.Id))
        {
            afterById.TryGetValue(b.Id, out var a);
            var change = new EvaluationCaseChange(b.Id, b.Question, b.Outcome, a?.Outcome, b.GeneratedSql, a?.GeneratedSql);
            if (a is null || Rank(b.Outcome) is not { } from || Rank(a.Outcome) is not { } to)
                notCompared.Add(change);
            else if (to > from)
                better.Add(change);
            else if (to < from)
                worse.Add(change);
            else
                unchanged.Add(change);
        }
        foreach (var a in after.Cases.Where(c => !beforeIds.Contains(c.Id)).DistinctBy(c => c.Id))
            notCompared.Add(new EvaluationCaseChange(a.Id, a.Question, null, a.Outcome, null, a.GeneratedSql));
        return new EvaluationComparison(before.Run, after.Run, before.Summary, after.Summary, better, worse, unchanged, notCompared);
    }

    /// <summary>2 right (or an unanswerable question declined), 1 declined, 0 answered wrong; null: not scored (the gold SQL failed).</summary>
    private static int? Rank(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Correct or CaseOutcome.DeclinedCorrectly => 2,
        CaseOutcome.Declined => 1,
        CaseOutcome.Incorrect or CaseOutcome.Invalid or CaseOutcome.AnsweredUnanswerable => 0,
        _ => null,
    };
}

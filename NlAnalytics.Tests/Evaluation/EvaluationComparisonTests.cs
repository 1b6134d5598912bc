using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Evaluation;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>Two runs compared question by question: right beats declined, declined beats answered wrong; what cannot be compared is said.</summary>
public sealed class EvaluationComparisonTests
{
    [Fact]
    public void Declining_instead_of_answering_wrong_is_better_and_questions_in_one_run_or_with_failed_gold_are_not_compared()
    {
        var before = Run(
            ("a", CaseOutcome.Incorrect), ("b", CaseOutcome.Correct), ("c", CaseOutcome.Declined), ("d", CaseOutcome.GoldFailed),
            ("e", CaseOutcome.AnsweredUnanswerable), ("f", CaseOutcome.Invalid), ("only-before", CaseOutcome.Correct));
        var after = Run(
            ("a", CaseOutcome.Declined), ("b", CaseOutcome.Declined), ("c", CaseOutcome.Declined), ("d", CaseOutcome.Correct),
            ("e", CaseOutcome.DeclinedCorrectly), ("f", CaseOutcome.Incorrect), ("only-after", CaseOutcome.Correct));

        var comparison = EvaluationComparison.Of(before, after);

        Assert.Equal(["a", "e"], comparison.Better.Select(c => c.Id));
        Assert.Equal(["b"], comparison.Worse.Select(c => c.Id));
        // Invalid SQL and a wrong result are both answered wrong: no change.
        Assert.Equal(["c", "f"], comparison.Unchanged.Select(c => c.Id));
        Assert.Equal(["d", "only-before", "only-after"], comparison.NotCompared.Select(c => c.Id));
        Assert.Equal(CaseOutcome.Incorrect, comparison.Better[0].Before);
        Assert.Equal(CaseOutcome.Declined, comparison.Better[0].After);
    }

    private static EvaluationRunDetail Run(params (string Id, CaseOutcome Outcome)[] cases)
    {
        var views = cases.Select((c, i) => new EvaluationCaseView(i, c.Id, $"Question {c.Id}", "easy", [], null, "SELECT 1", "SELECT 2", c.Outcome, null,
            false, false, false, false, 0.5, 1, 1, 0, 0, 0m, null, null)).ToList();
        var run = new EvaluationRunView(Guid.NewGuid(), "set.jsonl", "", "demo", AnalysisMode.Offline, null, "admin", EvaluationRunStatus.Finished,
            views.Count, views.Count, DateTimeOffset.UnixEpoch, null, null, null, null);
        var summary = EvaluationRunner.Summarise("set.jsonl", "demo", AnalysisMode.Offline, DateTimeOffset.UnixEpoch, TimeSpan.Zero, []);
        return new EvaluationRunDetail(run, summary, views);
    }
}

using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Evaluation;

namespace NlAnalytics.Tests.Evaluation;

public sealed class EvaluationTotalsTests
{
    private static CaseResult Case(string id, string tier, CaseOutcome outcome, double ms, decimal cost, double? recall, params string[] tags) =>
        new(id, id, tier, tags, null, 0, "SELECT 1", outcome == CaseOutcome.Declined ? null : "SELECT 1", id,
            outcome, null, ms, 10, 2, cost, "offline", [], [], recall);

    [Fact]
    public void Totals_rates_groups_percentiles_and_cost_add_up()
    {
        CaseResult[] cases =
        [
            Case("a", "easy", CaseOutcome.Correct, 10, 0.01m, 1.0, "count"),
            Case("b", "easy", CaseOutcome.Correct, 20, 0.02m, 1.0, "count", "filter"),
            Case("c", "easy", CaseOutcome.Incorrect, 30, 0.03m, 0.5, "filter"),
            Case("d", "medium", CaseOutcome.Invalid, 40, 0.04m, 0.0),
            Case("e", "medium", CaseOutcome.Declined, 50, 0m, null, "count"),
            Case("f", "hard", CaseOutcome.GoldFailed, 9999, 0m, null, "count"),
        ];

        var summary = EvaluationRunner.Summarise("set", "demo", AnalysisMode.Offline, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(3), cases);

        var t = summary.Totals;
        Assert.Equal((6, 5, 3, 2, 1, 1, 1), (t.Questions, t.Scored, t.Valid, t.Correct, t.Invalid, t.Declined, t.GoldFailed));
        Assert.Equal((60.0, 40.0, 20.0), (t.ValidSqlPercent, t.ExecutionAccuracyPercent, t.DeclinedPercent));
        Assert.Equal(0.625, t.MeanRetrievalRecall);

        Assert.Equal(["easy", "medium", "hard"], summary.ByTier.Keys);
        Assert.Equal(66.67, summary.ByTier["easy"].ExecutionAccuracyPercent);
        Assert.Equal(0.0, summary.ByTier["medium"].ExecutionAccuracyPercent);
        Assert.Equal((1, 0), (summary.ByTier["hard"].Questions, summary.ByTier["hard"].Scored));

        Assert.Equal(["count", "filter"], summary.ByTag.Keys);
        Assert.Equal((4, 3, 2, 1), (summary.ByTag["count"].Questions, summary.ByTag["count"].Scored, summary.ByTag["count"].Correct, summary.ByTag["count"].Declined));
        Assert.Equal(50.0, summary.ByTag["filter"].ExecutionAccuracyPercent);

        // Latency over the five scored questions 10..50 ms: the broken gold's 9999 ms is left out.
        Assert.Equal(30.0, summary.LatencyP50Ms);
        Assert.Equal(48.0, summary.LatencyP95Ms);
        Assert.Equal(0.10m, summary.TotalCostUsd);
        Assert.Equal((60, 12), (summary.InputTokens, summary.OutputTokens));
        Assert.Equal(3.0, summary.DurationSeconds);
    }

    [Fact]
    public void An_empty_group_has_zero_rates_rather_than_failing()
    {
        var totals = EvaluationTotals.Of([]);

        Assert.Equal((0, 0.0, 0.0), (totals.Scored, totals.ExecutionAccuracyPercent, totals.ValidSqlPercent));
        Assert.Null(totals.MeanRetrievalRecall);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Semantics;
using NlAnalytics.Tests.Agents;
using NlAnalytics.Tests.Samples;
using NlAnalytics.Tests.Semantics;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>
/// The offline analyst on the issue-9 sets, through the whole agent team, "today" pinned as the manifests
/// say, on the test cluster's samples (the benchmark demo at a small scale: rates on it are within a few
/// points of scale 1.0, see benchmarks/README.md). The development sets assert floors just below what was
/// measured; the locked sets only assert the current floor and print their totals, never their misses.
/// </summary>
public sealed class OfflineBenchmarkSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_offline_analyst_stays_at_or_above_its_measured_figures_on_the_development_sets()
    {
        var report = await RunAsync("dev");
        if (Environment.GetEnvironmentVariable("NLA_DEV_REPORT_OUT") is { Length: > 0 } devOut)
            await EvaluationReportWriter.WriteSuiteAsync(report, devOut, CancellationToken.None);

        foreach (var run in report.Runs)
            output.WriteLine(Describe(run));
        var overall = report.Overall;
        Assert.True(overall.Totals.ExecutionAccuracyPercent >= DevFloor.Right, $"right {overall.Totals.ExecutionAccuracyPercent}%");
        Assert.True(overall.Totals.AnsweredWrongPercent <= DevFloor.AnsweredWrongAtMost, $"answered wrong {overall.Totals.AnsweredWrongPercent}%");
        Assert.True(overall.Unanswerable.DeclinedCorrectlyPercent >= DevFloor.UnanswerableDeclined, $"unanswerable declined {overall.Unanswerable.DeclinedCorrectlyPercent}%");
        Assert.True(Run(report, "demo.jsonl").Totals.ExecutionAccuracyPercent >= DevFloor.DemoRight);
        Assert.True(Run(report, "chinook.jsonl", "chinook").Totals.ExecutionAccuracyPercent >= DevFloor.ChinookRight);
        Assert.True(Run(report, "chinook.jsonl", "chinook_nofk").Totals.ExecutionAccuracyPercent >= DevFloor.ChinookNoKeysRight);
        Assert.Equal(0, overall.Totals.GoldFailed);
    }

    [Fact]
    public async Task The_locked_sets_are_reported_and_hold_the_current_floor()
    {
        var report = await RunAsync("locked");

        var overall = report.Overall;
        Assert.True(overall.Totals.ExecutionAccuracyPercent >= LockedFloor.Right, $"right {overall.Totals.ExecutionAccuracyPercent}%");
        Assert.True(overall.Unanswerable.DeclinedCorrectlyPercent >= LockedFloor.UnanswerableDeclined, $"unanswerable declined {overall.Unanswerable.DeclinedCorrectlyPercent}%");
        Assert.True(overall.Totals.AnsweredWrongPercent <= LockedFloor.AnsweredWrongAtMost, $"answered wrong {overall.Totals.AnsweredWrongPercent}%");
        Assert.Equal(0, overall.Totals.GoldFailed);
    }

    /// <summary>
    /// About one question from what was measured on 2026-12-02 (05:58 UTC) with inferred join keys, spelling
    /// corrections, by-weekday, no NULL group in a top N, and the calibration refitted with decline below 0.65 (right
    /// 28.3%, answered wrong 3.3%, unanswerable declined 100%, demo 32.1%, Chinook 25.0%, Chinook without keys 25.0%;
    /// before issue 9's joins: right 32.6%, wrong 9.1% on demo and Chinook). The dev sets are what the calibration was fitted on.
    /// Lowered on 2026-12-02 (15:40 UTC) when the lexicons lost the demo's own nouns (content-word guard): right 26.7%,
    /// answered wrong 3.3%, demo 28.6%, Chinook 25.0%, Chinook without keys 25.0%; the calibration was not refitted.
    /// Moved on 2026-12-03 (09:45 UTC) with words placed nowhere treated as left out and the refit that declines below 0.75
    /// (docs/decisions/0027): right 27.2%, answered wrong 1.1%, demo 31.0%, Chinook 25.0%, Chinook without keys 22.9%;
    /// with durations in the unit asked for, right 27.8%, answered wrong 0.6%, demo 32.1%.
    /// Moved on 2026-12-03 (14:50 UTC) when the dev sets gained 65 questions on top N within each group, above average, month
    /// over month, days between and medians (ADR 0035), before any code for them: right 21.2%, answered wrong 1.2%, demo 24.3%,
    /// Chinook 19.4%, Chinook without keys 17.9%, unanswerable declined 100%. With ranking within groups and period-over-period
    /// series (ADR 0035): right 24.1%, answered wrong 0.4%, demo 30.6%, Chinook 19.4%, Chinook without keys 17.9%.
    /// Lowered on 2026-12-03 (16:25 UTC) when 11 dev questions were added (women/men as values, new rows of an entity), all
    /// declined by this writer: right 25.9%, answered wrong 0.5% of 193, demo 29.0%, Chinook 24.0%, Chinook without keys 22.0%.
    /// Merged 2026-12-03 (16:35 UTC) with both sets of new questions; the combined figures were not measured before the
    /// deadline, so this floor sits a question or two under each part's measurement.
    /// </summary>
    private static class DevFloor
    {
        public const double Right = 22.0, AnsweredWrongAtMost = 2.5, UnanswerableDeclined = 97.0, DemoRight = 27.0, ChinookRight = 18.0, ChinookNoKeysRight = 16.5;
    }

    /// <summary>
    /// The locked sets' floor, about one question from what was measured on 2026-12-02 (05:58 UTC) at the tests' scale
    /// (right 21.3%, answered wrong 10.6%, unanswerable declined 100%; before inferred keys and the refit: right 22.7%,
    /// wrong 11.0%, declined 93.5%; the baseline of 2026-12-01 was right 30.1%, wrong 25.9%, declined 73.9%): whoever
    /// improves the analyst moves it from the totals, never from the misses. Moved on 2026-12-02 (15:40 UTC) when the
    /// lexicons lost the demo's own nouns: right 19.5%, answered wrong 8.2%, declined 72.3%, calibration error 9.7.
    /// Moved on 2026-12-03 (09:45 UTC) with words placed nowhere treated as left out and the refit declining below 0.75:
    /// right 19.5%, answered wrong 6.4%, unanswerable declined 100%. Moved on 2026-12-03 (15:15 UTC) with ranking within
    /// groups and period-over-period series (ADR 0035): right 19.9%, answered wrong 6.4% (18 of 282), unanswerable 100%.
    /// Moved on 2026-12-03 (16:45 UTC) when the suite began to run with the sentence encoder, as the app does (before, the
    /// writer grounded by spelling only here): right 19.9%, answered wrong 7.1% (20 of 282), unanswerable 100%; dev unchanged.
    /// </summary>
    private static class LockedFloor
    {
        public const double Right = 19.5, AnsweredWrongAtMost = 7.2, UnanswerableDeclined = 97.5;
    }

    private static EvaluationSummary Run(EvaluationSuiteReport report, string set, string? source = null) =>
        report.Runs.Single(r => r.Set == set && (source is null || r.Source == source)).Report.Summary;

    private async Task<EvaluationSuiteReport> RunAsync(string suiteName)
    {
        var suite = await EvaluationSuite.LoadAsync(BenchmarkSets.PathOf(suiteName), CancellationToken.None);
        // With the sentence encoder, as the app runs (vectors in memory here): the runner waits for each source's vectors,
        // so the writer grounds by meaning on every question, not from whenever the background computation ends.
        await using var services = AgentTeamServices.Create(llm: null, appDatabase: null, configure: s =>
        {
            s.PinToday(suite.Today!.Value);
            s.AddSingleton<ISentenceEncoder>(CountingEncoder.Shared);
            s.AddSemantics();
        });
        var orchestrator = services.Orchestrator();
        var runner = new EvaluationRunner(
            services.GetRequiredService<ISqlExecutor>(), new SingleSourceRegistry(await SampleDatabases.SourceAsync("chinook")),
            Options.Create(new EvaluationOptions()), services.GetRequiredService<TimeProvider>(), NullLogger<EvaluationRunner>.Instance,
            services.GetRequiredService<ICatalogProvider>(), services.GetRequiredService<ICatalogSemantics>());
        var report = await runner.RunSuiteAsync(suite, AnalysisMode.Offline, (name, _) => SampleDatabases.SourceAsync(name),
            (request, token) => orchestrator.AnswerAsync(request, null, token), CancellationToken.None);
        output.WriteLine(report.ToText());
        return report;
    }

    private static string Describe(EvaluationSuiteRun run)
    {
        var t = run.Report.Summary.Totals;
        return $"{run.Set}@{run.Source}: right {t.ExecutionAccuracyPercent:F1}%, declined {t.DeclinedPercent:F1}%, answered wrong {t.AnsweredWrongPercent:F1}% of {t.Scored}";
    }
}

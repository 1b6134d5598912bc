using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Evaluation;

/// <summary>
/// Runs a question set through an analyst and scores it against gold SQL by execution match. The analyst
/// is a plain function so the harness does not care how the agent team is built; follow-up chains
/// receive the thread history made of the earlier answers in the chain, as a user's thread would.
/// </summary>
public sealed partial class EvaluationRunner(
    ISqlExecutor executor,
    IDataSourceRegistry sources,
    IOptions<EvaluationOptions> options,
    TimeProvider time,
    ILogger<EvaluationRunner> logger,
    Catalog.ICatalogProvider? catalogs = null,
    Semantics.ICatalogSemantics? semantics = null)
{
    private readonly EvaluationOptions _options = options.Value;

    private QueryLimits Limits => new(_options.MaxRows, TimeSpan.FromSeconds(_options.QueryTimeoutSeconds));

    /// <summary>
    /// Everything the <c>eval</c> CLI verb needs: loads <paramref name="setPath"/>, resolves <paramref name="source"/>
    /// ("demo" or a connection string), parses <paramref name="mode"/> (offline|llm|hybrid), runs every
    /// question, writes report.json and report.md into <paramref name="outputDirectory"/> and returns the summary.
    /// </summary>
    public async Task<EvaluationSummary> RunAsync(
        string setPath,
        string source,
        string mode,
        string outputDirectory,
        Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> analyst,
        CancellationToken cancellationToken)
    {
        ParseMode(mode);
        return await RunAsync(setPath, sources.Resolve(source), mode, outputDirectory, analyst, cancellationToken);
    }

    /// <summary>The same against a data source already resolved (a sample the caller loaded, for instance).</summary>
    public async Task<EvaluationSummary> RunAsync(
        string setPath,
        DataSource source,
        string mode,
        string outputDirectory,
        Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> analyst,
        CancellationToken cancellationToken)
    {
        var analysisMode = ParseMode(mode);
        var set = await EvaluationSet.LoadAsync(setPath, cancellationToken);
        var report = await RunAsync(set, source, analysisMode, analyst, cancellationToken);
        var (json, markdown) = await EvaluationReportWriter.WriteAsync(report, outputDirectory, cancellationToken);
        return report.Summary with { ReportJsonPath = json, ReportMarkdownPath = markdown };
    }

    /// <summary>The same, for an analyst that also reports progress (AnalystOrchestrator.AnswerAsync); evaluation needs none.</summary>
    public Task<EvaluationSummary> RunAsync(
        string setPath,
        string source,
        string mode,
        string outputDirectory,
        Func<AnalystRequest, IProgress<AgentProgress>?, CancellationToken, Task<AnalystAnswer>> analyst,
        CancellationToken cancellationToken) =>
        RunAsync(setPath, source, mode, outputDirectory, (request, token) => analyst(request, null, token), cancellationToken);

    /// <summary>Runs <paramref name="set"/> against <paramref name="source"/> and scores every question; writes nothing.</summary>
    public Task<EvaluationReport> RunAsync(
        EvaluationSet set,
        DataSource source,
        AnalysisMode mode,
        Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> analyst,
        CancellationToken cancellationToken) =>
        RunAsync(set, source, mode, analyst, onCase: null, cancellationToken);

    /// <summary>
    /// The same, handing each question to <paramref name="onCase"/> as soon as it is scored (with both results), so a
    /// caller can keep what is done when the run is stopped half-way (the cancellation then ends the run).
    /// </summary>
    public async Task<EvaluationReport> RunAsync(
        EvaluationSet set,
        DataSource source,
        AnalysisMode mode,
        Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> analyst,
        Func<EvaluatedCase, CancellationToken, Task>? onCase,
        CancellationToken cancellationToken)
    {
        // The app grounds by meaning once a catalog's vectors exist; a measurement waits for them, so it does not depend on timing.
        if (catalogs is not null && semantics is { IsEnabled: true })
            await semantics.WhenReadyAsync(await catalogs.GetAsync(source, cancellationToken), cancellationToken);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var limits = Limits;
        // The thread as it stands after each question: a follow-up continues the thread of the question it follows.
        var threads = new Dictionary<string, IReadOnlyList<ThreadTurn>>(StringComparer.Ordinal);
        var results = new List<CaseResult>(set.Cases.Count);

        foreach (var item in set.Cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var history = item.FollowupOf is null ? [] : threads[item.FollowupOf];
            var (result, answer, gold, generated) = await RunCaseAsync(item, history, source, mode, limits, analyst, cancellationToken);
            results.Add(result);
            if (onCase is not null)
                await onCase(new EvaluatedCase(result, gold, generated), cancellationToken);
            threads[item.Id] = [.. history, new ThreadTurn(
                item.Question,
                answer?.StandaloneQuestion ?? item.Question,
                answer?.Sql,
                answer?.Narrative,
                answer?.Chart?.Kind.ToString().ToLowerInvariant())];
            LogCase(logger, results.Count, set.Cases.Count, item.Id, result.Outcome, result.Detail);
        }

        var summary = Summarise(set.Name, source.Name, mode, startedAt, time.GetElapsedTime(started), results)
            with { Today = (executor as PinnedDateSqlExecutor)?.Today };
        LogRun(logger, set.Name, summary.Totals.ExecutionAccuracyPercent, summary.Totals.ValidSqlPercent, summary.Totals.Scored);
        return new EvaluationReport(summary, results);
    }

    /// <summary>
    /// Runs every set of <paramref name="suite"/> against each of its sources, which
    /// <paramref name="resolveSource"/> turns from names into data sources (loading samples as needed).
    /// A suite that pins "today" must run on an executor pinned to the same day (services.PinToday).
    /// </summary>
    public async Task<EvaluationSuiteReport> RunSuiteAsync(
        EvaluationSuite suite,
        AnalysisMode mode,
        Func<string, CancellationToken, Task<DataSource>> resolveSource,
        Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> analyst,
        CancellationToken cancellationToken)
    {
        var pinned = (executor as PinnedDateSqlExecutor)?.Today;
        if (suite.Today != pinned)
            throw new InvalidOperationException(suite.Today is { } day
                ? $"The suite {suite.Name} pins today to {day:yyyy-MM-dd}, but its queries would run with today {(pinned is { } p ? p.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "unpinned")}: register the services with PinToday({day:yyyy-MM-dd})."
                : $"The suite {suite.Name} does not pin today, but the executor is pinned to {pinned:yyyy-MM-dd}.");
        var runs = new List<EvaluationSuiteRun>();
        foreach (var entry in suite.Entries)
        {
            var set = await EvaluationSet.LoadAsync(entry.SetPath, cancellationToken);
            foreach (var name in entry.Sources)
            {
                var source = await resolveSource(name, cancellationToken);
                var report = await RunAsync(set, source, mode, analyst, cancellationToken);
                runs.Add(new EvaluationSuiteRun(set.Name, name, report));
            }
        }
        return new EvaluationSuiteReport(suite.Name, mode, suite.Today, runs);
    }

    public static AnalysisMode ParseMode(string mode) => mode.Trim().ToLowerInvariant() switch
    {
        "offline" => AnalysisMode.Offline,
        "llm" => AnalysisMode.Llm,
        "hybrid" => AnalysisMode.Hybrid,
        _ => throw new ArgumentException($"Unknown mode \"{mode}\": use offline, llm or hybrid.", nameof(mode)),
    };

    private async Task<(CaseResult Result, AnalystAnswer? Answer, QueryResult? Gold, QueryResult? Generated)> RunCaseAsync(
        EvaluationCase item,
        IReadOnlyList<ThreadTurn> history,
        DataSource source,
        AnalysisMode mode,
        QueryLimits limits,
        Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> analyst,
        CancellationToken cancellationToken)
    {
        QueryResult? gold = null;
        string? goldError = null;
        IReadOnlyList<string> goldTables = [];
        if (item.Sql is { } goldSql)
        {
            try
            {
                gold = await executor.ExecuteAsync(source, goldSql, limits, cancellationToken);
            }
            catch (SqlExecutionException e) when (e.Failure.Kind != SqlFailureKind.Cancelled || !cancellationToken.IsCancellationRequested)
            {
                goldError = $"gold SQL failed: {e.Failure.UserMessage}";
            }

            if (gold is not null)
            {
                try
                {
                    goldTables = await PlanRelations.ReadAsync(source, goldSql, limits, cancellationToken);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or System.Text.Json.JsonException)
                {
                    LogPlanFailed(logger, item.Id, e.Message);
                }
            }
        }

        // The analyst is asked even when the gold SQL is broken, so later follow-ups still get their history.
        var request = new AnalystRequest(source, item.Question, history, mode, limits);
        var asked = time.GetTimestamp();
        AnalystAnswer? answer = null;
        string? analystError = null;
        try
        {
            answer = await analyst(request, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            analystError = $"the analyst failed: {e.GetType().Name}: {e.Message}";
        }
        var wallTime = time.GetElapsedTime(asked);

        var generated = answer?.Error is null ? answer?.Result : null;
        var generatedError = answer?.Error?.UserMessage;
        if (answer is { Sql: not null, Error: null, Result: null })
        {
            // An analyst that only writes SQL is still scored: run its SQL the way the gold SQL ran.
            try
            {
                generated = await executor.ExecuteAsync(source, answer.Sql, limits, cancellationToken);
            }
            catch (SqlExecutionException e) when (e.Failure.Kind != SqlFailureKind.Cancelled || !cancellationToken.IsCancellationRequested)
            {
                generatedError = e.Failure.UserMessage;
            }
        }

        CaseOutcome outcome;
        string? detail;
        if (!item.Answerable)
            (outcome, detail) = answer?.Sql is null && answer is not null
                ? (CaseOutcome.DeclinedCorrectly, answer.Interpretation?.ToString() ?? FirstLine(answer.Narrative))
                : (CaseOutcome.AnsweredUnanswerable, answer is null ? analystError : "the data cannot answer this question, but the analyst wrote SQL for it");
        else if (gold is null)
            (outcome, detail) = (CaseOutcome.GoldFailed, goldError);
        else if (answer is null)
            (outcome, detail) = (CaseOutcome.Invalid, analystError);
        else if (answer.Sql is null)
            (outcome, detail) = (CaseOutcome.Declined, answer.Interpretation?.ToString() ?? FirstLine(answer.Narrative));
        else if (generated is null)
            (outcome, detail) = (CaseOutcome.Invalid, generatedError ?? "the analyst returned SQL without a result or an error");
        else
            (outcome, detail) = Score(gold, generated, item.Sql!);

        var retrieved = answer?.Tables.Select(t => t.QualifiedName).ToList() ?? [];
        double? recall = goldTables.Count == 0 || answer is null
            ? null
            : (double)goldTables.Count(t => retrieved.Contains(t, StringComparer.OrdinalIgnoreCase)) / goldTables.Count;

        var generation = answer is null ? wallTime
            : answer.Elapsed > TimeSpan.Zero ? answer.GenerationTime
            : wallTime - (answer.Result?.Elapsed ?? TimeSpan.Zero);

        var result = new CaseResult(
            item.Id, item.Question, item.Tier, item.Tags, item.FollowupOf, history.Count,
            item.Sql, answer?.Sql, answer?.StandaloneQuestion,
            outcome, detail,
            Math.Round(Math.Max(0, generation.TotalMilliseconds), 1),
            answer?.InputTokens ?? 0, answer?.OutputTokens ?? 0, answer?.CostUsd ?? 0m,
            answer?.Path.ToString().ToLowerInvariant(),
            goldTables, retrieved, recall is null ? null : Math.Round(recall.Value, 4),
            answer?.Confidence ?? 0,
            Math.Round(wallTime.TotalMilliseconds, 1));
        return (result, answer, gold, generated);
    }

    private (CaseOutcome, string?) Score(QueryResult gold, QueryResult generated, string goldSql)
    {
        var comparison = ResultComparer.Compare(gold, generated, ResultComparer.HasTopLevelOrderBy(goldSql), _options.RelativeTolerance);
        return comparison.Match ? (CaseOutcome.Correct, null) : (CaseOutcome.Incorrect, comparison.Reason);
    }

    private static string? FirstLine(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split('\n', 2)[0].Trim();

    /// <summary>The figures of a run over <paramref name="results"/> (every question, or those a stopped run finished).</summary>
    public static EvaluationSummary Summarise(
        string set, string source, AnalysisMode mode, DateTimeOffset startedAt, TimeSpan duration, IReadOnlyList<CaseResult> results)
    {
        var byTier = results.Where(r => r.Tier is not null && r.Answerable)
            .GroupBy(r => r.Tier!)
            .OrderBy(g => EvaluationSet.Tiers.ToList().IndexOf(g.Key))
            .ToDictionary(g => g.Key, g => EvaluationTotals.Of(g.ToList()));
        var byTag = results.Where(r => r.Answerable).SelectMany(r => r.Tags.Select(tag => (tag, r)))
            .GroupBy(x => x.tag, x => x.r)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => EvaluationTotals.Of(g.ToList()));
        var byPath = results.Where(r => r.Path is not null)
            .GroupBy(r => r.Path!)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        var timed = results.Where(r => r.Outcome != CaseOutcome.GoldFailed).ToList();
        var latencies = timed.Select(r => r.GenerationMs).Order().ToList();
        var answers = timed.Select(r => r.AnswerMs).Order().ToList();
        return new EvaluationSummary(
            set, source, mode, startedAt, Math.Round(duration.TotalSeconds, 2),
            EvaluationTotals.Of(results), byTier, byTag, byPath,
            Percentile(latencies, 0.50), Percentile(latencies, 0.95),
            results.Sum(r => r.InputTokens), results.Sum(r => r.OutputTokens), results.Sum(r => r.CostUsd),
            UnanswerableTotals.Of(results), ReliabilityBucket.Of(results),
            Percentile(answers, 0.50), Percentile(answers, 0.95));
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default), over sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
            return 0;
        var position = p * (sorted.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        return Math.Round(sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower), 1);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation {Index}/{Count} {Id}: {Outcome} {Detail}")]
    private static partial void LogCase(ILogger logger, int index, int count, string id, CaseOutcome outcome, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation of {Set} done: {Accuracy}% execution accuracy, {Valid}% valid SQL over {Scored} questions")]
    private static partial void LogRun(ILogger logger, string set, double accuracy, double valid, int scored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the plan of the gold SQL of {Id}: {Message}")]
    private static partial void LogPlanFailed(ILogger logger, string id, string message);
}

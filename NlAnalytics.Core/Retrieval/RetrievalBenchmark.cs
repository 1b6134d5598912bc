using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Core.Retrieval;

/// <summary>What to measure. Recall needs <see cref="Source"/> and <see cref="QuestionsPath"/>; latency runs on generated catalogs of <see cref="SyntheticSizes"/> tables.</summary>
public sealed record RetrievalBenchmarkRequest
{
    public DataSource? Source { get; init; }

    /// <summary>JSON lines: {"question": "...", "sql": "..."}; the gold tables are those the SQL's plan reads.</summary>
    public string? QuestionsPath { get; init; }

    public int TopK { get; init; } = 8;
    public IReadOnlyList<int> SyntheticSizes { get; init; } = [100, 1_000, 10_000];
    public int LatencyQueries { get; init; } = 300;
    public int Seed { get; init; } = 20261121;
}

/// <summary>
/// A benchmark line. <see cref="RetrievalText"/> is what retrieval sees: for a follow-up ("and last
/// year?") the earlier questions of its chain come first, standing in for the standalone question the
/// analyst rewrites before retrieving.
/// </summary>
public sealed record BenchmarkQuestion(string Question, string Sql, string? Id = null, string? FollowupOf = null, string? RetrievalText = null)
{
    public bool IsFollowup => FollowupOf is not null;
}

/// <summary>One question: the tables its reference SQL reads, the ones retrieved, and the share found (null with <see cref="Error"/> when the SQL could not be planned).</summary>
public sealed record QuestionRecall(string Question, IReadOnlyList<string> Gold, IReadOnlyList<RetrievedTableSummary> Retrieved, double? Recall, int PromptTokens, string? Error = null)
{
    public IEnumerable<string> Missing => Gold.Except(Retrieved.Select(r => r.Table), StringComparer.OrdinalIgnoreCase);
}

public sealed record RetrievedTableSummary(string Table, double Score, string Reason);

public sealed record RecallReport(
    string DataSource,
    int TopK,
    bool Embeddings,
    int Questions,
    int Planned,
    double MeanRecall,
    double AllGoldFoundShare,
    int WholeSchemaTokens,
    double MeanSelectedTokens,
    IReadOnlyList<QuestionRecall> Items)
{
    public double TokenReduction => WholeSchemaTokens == 0 ? 0 : 1 - MeanSelectedTokens / WholeSchemaTokens;
}

/// <summary>
/// Latency on one synthetic catalog. Wall-clock figures include waiting for a core on a busy machine;
/// the CPU figures (null where the platform cannot measure a thread's CPU time) are the work itself.
/// </summary>
public sealed record LatencyReport(int Tables, int Queries, double IndexBuildMs, double P50Ms, double P95Ms, double MaxMs,
    int WholeSchemaTokens, double MeanSelectedTokens, double TargetTableRecall,
    double? IndexBuildCpuMs = null, double? CpuP50Ms = null, double? CpuP95Ms = null);

public sealed record RetrievalBenchmarkReport(RecallReport? Recall, IReadOnlyList<LatencyReport> Latency)
{
    /// <summary>The report as a console would print it.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        if (Recall is { } r)
        {
            text.AppendLine(inv, $"Recall on {r.DataSource} ({r.Questions} questions, {r.Planned} with plannable gold SQL), top {r.TopK}, embeddings {(r.Embeddings ? "on" : "off")}");
            text.AppendLine(inv, $"  recall@{r.TopK}: {r.MeanRecall:0.000}   all gold tables found: {r.AllGoldFoundShare:P1}");
            text.AppendLine(inv, $"  prompt tokens: whole schema {r.WholeSchemaTokens:N0}, selection mean {r.MeanSelectedTokens:N0} ({r.TokenReduction:P1} fewer)");
            foreach (var item in r.Items.Where(i => i.Error is not null || i.Recall < 1))
            {
                text.AppendLine(inv, $"  - {item.Question}");
                if (item.Error is not null)
                    text.AppendLine(inv, $"      gold SQL failed: {item.Error}");
                else
                    text.AppendLine(inv, $"      missing {string.Join(", ", item.Missing)}; got {string.Join(", ", item.Retrieved.Select(t => t.Table))}");
            }
        }
        if (Latency.Count > 0)
        {
            if (text.Length > 0)
                text.AppendLine();
            text.AppendLine(inv, $"Latency on synthetic catalogs (words only, one query at a time after warm-up; {Environment.ProcessorCount} cores, load average {LoadAverage()})");
            text.AppendLine("  tables   index build ms (wall/cpu)   wall p50   wall p95   wall max   cpu p50   cpu p95   prompt tokens (selection / whole)   question's table in top k");
            foreach (var l in Latency)
            {
                text.AppendLine(inv,
                    $"  {l.Tables,6:N0}   {l.IndexBuildMs,10:N0} / {Format(l.IndexBuildCpuMs, "N0"),-10}   {l.P50Ms,8:0.00}   {l.P95Ms,8:0.00}   {l.MaxMs,8:0.00}   " +
                    $"{Format(l.CpuP50Ms, "0.00"),7}   {Format(l.CpuP95Ms, "0.00"),7}   {l.MeanSelectedTokens,8:N0} / {l.WholeSchemaTokens,-12:N0}       {l.TargetTableRecall:P0}");
            }
        }
        return text.ToString();
    }

    private static string Format(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}

/// <summary>
/// Measures retrieval: recall of the tables reference SQL needs, prompt size saved, and query latency
/// on catalogs of growing size. The CLI verb bench-retrieval prints <see cref="RetrievalBenchmarkReport.ToText"/>.
/// </summary>
public sealed partial class RetrievalBenchmark(
    ICatalogProvider catalogs,
    ISchemaRetriever retriever,
    SchemaPromptBuilder prompts,
    IOptions<RetrievalOptions> options,
    ILoggerFactory loggers,
    TimeProvider time,
    IEmbeddingProvider? embeddings = null,
    Semantics.ICatalogSemantics? semantics = null)
{
    private readonly ILogger _logger = loggers.CreateLogger<RetrievalBenchmark>();

    public async Task<RetrievalBenchmarkReport> RunAsync(RetrievalBenchmarkRequest request, CancellationToken cancellationToken)
    {
        RecallReport? recall = null;
        if (request.Source is not null && request.QuestionsPath is not null)
            recall = await MeasureRecallAsync(request.Source, await LoadQuestionsAsync(request.QuestionsPath, cancellationToken), request.TopK, cancellationToken);
        var latency = new List<LatencyReport>();
        foreach (var size in request.SyntheticSizes)
            latency.Add(await MeasureLatencyAsync(size, request.LatencyQueries, request.TopK, request.Seed, cancellationToken));
        return new RetrievalBenchmarkReport(recall, latency);
    }

    public static async Task<IReadOnlyList<BenchmarkQuestion>> LoadQuestionsAsync(string path, CancellationToken cancellationToken)
    {
        var questions = new List<BenchmarkQuestion>();
        var byId = new Dictionary<string, BenchmarkQuestion>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (!root.TryGetProperty("question", out var question) || !root.TryGetProperty("sql", out var sql))
                throw new FormatException($"{path}:{lineNumber}: each line needs \"question\" and \"sql\".");
            var id = root.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
            var followupOf = root.TryGetProperty("followup_of", out var parentElement) ? parentElement.GetString() : null;
            var text = question.GetString()!;
            if (followupOf is not null)
            {
                if (!byId.TryGetValue(followupOf, out var parent))
                    throw new FormatException($"{path}:{lineNumber}: followup_of \"{followupOf}\" must name an earlier line.");
                text = $"{parent.RetrievalText} {text}";
            }
            var item = new BenchmarkQuestion(question.GetString()!, sql.GetString()!, id, followupOf, text);
            if (id is not null)
                byId[id] = item;
            questions.Add(item);
        }
        return questions;
    }

    public async Task<RecallReport> MeasureRecallAsync(DataSource source, IReadOnlyList<BenchmarkQuestion> questions, int topK, CancellationToken cancellationToken)
    {
        var catalog = await catalogs.GetAsync(source, cancellationToken);
        // Measured with the catalog's sentence vectors in place, as a running app has them: a repeatable figure.
        var dense = embeddings is { IsConfigured: true } || (semantics is not null && await semantics.WhenReadyAsync(catalog, cancellationToken) is not null);
        await using var connection = new Npgsql.NpgsqlConnection(source.QueryConnectionString);
        await connection.OpenAsync(cancellationToken);

        var items = new List<QuestionRecall>();
        // Unanswerable questions (no gold SQL) have no gold tables to find.
        foreach (var question in questions.Where(q => !string.IsNullOrWhiteSpace(q.Sql)))
        {
            IReadOnlyList<string> gold;
            try
            {
                gold = await GoldTables.FromExplainAsync(connection, question.Sql, cancellationToken);
            }
            catch (Npgsql.PostgresException ex)
            {
                items.Add(new QuestionRecall(question.Question, [], [], null, 0, ex.MessageText));
                continue;
            }
            var result = await retriever.RetrieveAsync(catalog, question.RetrievalText ?? question.Question, topK, cancellationToken);
            var found = gold.Count(g => result.Tables.Any(t => string.Equals(t.QualifiedName, g, StringComparison.OrdinalIgnoreCase)));
            items.Add(new QuestionRecall(question.RetrievalText ?? question.Question, gold,
                [.. result.Tables.Select(t => new RetrievedTableSummary(t.QualifiedName, t.Score, t.Reason))],
                gold.Count == 0 ? 1 : (double)found / gold.Count,
                SchemaPromptBuilder.EstimateTokens(result.SchemaPrompt)));
        }

        var planned = items.Where(i => i.Recall is not null).ToList();
        var whole = prompts.Measure(catalog, "").WholeSchemaTokens;
        return new RecallReport(source.Name, topK, dense, items.Count, planned.Count,
            planned.Count == 0 ? 0 : planned.Average(i => i.Recall!.Value),
            planned.Count == 0 ? 0 : planned.Count(i => i.Recall >= 1) / (double)planned.Count,
            whole,
            planned.Count == 0 ? 0 : planned.Average(i => i.PromptTokens),
            items);
    }

    /// <summary>Query latency of words-only retrieval on a generated catalog; the index is built (and timed) first, as in the app.</summary>
    public async Task<LatencyReport> MeasureLatencyAsync(int tables, int queries, int topK, int seed, CancellationToken cancellationToken)
    {
        var synthetic = SyntheticCatalogGenerator.Generate(tables, queries, seed, time.GetUtcNow());
        // Embeddings are left out on purpose: timing them would time the provider's network, and embed thousands of made-up tables.
        var lexical = new SchemaRetriever(prompts, options, loggers.CreateLogger<SchemaRetriever>());

        var build = Stopwatch.StartNew();
        var buildCpu = ThreadCpuClock.Now();
        lexical.IndexFor(synthetic.Catalog);
        buildCpu = ThreadCpuClock.Now() - buildCpu;
        build.Stop();

        foreach (var question in synthetic.Questions.Take(20))
            await lexical.RetrieveAsync(synthetic.Catalog, question.Question, topK, cancellationToken);

        var timings = new double[synthetic.Questions.Count];
        var cpuTimings = new double[synthetic.Questions.Count];
        var selectedTokens = 0L;
        var hits = 0;
        for (var i = 0; i < synthetic.Questions.Count; i++)
        {
            var question = synthetic.Questions[i];
            var started = Stopwatch.GetTimestamp();
            var cpuStarted = ThreadCpuClock.Now();
            // Without embeddings nothing in RetrieveAsync yields, so it runs on this thread and the thread's CPU time is the query's.
            var result = await lexical.RetrieveAsync(synthetic.Catalog, question.Question, topK, cancellationToken);
            cpuTimings[i] = (ThreadCpuClock.Now() - cpuStarted).TotalMilliseconds;
            timings[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            selectedTokens += SchemaPromptBuilder.EstimateTokens(result.SchemaPrompt);
            if (result.Tables.Any(t => t.QualifiedName == question.Table))
                hits++;
        }
        Array.Sort(timings);
        Array.Sort(cpuTimings);
        var whole = prompts.Measure(synthetic.Catalog, "").WholeSchemaTokens;
        var cpu = ThreadCpuClock.IsSupported;
        var report = new LatencyReport(tables, timings.Length, build.Elapsed.TotalMilliseconds, Percentile(timings, 0.50), Percentile(timings, 0.95),
            timings.Length == 0 ? 0 : timings[^1], whole, timings.Length == 0 ? 0 : (double)selectedTokens / timings.Length,
            timings.Length == 0 ? 0 : (double)hits / timings.Length,
            cpu ? buildCpu.TotalMilliseconds : null, cpu ? Percentile(cpuTimings, 0.50) : null, cpu ? Percentile(cpuTimings, 0.95) : null);
        LogLatency(_logger, tables, report.P50Ms, report.P95Ms);
        return report;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double share) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Length) - 1, 0, sorted.Length - 1)];

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrieval latency at {Tables} tables: p50 {P50Ms:0.00} ms, p95 {P95Ms:0.00} ms")]
    private static partial void LogLatency(ILogger logger, int tables, double p50Ms, double p95Ms);
}

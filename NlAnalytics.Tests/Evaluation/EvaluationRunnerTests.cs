using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>A tiny shop database shared by the runner tests; nothing writes to it after setup.</summary>
public sealed class ShopDatabase : IAsyncLifetime
{
    public DataSource Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("evalrunner");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            CREATE SCHEMA shop;
            CREATE TABLE shop.city (city_id int PRIMARY KEY, name text NOT NULL);
            CREATE TABLE shop.sale (sale_id int PRIMARY KEY, city_id int NOT NULL REFERENCES shop.city, amount numeric(10,2) NOT NULL, sold_on date NOT NULL);
            INSERT INTO shop.city VALUES (1, 'Paris'), (2, 'Lyon'), (3, 'Geneva');
            INSERT INTO shop.sale VALUES
              (1, 1, 10.00, '2021-01-05'), (2, 1, 20.50, '2021-02-10'), (3, 2, 5.25, '2021-02-11'),
              (4, 3, 40.00, '2022-03-01'), (5, 1, 7.75, '2022-03-15'), (6, 2, 12.00, '2022-04-20');
            """, connection);
        await command.ExecuteNonQueryAsync();
        Source = new DataSource("shop", "Shop", connectionString, connectionString, ["shop"]);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class EvaluationRunnerTests(ShopDatabase database) : IClassFixture<ShopDatabase>, IAsyncLifetime
{
    private const string SetText = """
        {"id": "total", "question": "How many sales are there?", "sql": "SELECT count(*) FROM shop.sale", "tier": "easy", "tags": ["count"]}
        {"id": "by-city", "question": "Revenue by city", "sql": "SELECT c.name, sum(s.amount) AS revenue FROM shop.sale s JOIN shop.city c USING (city_id) GROUP BY c.name ORDER BY revenue DESC", "tier": "medium", "tags": ["sum", "join"]}
        {"id": "by-city-2021", "question": "and in 2021?", "sql": "SELECT c.name, sum(s.amount) AS revenue FROM shop.sale s JOIN shop.city c USING (city_id) WHERE s.sold_on >= '2021-01-01' AND s.sold_on < '2022-01-01' GROUP BY c.name ORDER BY revenue DESC", "tier": "medium", "tags": ["sum", "join", "followup"], "followup_of": "by-city"}
        {"id": "by-city-2021-paris", "question": "only Paris", "sql": "SELECT sum(amount) FROM shop.sale WHERE city_id = 1 AND sold_on >= '2021-01-01' AND sold_on < '2022-01-01'", "tier": "medium", "tags": ["sum", "followup"], "followup_of": "by-city-2021"}
        {"id": "paris-share", "question": "Share of revenue made in Paris", "sql": "SELECT round(100.0 * sum(amount) FILTER (WHERE city_id = 1) / sum(amount), 2) FROM shop.sale", "tier": "hard", "tags": ["share"]}
        """;

    private readonly SqlExecutor _executor = new(new SqlGate(), TimeProvider.System, NullLogger<SqlExecutor>.Instance);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _executor.DisposeAsync();

    private EvaluationRunner Runner() => new(
        _executor, new SingleSourceRegistry(database.Source), Options.Create(new EvaluationOptions()), TimeProvider.System, NullLogger<EvaluationRunner>.Instance);

    private static EvaluationSet Set() => EvaluationSet.Parse(SetText, "shop.jsonl");

    /// <summary>An analyst that answers every question with the given SQL, running it as the orchestrator would.</summary>
    private Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> Analyst(Func<string, string?> sqlFor, List<AnalystRequest>? seen = null) =>
        async (request, cancellationToken) =>
        {
            seen?.Add(request);
            var sql = sqlFor(request.Question);
            if (sql is null)
                return Answer(request, null, null, null);
            try
            {
                var result = await _executor.ExecuteAsync(request.Source, sql, request.Limits ?? new QueryLimits(), cancellationToken);
                return Answer(request, sql, result, null);
            }
            catch (SqlExecutionException e)
            {
                return Answer(request, sql, null, e.Failure);
            }
        };

    private static AnalystAnswer Answer(AnalystRequest request, string? sql, QueryResult? result, SqlFailure? error) => new(
        request.Question,
        request.Question + " (standalone)",
        sql,
        result,
        sql is null ? null : new ChartSpec(ChartKind.Bar, "chart", null, []),
        sql is null ? "I cannot answer that." : "Here it is.",
        [new RetrievedTable("shop.sale", 1.0, "test"), new RetrievedTable("shop.city", 0.5, "test")],
        [],
        [new LlmCallRecord(AgentNames.SqlWriter, "gpt-test", 100, 0, 20, TimeSpan.FromMilliseconds(5), 0.001m)],
        AnswerPath.Offline,
        Error: error,
        Elapsed: (result?.Elapsed ?? TimeSpan.Zero) + TimeSpan.FromMilliseconds(40));

    private static string? Gold(string question) => Set().Cases.Single(c => c.Question == question).Sql;

    [Fact]
    public async Task An_analyst_answering_with_the_gold_sql_scores_one_hundred_percent()
    {
        var report = await Runner().RunAsync(Set(), database.Source, AnalysisMode.Offline, Analyst(Gold), CancellationToken.None);

        var totals = report.Summary.Totals;
        Assert.Equal((5, 5, 5, 0, 0), (totals.Scored, totals.Valid, totals.Correct, totals.Declined, totals.Invalid));
        Assert.Equal(100.0, totals.ExecutionAccuracyPercent);
        Assert.Equal(100.0, totals.ValidSqlPercent);
        Assert.Equal(1.0, totals.MeanRetrievalRecall);
        Assert.All(report.Cases, c => Assert.Equal(CaseOutcome.Correct, c.Outcome));
        Assert.Equal(["shop.city", "shop.sale"], report.Cases.Single(c => c.Id == "by-city").GoldTables);
        Assert.Equal(["shop.sale"], report.Cases.Single(c => c.Id == "total").GoldTables);
        Assert.All(report.Cases, c => Assert.Equal(40.0, c.GenerationMs));
        Assert.Equal(0.005m, report.Summary.TotalCostUsd);
        Assert.Equal(500, report.Summary.InputTokens);
        Assert.Equal(new Dictionary<string, int> { ["offline"] = 5 }, report.Summary.ByPath);
    }

    [Fact]
    public async Task Wrong_numbers_a_wrong_order_and_a_missing_column_are_not_correct()
    {
        string? Wrong(string question) => question switch
        {
            "How many sales are there?" => "SELECT count(*) + 1 FROM shop.sale",
            "Revenue by city" => "SELECT c.name, sum(s.amount) AS revenue FROM shop.sale s JOIN shop.city c USING (city_id) GROUP BY c.name ORDER BY revenue",
            "and in 2021?" => "SELECT c.name FROM shop.city c WHERE c.city_id IN (1, 2) ORDER BY c.name",
            _ => Gold(question),
        };

        var report = await Runner().RunAsync(Set(), database.Source, AnalysisMode.Offline, Analyst(Wrong), CancellationToken.None);

        Assert.Equal(40.0, report.Summary.Totals.ExecutionAccuracyPercent);
        Assert.Equal(100.0, report.Summary.Totals.ValidSqlPercent);
        Assert.Equal(CaseOutcome.Incorrect, report.Cases.Single(c => c.Id == "total").Outcome);
        Assert.Contains("order", report.Cases.Single(c => c.Id == "by-city").Detail);
        Assert.Contains("too few columns", report.Cases.Single(c => c.Id == "by-city-2021").Detail);
    }

    [Fact]
    public async Task Declined_invalid_and_failing_answers_are_counted_apart()
    {
        var analyst = Analyst(Gold);
        async Task<AnalystAnswer> Mixed(AnalystRequest request, CancellationToken cancellationToken) => request.Question switch
        {
            "How many sales are there?" => Answer(request, null, null, null),
            "Revenue by city" => Answer(request, "SELECT nope FROM shop.sale", null, null),
            "Share of revenue made in Paris" => throw new HttpRequestException("the model endpoint is down"),
            _ => await analyst(request, cancellationToken),
        };

        var report = await Runner().RunAsync(Set(), database.Source, AnalysisMode.Hybrid, Mixed, CancellationToken.None);

        var totals = report.Summary.Totals;
        Assert.Equal((5, 2, 2, 1, 2), (totals.Scored, totals.Valid, totals.Correct, totals.Declined, totals.Invalid));
        Assert.Equal(20.0, totals.DeclinedPercent);
        Assert.Equal(40.0, totals.ValidSqlPercent);
        Assert.Equal(CaseOutcome.Declined, report.Cases.Single(c => c.Id == "total").Outcome);
        Assert.Contains("nope", report.Cases.Single(c => c.Id == "by-city").Detail);
        Assert.Contains("the model endpoint is down", report.Cases.Single(c => c.Id == "paris-share").Detail);
    }

    [Fact]
    public async Task Follow_up_questions_receive_the_earlier_turns_of_their_chain()
    {
        var seen = new List<AnalystRequest>();

        await Runner().RunAsync(Set(), database.Source, AnalysisMode.Llm, Analyst(Gold, seen), CancellationToken.None);

        var byQuestion = seen.ToDictionary(r => r.Question);
        Assert.Empty(byQuestion["How many sales are there?"].History);
        Assert.Empty(byQuestion["Revenue by city"].History);
        Assert.Empty(byQuestion["Share of revenue made in Paris"].History);
        var second = Assert.Single(byQuestion["and in 2021?"].History);
        Assert.Equal("Revenue by city", second.Question);
        Assert.Equal("Revenue by city (standalone)", second.StandaloneQuestion);
        Assert.Equal(Gold("Revenue by city"), second.Sql);
        Assert.Equal("bar", second.ChartKind);
        var third = byQuestion["only Paris"].History;
        Assert.Equal(["Revenue by city", "and in 2021?"], third.Select(t => t.Question));
        Assert.Equal(Gold("and in 2021?"), third[1].Sql);
        Assert.All(seen, r => Assert.Equal(AnalysisMode.Llm, r.Mode));
    }

    [Fact]
    public async Task A_broken_gold_query_is_reported_and_left_out_of_the_rates()
    {
        var set = EvaluationSet.Parse("""
            {"id": "ok", "question": "How many sales are there?", "sql": "SELECT count(*) FROM shop.sale"}
            {"id": "broken", "question": "How many returns?", "sql": "SELECT count(*) FROM shop.returns"}
            """, "broken.jsonl");

        var report = await Runner().RunAsync(set, database.Source, AnalysisMode.Offline, Analyst(_ => "SELECT count(*) FROM shop.sale"), CancellationToken.None);

        Assert.Equal((2, 1, 1), (report.Summary.Totals.Questions, report.Summary.Totals.Scored, report.Summary.Totals.GoldFailed));
        Assert.Equal(100.0, report.Summary.Totals.ExecutionAccuracyPercent);
        var broken = report.Cases.Single(c => c.Id == "broken");
        Assert.Equal(CaseOutcome.GoldFailed, broken.Outcome);
        Assert.Contains("returns", broken.Detail);
    }

    [Fact]
    public async Task The_cli_entry_point_writes_report_json_and_markdown_and_returns_the_summary()
    {
        var folder = Path.Combine(Path.GetTempPath(), "nlanalytics-eval-" + Guid.NewGuid().ToString("N"));
        var setPath = Path.Combine(folder, "shop.jsonl");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(setPath, SetText);
        try
        {
            string? OneWrong(string question) => question == "only Paris" ? "SELECT 1" : Gold(question);

            var summary = await Runner().RunAsync(setPath, "shop", "offline", Path.Combine(folder, "out"), Analyst(OneWrong), CancellationToken.None);

            Assert.Equal(80.0, summary.Totals.ExecutionAccuracyPercent);
            Assert.Equal(AnalysisMode.Offline, summary.Mode);
            Assert.True(File.Exists(summary.ReportJsonPath));
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(summary.ReportJsonPath!));
            Assert.Equal(80.0, json.RootElement.GetProperty("summary").GetProperty("totals").GetProperty("execution_accuracy_percent").GetDouble());
            Assert.Equal(5, json.RootElement.GetProperty("cases").GetArrayLength());
            Assert.Equal("incorrect", json.RootElement.GetProperty("cases")[3].GetProperty("outcome").GetString());
            var markdown = await File.ReadAllTextAsync(summary.ReportMarkdownPath!);
            Assert.Contains("| right (execution accuracy) | 80.0% (4) |", markdown);
            Assert.Contains("## Not correct (1)", markdown);
            Assert.Contains("| by-city-2021-paris | medium | incorrect | 1.00 | only Paris |", markdown);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_mode_is_refused_before_anything_runs()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Runner().RunAsync("unused.jsonl", "shop", "turbo", "out", Analyst(Gold), CancellationToken.None));

        Assert.Contains("offline, llm or hybrid", error.Message);
    }
}

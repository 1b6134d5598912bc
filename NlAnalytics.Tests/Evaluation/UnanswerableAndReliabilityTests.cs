using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>Unanswerable questions, answered-wrong rates, the reliability table and answer times, scored by the real runner on the shop database.</summary>
public sealed class UnanswerableAndReliabilityTests(ShopDatabase database) : IClassFixture<ShopDatabase>, IAsyncLifetime
{
    private const string SetText = """
        {"id": "total", "question": "How many sales are there?", "sql": "SELECT count(*) FROM shop.sale", "tier": "easy"}
        {"id": "sum", "question": "Total amount sold", "sql": "SELECT sum(amount) FROM shop.sale", "tier": "easy"}
        {"id": "by-city", "question": "Revenue by city", "sql": "SELECT c.name, sum(s.amount) FROM shop.sale s JOIN shop.city c USING (city_id) GROUP BY c.name", "tier": "medium"}
        {"id": "paris", "question": "Sales in Paris", "sql": "SELECT count(*) FROM shop.sale WHERE city_id = 1", "tier": "hard"}
        {"id": "weather", "question": "Did the weather affect sales?", "answerable": false, "tags": ["unanswerable"]}
        {"id": "margin", "question": "What is our profit margin?", "answerable": false, "sql": null}
        {"id": "staff", "question": "How many people work in Lyon?", "answerable": false}
        """;

    private readonly SqlExecutor _executor = new(new SqlGate(), TimeProvider.System, NullLogger<SqlExecutor>.Instance);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _executor.DisposeAsync();

    /// <summary>The scripted analyst: per question, the SQL it writes (null: declines) and the confidence it reports.</summary>
    private Func<AnalystRequest, CancellationToken, Task<AnalystAnswer>> Analyst(IReadOnlyDictionary<string, (string? Sql, double Confidence)> script) =>
        async (request, cancellationToken) =>
        {
            var (sql, confidence) = script[request.Question];
            QueryResult? result = null;
            SqlFailure? error = null;
            if (sql is not null)
            {
                try
                {
                    result = await _executor.ExecuteAsync(request.Source, sql, new QueryLimits(), cancellationToken);
                }
                catch (SqlExecutionException e)
                {
                    error = e.Failure;
                }
            }
            return new AnalystAnswer(request.Question, request.Question, sql, result, null, sql is null ? "I cannot answer that." : "Here.",
                [], [], [], AnswerPath.Offline, Error: error, Confidence: confidence,
                Elapsed: (result?.Elapsed ?? TimeSpan.Zero) + TimeSpan.FromMilliseconds(5));
        };

    [Fact]
    public async Task Declines_of_unanswerable_questions_are_right_and_any_sql_for_them_is_reported_apart_from_the_answerable_rates()
    {
        var set = EvaluationSet.Parse(SetText, "shop.jsonl");
        var runner = new EvaluationRunner(_executor, new SingleSourceRegistry(database.Source), Options.Create(new EvaluationOptions()), TimeProvider.System, NullLogger<EvaluationRunner>.Instance);
        var analyst = Analyst(new Dictionary<string, (string?, double)>
        {
            ["How many sales are there?"] = ("SELECT count(*) FROM shop.sale", 0.95),                  // right, confident
            ["Total amount sold"] = ("SELECT sum(amount) * 2 FROM shop.sale", 0.9),                     // wrong, confident
            ["Revenue by city"] = ("SELECT name FROM shop.nowhere", 0.5),                                // invalid SQL
            ["Sales in Paris"] = (null, 0.1),                                                            // declined
            ["Did the weather affect sales?"] = (null, 0.0),                                             // declined correctly
            ["What is our profit margin?"] = (null, 0.0),                                                // declined correctly
            ["How many people work in Lyon?"] = ("SELECT count(*) FROM shop.sale WHERE city_id = 2", 0.3), // answered although unanswerable
        });

        var report = await runner.RunAsync(set, database.Source, AnalysisMode.Offline, analyst, CancellationToken.None);

        var outcomes = report.Cases.ToDictionary(c => c.Id, c => c.Outcome);
        Assert.Equal(CaseOutcome.DeclinedCorrectly, outcomes["weather"]);
        Assert.Equal(CaseOutcome.DeclinedCorrectly, outcomes["margin"]);
        Assert.Equal(CaseOutcome.AnsweredUnanswerable, outcomes["staff"]);
        Assert.Null(report.Cases.Single(c => c.Id == "weather").GoldSql);

        var t = report.Summary.Totals;
        Assert.Equal((4, 4, 1, 1, 2), (t.Questions, t.Scored, t.Correct, t.Declined, t.AnsweredWrong));
        Assert.Equal((25.0, 25.0, 50.0), (t.ExecutionAccuracyPercent, t.DeclinedPercent, t.AnsweredWrongPercent));
        var u = report.Summary.Unanswerable;
        Assert.Equal((3, 2, 1), (u.Questions, u.DeclinedCorrectly, u.Answered));
        Assert.Equal(66.67, u.DeclinedCorrectlyPercent);
        Assert.Equal(["easy", "medium", "hard"], report.Summary.ByTier.Keys);
        Assert.Equal((1, 0.0), (report.Summary.ByTier["hard"].Scored, report.Summary.ByTier["hard"].ExecutionAccuracyPercent));

        // Answers only (4 with SQL): 0.95 right and 0.9 wrong in the top bucket, 0.5 invalid, 0.3 unanswerable.
        var buckets = report.Summary.Reliability;
        Assert.Equal([0.0, 0.2, 0.4, 0.6, 0.8], buckets.Select(b => b.From));
        Assert.Equal([0, 1, 1, 0, 2], buckets.Select(b => b.Answers));
        Assert.Equal([0, 0, 0, 0, 1], buckets.Select(b => b.Right));
        Assert.Equal(50.0, buckets[4].RightPercent);
        Assert.Null(buckets[0].RightPercent);

        Assert.All(report.Cases, c => Assert.True(c.AnswerMs >= 0 && c.GenerationMs >= 0));
        Assert.Equal(0.95, report.Cases.Single(c => c.Id == "total").Confidence);
        var markdown = EvaluationReportWriter.ToMarkdown(report);
        Assert.Contains("| unanswerable: declined correctly / answered although unanswerable | 66.7% (2) / 33.3% (1) of 3 |", markdown);
        Assert.Contains("| [0.8, 1.0] | 2 | 1 | 50.0% |", markdown);
    }

    [Fact]
    public void An_unanswerable_question_may_not_carry_gold_sql_and_an_answerable_one_must()
    {
        var withSql = Assert.Throws<EvaluationSetFormatException>(() => EvaluationSet.Parse(
            """{"id": "a", "question": "Weather?", "answerable": false, "sql": "SELECT 1"}""", "u.jsonl"));
        var withoutSql = Assert.Throws<EvaluationSetFormatException>(() => EvaluationSet.Parse(
            """{"id": "a", "question": "How many?", "answerable": true}""", "u.jsonl"));
        var notBoolean = Assert.Throws<EvaluationSetFormatException>(() => EvaluationSet.Parse(
            """{"id": "a", "question": "How many?", "answerable": "no"}""", "u.jsonl"));

        Assert.Contains("u.jsonl:1: an unanswerable question has no gold \"sql\"", withSql.Message);
        Assert.Contains("u.jsonl:1: missing required \"sql\"", withoutSql.Message);
        Assert.Contains("\"answerable\" must be true or false", notBoolean.Message);
        var set = EvaluationSet.Parse(SetText, "shop.jsonl");
        Assert.Equal(["weather", "margin", "staff"], set.Cases.Where(c => !c.Answerable).Select(c => c.Id));
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Tests.Retrieval;

public sealed class RetrievalBenchmarkTests(HrDatabase database) : IClassFixture<HrDatabase>
{
    private static ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddCatalog().AddSchemaRetrieval();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Recall_is_measured_against_the_tables_the_gold_sql_reads()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllLinesAsync(path,
        [
            """{"question": "How many sick days were taken?", "sql": "SELECT sum(days) FROM hr.leave_requests WHERE leave_type = 'sick'"}""",
            """{"question": "Salary paid to the Engineering department", "sql": "SELECT sum(p.gross_amount) FROM payroll.salary_payments p JOIN hr.employees e ON e.employee_id = p.employee_id JOIN hr.departments d ON d.department_id = e.department_id WHERE d.name = 'Engineering'"}""",
            """{"question": "Logins per client", "sql": "SELECT client, count(*) FROM audit.login_events GROUP BY client"}""",
            """{"question": "Broken gold", "sql": "SELECT * FROM hr.no_such_table"}""",
            "",
        ]);
        await using var services = Services();
        var benchmark = services.GetRequiredService<RetrievalBenchmark>();

        var report = await benchmark.RunAsync(new RetrievalBenchmarkRequest { Source = database.Source, QuestionsPath = path, TopK = 3, SyntheticSizes = [] },
            CancellationToken.None);

        var recall = report.Recall!;
        Assert.Equal(4, recall.Questions);
        Assert.Equal(3, recall.Planned);
        Assert.Equal(1.0, recall.MeanRecall);
        Assert.Equal(["hr.departments", "hr.employees", "payroll.salary_payments"], recall.Items[1].Gold);
        Assert.Contains("no_such_table", recall.Items[3].Error);
        Assert.InRange(recall.TokenReduction, 0.01, 0.99);
        Assert.Contains("recall@3: 1.000", report.ToText());
        Assert.Contains("Broken gold", report.ToText());
    }

    [Fact]
    public async Task A_follow_up_is_retrieved_with_the_questions_of_its_chain_before_it()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllLinesAsync(path,
        [
            """{"id": "a", "question": "Sick days per department", "sql": "SELECT 1"}""",
            """{"id": "b", "question": "and in 2024?", "sql": "SELECT 1", "followup_of": "a"}""",
            """{"id": "c", "question": "only Geneva", "sql": "SELECT 1", "followup_of": "b"}""",
        ]);

        var questions = await RetrievalBenchmark.LoadQuestionsAsync(path, CancellationToken.None);

        Assert.Equal("Sick days per department and in 2024? only Geneva", questions[2].RetrievalText);
        Assert.Equal("only Geneva", questions[2].Question);
        Assert.True(questions[2].IsFollowup);

        await File.WriteAllLinesAsync(path, ["""{"id": "x", "question": "q", "sql": "SELECT 1", "followup_of": "missing"}"""]);
        var error = await Assert.ThrowsAsync<FormatException>(() => RetrievalBenchmark.LoadQuestionsAsync(path, CancellationToken.None));
        Assert.Contains(":1: followup_of \"missing\"", error.Message);
    }

    [Fact]
    public async Task Latency_runs_on_a_generated_catalog_of_the_requested_size()
    {
        await using var services = Services();
        var benchmark = services.GetRequiredService<RetrievalBenchmark>();

        var report = await benchmark.RunAsync(new RetrievalBenchmarkRequest { SyntheticSizes = [300], LatencyQueries = 30 }, CancellationToken.None);

        var latency = Assert.Single(report.Latency);
        Assert.Equal(300, latency.Tables);
        Assert.Equal(30, latency.Queries);
        Assert.True(latency.P95Ms >= latency.P50Ms);
        Assert.True(latency.WholeSchemaTokens > latency.MeanSelectedTokens);
        Assert.Null(report.Recall);
        Assert.Contains("Latency on synthetic catalogs", report.ToText());
    }

    [Fact]
    public void The_synthetic_catalog_is_deterministic_with_keys_comments_and_values()
    {
        var first = SyntheticCatalogGenerator.Generate(1_000, 10, 42, DateTimeOffset.UnixEpoch);
        var second = SyntheticCatalogGenerator.Generate(1_000, 10, 42, DateTimeOffset.UnixEpoch);

        Assert.Equal(1_000, first.Catalog.Tables.Count);
        Assert.Equal(1_000, first.Catalog.Tables.Select(t => t.QualifiedName).Distinct().Count());
        Assert.Equal(first.Catalog.Tables.Select(t => t.QualifiedName), second.Catalog.Tables.Select(t => t.QualifiedName));
        Assert.Equal(first.Questions, second.Questions);
        Assert.All(first.Catalog.Tables, t => Assert.False(string.IsNullOrEmpty(t.Comment)));
        Assert.All(first.Catalog.Tables.SelectMany(t => t.ForeignKeys), k => Assert.NotNull(first.Catalog.Find(k.ReferencedQualifiedName)));
        Assert.Contains(first.Catalog.Tables, t => t.ForeignKeys.Count > 0);
        Assert.Contains(first.Catalog.Tables.SelectMany(t => t.Columns), c => c.DistinctValues is { Count: > 0 });
    }
}

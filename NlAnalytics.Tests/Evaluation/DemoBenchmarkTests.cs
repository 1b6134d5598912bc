using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>A small demo warehouse ending today, because the gold SQL's relative periods use CURRENT_DATE.</summary>
public sealed class DemoBenchmarkDatabase : IAsyncLifetime
{
    public DataSource Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("evaldemo");
        var options = new DemoWarehouseOptions { Seed = 20261121, Scale = 0.02, EndDate = DateOnly.FromDateTime(TimeProvider.System.GetLocalNow().DateTime) };
        await new DemoWarehouseGenerator(TimeProvider.System, NullLogger<DemoWarehouseGenerator>.Instance)
            .GenerateAsync(connectionString, options, null, CancellationToken.None);
        Source = new DataSource("demo", "Demo", connectionString, connectionString, ["sales", "university", "music"]);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class DemoBenchmarkTests(DemoBenchmarkDatabase database) : IClassFixture<DemoBenchmarkDatabase>
{
    [Fact]
    public async Task Every_gold_query_of_the_demo_benchmark_runs_on_the_demo_and_returns_an_answer()
    {
        var set = await BenchmarkSets.LoadAsync("demo.jsonl");

        var problems = await BenchmarkSets.GoldProblemsAsync(set, database.Source);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task The_demo_benchmark_has_enough_questions_tiers_chains_and_features()
    {
        var set = await BenchmarkSets.LoadAsync("demo.jsonl");

        Assert.True(set.Cases.Count >= 150, $"{set.Cases.Count} questions");
        Assert.All(set.Cases, c => Assert.NotNull(c.Tier));
        Assert.True(set.Cases.Count(c => c.FollowupOf is not null) >= 20);
        Assert.True(set.Cases.Where(c => c.FollowupOf is not null).Select(c => c.FollowupOf).Distinct().Count() >= 20);
        string[] features =
        [
            "count", "sum", "avg", "min", "max", "count-distinct", "by", "filter", "comparison", "between", "negation",
            "year", "month", "quarter", "relative-date", "since", "range", "time-series", "day", "week", "top", "bottom",
            "ordering", "ratio", "share", "growth", "join", "nested", "followup", "chart",
        ];
        var tags = set.Cases.SelectMany(c => c.Tags).ToHashSet();
        var missing = features.Where(f => !tags.Contains(f)).ToList();
        Assert.True(missing.Count == 0, "features without a question: " + string.Join(", ", missing));
        foreach (var tier in new[] { "easy", "medium", "hard" })
            Assert.True(set.Cases.Count(c => c.Tier == tier) >= 30, tier);
    }

    [Fact]
    public async Task Gold_answers_agree_with_the_figures_the_demo_contract_fixes()
    {
        var set = await BenchmarkSets.LoadAsync("demo.jsonl");
        await using var executor = new SqlExecutor(new SqlGate(), TimeProvider.System, NullLogger<SqlExecutor>.Instance);
        async Task<QueryResult> Gold(string id) =>
            await executor.ExecuteAsync(database.Source, set.Cases.Single(c => c.Id == id).Sql!, new QueryLimits(), CancellationToken.None);

        var fbm = await Gold("m61");
        Assert.Equal([2604L, 2725L, 2854L, 2969L, 3023L, 3220L, 3368L, 3481L, 3688L, 3983L, 4108L], fbm.Rows.Select(r => Convert.ToInt64(r[1])));
        var growth = await Gold("h03");
        Assert.Equal(100.0 * (4108 - 2604) / 2604, Convert.ToDouble(growth.Rows[0][0]), 6);
        Assert.Equal(7L, Convert.ToInt64((await Gold("e24")).Rows[0][0]));
        Assert.Equal(MusicData.GenreCount, (await Gold("m23")).Rows.Count);
    }
}

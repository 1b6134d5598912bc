using NlAnalytics.Core.Data;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>The logistics sample ending today, because the gold SQL's relative periods use CURRENT_DATE.</summary>
public sealed class LogisticsDatabase : IAsyncLifetime
{
    public const int Seed = 7;

    public string ConnectionString { get; private set; } = "";
    public DataSource Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("evallgx");
        await LogisticsSample.CreateAsync(ConnectionString, DateOnly.FromDateTime(TimeProvider.System.GetLocalNow().DateTime), Seed, CancellationToken.None);
        Source = new DataSource("logistics", "Logistics", ConnectionString, ConnectionString, [LogisticsSample.SchemaName]);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class SecondSchemaBenchmarkTests(LogisticsDatabase database) : IClassFixture<LogisticsDatabase>
{
    [Fact]
    public async Task Every_gold_query_of_the_second_schema_benchmark_runs_and_returns_an_answer()
    {
        var set = await BenchmarkSets.LoadAsync("second-schema.jsonl");

        var problems = await BenchmarkSets.GoldProblemsAsync(set, database.Source);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(set.Cases.Count >= 40, $"{set.Cases.Count} questions");
        Assert.All(new[] { "easy", "medium", "hard" }, tier => Assert.Contains(set.Cases, c => c.Tier == tier));
    }

    [Fact]
    public async Task The_logistics_sample_is_deterministic_and_commented()
    {
        var again = await TestPostgres.CreateDatabaseAsync("evallgx2");
        await LogisticsSample.CreateAsync(again, new DateOnly(2026, 1, 31), LogisticsDatabase.Seed, CancellationToken.None);
        var first = await FingerprintAsync(again);
        await LogisticsSample.CreateAsync(again, new DateOnly(2026, 1, 31), LogisticsDatabase.Seed, CancellationToken.None);

        Assert.Equal(first, await FingerprintAsync(again));
        Assert.Equal(0L, await Sql.ScalarAsync(again, """
            SELECT count(*) FROM information_schema.columns c
            WHERE c.table_schema = 'lgx'
              AND col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) IS NULL
            """));
        Assert.Equal(new DateOnly(2026, 1, 31), await Sql.ScalarAsync(again, "SELECT max(ship_dt) FROM lgx.tbl_shpmt"));
    }

    private static async Task<object?> FingerprintAsync(string connectionString) => await Sql.ScalarAsync(connectionString, """
        SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
            SELECT s::text AS t FROM lgx.tbl_shpmt s UNION ALL SELECT i::text FROM lgx.tbl_incdt i
            UNION ALL SELECT a::text FROM lgx.tbl_acct a UNION ALL SELECT e::text FROM lgx.tbl_emp e) x
        """);
}

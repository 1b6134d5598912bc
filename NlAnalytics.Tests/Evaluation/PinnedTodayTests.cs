using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Evaluation;

public sealed class PinnedTodayTests
{
    private static readonly DateOnly Day = new(2026, 11, 30);

    [Theory]
    [InlineData("SELECT CURRENT_DATE - INTERVAL '30 days'", "SELECT DATE '2026-11-30' - INTERVAL '30 days'")]
    [InlineData("select current_date, Current_Date", "select DATE '2026-11-30', DATE '2026-11-30'")]
    [InlineData("SELECT now(), NOW ( ), pg_catalog.now()", "SELECT TIMESTAMPTZ '2026-11-30 00:00:00', TIMESTAMPTZ '2026-11-30 00:00:00', TIMESTAMPTZ '2026-11-30 00:00:00'")]
    [InlineData("SELECT current_timestamp(3), localtimestamp, CURRENT_TIMESTAMP", "SELECT TIMESTAMPTZ '2026-11-30 00:00:00', TIMESTAMP '2026-11-30 00:00:00', TIMESTAMPTZ '2026-11-30 00:00:00'")]
    [InlineData("SELECT date_trunc('year', CURRENT_DATE)::date", "SELECT date_trunc('year', DATE '2026-11-30')::date")]
    public void Clock_words_and_functions_become_literals_of_the_pinned_day(string sql, string expected) =>
        Assert.Equal(expected, PinnedDateSql.Rewrite(sql, Day));

    [Theory]
    [InlineData("SELECT 'current_date', 'now()' FROM t")]
    [InlineData("SELECT \"current_date\", t.now FROM t -- current_date\n/* now() */")]
    [InlineData("SELECT $$CURRENT_DATE$$, E'now()\\'s', x.now() FROM t")]
    [InlineData("SELECT now FROM t")]
    public void The_same_words_in_literals_comments_quoted_names_columns_and_other_schemas_are_left_alone(string sql) =>
        Assert.Equal(sql, PinnedDateSql.Rewrite(sql, Day));

    [Fact]
    public async Task Queries_run_through_the_pinned_executor_see_the_pinned_day_and_keep_their_literals()
    {
        var database = await TestPostgres.CreateDatabaseAsync("pinned");
        var source = new DataSource("pinned", "Pinned", database, database, ["public"]);
        await using var inner = new SqlExecutor(new SqlGate(), TimeProvider.System, NullLogger<SqlExecutor>.Instance);
        var executor = new PinnedDateSqlExecutor(inner, Day);

        var result = await executor.ExecuteAsync(source,
            "SELECT CURRENT_DATE, now()::date, (CURRENT_DATE - INTERVAL '1 month')::date, 'CURRENT_DATE' AS text, localtimestamp::date",
            new QueryLimits(), CancellationToken.None);

        var row = result.Rows.Single();
        Assert.Equal(new DateOnly(2026, 11, 30), row[0]);
        Assert.Equal(new DateOnly(2026, 11, 30), row[1]);
        Assert.Equal(new DateOnly(2026, 10, 30), row[2]);
        Assert.Equal("CURRENT_DATE", row[3]);
        Assert.Equal(new DateOnly(2026, 11, 30), row[4]);
    }

    [Fact]
    public void Pinned_services_give_every_component_the_pinned_clock_and_the_pinned_executor()
    {
        var services = new ServiceCollection().AddLogging().AddSqlExecution().PinToday(Day).BuildServiceProvider();

        var clock = services.GetRequiredService<TimeProvider>();
        Assert.Equal(Day, DateOnly.FromDateTime(clock.GetLocalNow().DateTime));
        Assert.Equal(Day, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        var executor = Assert.IsType<PinnedDateSqlExecutor>(services.GetRequiredService<ISqlExecutor>());
        Assert.Equal(Day, executor.Today);
    }
}

using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Tests.Execution;

public sealed class SqlExecutorTests(ExecutionDatabase db) : IClassFixture<ExecutionDatabase>
{
    [Fact]
    public async Task Values_come_back_as_simple_clr_types()
    {
        var result = await db.Executor.ExecuteAsync(db.Source, """
            SELECT id, item, amount, ordered_on, created_at, tags, details, amount > 10 AS big, NULL::text AS nothing,
                   1.5::float8 AS ratio, 1e40::numeric AS huge, 'infinity'::date AS forever, '2024-01-02 03:04:05.25'::timestamp AS local_time
            FROM orders WHERE id = 1
            """, db.Limits, default);

        Assert.Equal(["id", "item", "amount", "ordered_on", "created_at", "tags", "details", "big", "nothing", "ratio", "huge", "forever", "local_time"],
            result.Columns.Select(c => c.Name));
        Assert.Equal("integer", result.Columns[0].DataType);
        Assert.Equal("numeric(12, 2)", result.Columns[2].DataType);
        Assert.Equal("date", result.Columns[3].DataType);
        var row = Assert.Single(result.Rows);
        Assert.Equal(1L, row[0]);
        Assert.Equal("tea", row[1]);
        Assert.Equal(12.50m, row[2]);
        Assert.Equal(new DateOnly(2024, 2, 29), row[3]);
        var created = Assert.IsType<DateTime>(row[4]);
        Assert.Equal(new DateTime(2024, 2, 29, 10, 15, 0, DateTimeKind.Utc), created);
        Assert.Equal(DateTimeKind.Utc, created.Kind);
        Assert.Equal("{hot,green}", row[5]);
        Assert.Equal("{\"gift\": true}", row[6]);
        Assert.Equal(true, row[7]);
        Assert.Null(row[8]);
        Assert.Equal(1.5d, row[9]);
        Assert.Equal(1e40d, row[10]);
        Assert.Equal("infinity", row[11]);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, 250), row[12]);
        Assert.False(result.Truncated);
    }

    [Fact]
    public async Task The_row_cap_truncates_and_says_so_but_an_exact_fit_is_not_truncated()
    {
        var capped = await db.Executor.ExecuteAsync(db.Source, "SELECT id FROM t ORDER BY id", new QueryLimits(MaxRows: 3), default);
        Assert.True(capped.Truncated);
        Assert.Equal([1L, 2L, 3L], capped.Rows.Select(r => (long)r[0]!));

        var exact = await db.Executor.ExecuteAsync(db.Source, "SELECT id FROM t", new QueryLimits(MaxRows: ExecutionDatabase.TRows), default);
        Assert.False(exact.Truncated);
        Assert.Equal(ExecutionDatabase.TRows, exact.Rows.Count);
    }

    [Fact]
    public async Task A_source_row_cap_and_timeout_tighten_the_requested_limits_but_never_loosen_them()
    {
        var capped = db.Source with { RowCap = 2, QueryTimeout = TimeSpan.FromSeconds(1) };
        var result = await db.Executor.ExecuteAsync(capped, "SELECT id FROM t ORDER BY id", new QueryLimits(MaxRows: 3), default);
        Assert.True(result.Truncated);
        Assert.Equal([1L, 2L], result.Rows.Select(r => (long)r[0]!));

        var failure = (await Assert.ThrowsAsync<SqlExecutionException>(() =>
            db.Executor.ExecuteAsync(capped, "SELECT count(*) FROM generate_series(1, 1000000000)", new QueryLimits(MaxRows: 3, Timeout: TimeSpan.FromMinutes(2)), default))).Failure;
        Assert.Equal(SqlFailureKind.Timeout, failure.Kind);

        // A larger cap on the source does not raise the caller's.
        var loose = await db.Executor.ExecuteAsync(db.Source with { RowCap = 100 }, "SELECT id FROM t ORDER BY id", new QueryLimits(MaxRows: 1), default);
        Assert.Single(loose.Rows);
    }

    [Fact]
    public async Task A_syntax_error_names_the_position()
    {
        var failure = await FailureAsync("SELECT id\nFORM t");
        Assert.Equal(SqlFailureKind.Syntax, failure.Kind);
        Assert.Equal("42601", failure.SqlState);
        Assert.Contains("syntax error at or near \"t\"", failure.UserMessage);
        Assert.Contains("at character 16, line 2", failure.UserMessage);
    }

    [Fact]
    public async Task An_unknown_table_or_column_keeps_postgresqls_wording_for_self_correction()
    {
        var table = await FailureAsync("SELECT * FROM invoices");
        Assert.Equal(SqlFailureKind.Semantic, table.Kind);
        Assert.Equal("42P01", table.SqlState);
        Assert.Contains("relation \"invoices\" does not exist", table.UserMessage);

        var column = await FailureAsync("SELECT totl FROM orders");
        Assert.Equal(SqlFailureKind.Semantic, column.Kind);
        Assert.Contains("column \"totl\" does not exist", column.UserMessage);
    }

    [Fact]
    public async Task Cancelling_the_caller_stops_the_query_and_the_pooled_connection_stays_usable()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = TimeProvider.System.GetTimestamp();
        var ex = await Assert.ThrowsAsync<SqlExecutionException>(() =>
            db.Executor.ExecuteUngatedAsync(db.WeakSource, "SELECT pg_sleep(600)", db.Limits with { Timeout = TimeSpan.FromSeconds(30) }, cancel.Token));
        Assert.Equal(SqlFailureKind.Cancelled, ex.Failure.Kind);
        Assert.Equal("The query was cancelled", ex.Failure.UserMessage);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30), "a 600 s sleep was stopped early");

        var next = await db.Executor.ExecuteUngatedAsync(db.WeakSource, "SELECT current_setting('transaction_read_only')", db.Limits, default);
        Assert.Equal("on", next.Rows[0][0]);
    }

    [Fact]
    public async Task Passwords_and_connection_strings_never_reach_the_message_or_the_log()
    {
        var leaked = await FailureAsync($"SELECT ('x {db.Role.Password}')::int");
        Assert.DoesNotContain(db.Role.Password, leaked.UserMessage);
        Assert.Contains("***", leaked.UserMessage);

        var connectionString = await FailureAsync("SELECT 'host=db.internal port=5432 user=admin password=hunter2-secret'::int");
        Assert.DoesNotContain("hunter2-secret", connectionString.UserMessage);
        Assert.Contains("invalid input syntax for type integer", connectionString.UserMessage);

        var uri = await FailureAsync("SELECT 'postgresql://admin:hunter2-secret@db.internal/prod'::int");
        Assert.DoesNotContain("hunter2-secret", uri.UserMessage);

        Assert.DoesNotContain(db.Log.Entries, e => e.Message.Contains(db.Role.Password, StringComparison.Ordinal) || e.Message.Contains("hunter2-secret", StringComparison.Ordinal));
        Assert.True(db.Log.HasWarningContaining("::int"), "the failed statement is still logged");
    }

    [Fact]
    public async Task A_wrong_password_is_a_connection_failure_that_does_not_repeat_the_password()
    {
        var wrong = new NpgsqlConnectionStringBuilder(db.Role.ConnectionString) { Password = "not-the-password-42" };
        var source = db.Source with { Name = "wrong", QueryConnectionString = wrong.ConnectionString };
        var ex = await Assert.ThrowsAsync<SqlExecutionException>(() => db.Executor.ExecuteAsync(source, "SELECT 1", db.Limits, default));
        Assert.Equal(SqlFailureKind.Connection, ex.Failure.Kind);
        Assert.Contains("password authentication failed", ex.Failure.UserMessage);
        Assert.DoesNotContain("not-the-password-42", ex.Failure.UserMessage);
    }

    [Fact]
    public async Task The_gate_refuses_before_any_connection_is_made()
    {
        var unreachable = db.Source with { Name = "nowhere", QueryConnectionString = "Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=1" };
        var ex = await Assert.ThrowsAsync<SqlExecutionException>(() => db.Executor.ExecuteAsync(unreachable, "DELETE FROM t", db.Limits, default));
        Assert.Equal(SqlFailureKind.Rejected, ex.Failure.Kind);
    }

    [Fact]
    public async Task A_single_huge_value_is_cut_instead_of_read_whole()
    {
        var result = await db.Executor.ExecuteAsync(db.Source, "SELECT repeat('x', 200000) AS big, 'after' AS small", db.Limits, default);
        var big = Assert.IsType<string>(result.Rows[0][0]);
        Assert.Equal(SqlExecutor.MaxValueChars + SqlExecutor.ValueCutMarker.Length, big.Length);
        Assert.EndsWith(SqlExecutor.ValueCutMarker, big);
        Assert.Equal("after", result.Rows[0][1]);
    }

    [Fact]
    public async Task Every_query_runs_in_a_read_only_transaction_with_the_requested_timeout()
    {
        // Ungated: the gate refuses current_setting() (a server function); the transaction's settings are the executor's.
        var result = await db.Executor.ExecuteUngatedAsync(db.Source,
            "SELECT current_setting('transaction_read_only'), current_setting('statement_timeout'), current_user, current_setting('search_path')",
            db.Limits with { Timeout = TimeSpan.FromMilliseconds(1500) }, default);
        Assert.Equal(new object?[] { "on", "1500ms", db.Role.RoleName, "shop" }, result.Rows[0]);
    }

    [Theory]
    [InlineData("SELECT count(*) FROM t;")]
    [InlineData("SELECT count(*) FROM t; -- that is all")]
    [InlineData("SELECT count(*) FROM t;;\n")]
    [InlineData("-- count the rows\nSELECT count(*) /* all */ FROM t")]
    public async Task A_trailing_semicolon_or_comment_is_fine(string sql)
    {
        var result = await db.Executor.ExecuteAsync(db.Source, sql, db.Limits, default);
        Assert.Equal((long)ExecutionDatabase.TRows, result.Rows[0][0]);
    }

    [Fact]
    public async Task After_the_server_ends_the_pools_idle_connections_the_next_query_still_answers()
    {
        // What a restart of the source's server does to the pool (issue 10 point 9, tried from outside): every idle
        // connection gets "terminating connection due to administrator command" and each used to fail one answer.
        var application = $"nla_stale_{Guid.NewGuid():N}"[..24];
        var source = db.Source with { QueryConnectionString = db.Role.ConnectionString + $";Maximum Pool Size=2;Application Name={application}" };
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => db.Executor.ExecuteAsync(source, "SELECT count(*) FROM t", db.Limits, default)));
        Assert.True(await db.CountAsync($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'") > 0);

        await db.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{application}'");
        while (await db.CountAsync($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'") > 0)
            await Task.Delay(20);

        foreach (var _ in Enumerable.Range(0, 3))
        {
            var result = await db.Executor.ExecuteAsync(source, "SELECT count(*) FROM t", db.Limits, default);
            Assert.Equal((long)ExecutionDatabase.TRows, result.Rows[0][0]);
        }
    }

    private async Task<SqlFailure> FailureAsync(string sql) =>
        (await Assert.ThrowsAsync<SqlExecutionException>(() => db.Executor.ExecuteAsync(db.Source, sql, db.Limits, default))).Failure;
}

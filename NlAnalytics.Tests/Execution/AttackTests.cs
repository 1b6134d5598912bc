using System.Text;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Tests.Execution;

/// <summary>
/// The attacks of SECURITY-TESTS.md, each run through the gate and straight through the executor with the
/// gate bypassed (the role and the transaction alone must hold), each followed by a check that nothing was
/// left behind. Where the role blocks an attack by privilege, the same attack is also run as a "weak" role
/// that was left able to call the function, to show the executor's transaction discipline holds as well.
/// </summary>
public sealed class AttackTests(ExecutionDatabase db) : IClassFixture<ExecutionDatabase>
{
    private static readonly SqlFailureKind[] Refused = [SqlFailureKind.Rejected, SqlFailureKind.PermissionDenied];

    [Fact]
    public async Task Attack_01_drop_table_is_refused_by_the_gate_and_by_the_role()
    {
        await RefusedByGateAsync("DROP TABLE t", "DROP is not allowed");
        await FailsUngatedAsync("DROP TABLE t", Refused);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_02_a_second_statement_is_refused_even_without_the_gate()
    {
        await RefusedByGateAsync("SELECT 1; DELETE FROM t", SqlGate.OneStatementMessage);
        var failure = await FailsUngatedAsync("SELECT 1; DELETE FROM t", SqlFailureKind.Rejected);
        Assert.Equal(SqlGate.OneStatementMessage, failure.UserMessage);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_03_a_data_modifying_cte_is_refused()
    {
        const string sql = "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d";
        await RefusedByGateAsync(sql, "Data-modifying statements (DELETE");
        await FailsUngatedAsync(sql, Refused);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_04_a_temporary_table_cannot_be_created()
    {
        const string sql = "CREATE TEMP TABLE x AS SELECT 1";
        await RefusedByGateAsync(sql, "CREATE is not allowed");
        await FailsUngatedAsync(sql, Refused);
        Assert.False(await db.ScalarAsync($"SELECT has_database_privilege('{db.Role.RoleName}', current_database(), 'TEMP')") is true);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_05_explain_analyze_of_a_delete_deletes_nothing()
    {
        const string sql = "EXPLAIN ANALYZE DELETE FROM t";
        await RefusedByGateAsync(sql, "EXPLAIN is not available");
        await FailsUngatedAsync(sql, Refused);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_06_nextval_does_not_advance_the_sequence()
    {
        const string sql = "SELECT nextval('s')";
        await RefusedByGateAsync(sql, "nextval() is not allowed");
        await FailsUngatedAsync(sql, Refused);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_07_select_for_update_is_refused()
    {
        const string sql = "SELECT * FROM t FOR UPDATE";
        await RefusedByGateAsync(sql, "Row locking");
        await FailsUngatedAsync(sql, Refused);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_08_pg_sleep_is_refused_and_where_allowed_it_is_stopped_by_the_timeout_with_a_friendly_message()
    {
        const string sql = "SELECT pg_sleep(600)";
        await RefusedByGateAsync(sql, "pg_sleep() is not allowed");
        var denied = await FailsUngatedAsync(sql, SqlFailureKind.PermissionDenied);
        Assert.Contains("pg_sleep", denied.UserMessage);

        var started = TimeProvider.System.GetTimestamp();
        var stopped = await FailsUngatedAsync(sql, [SqlFailureKind.Timeout], db.WeakSource);
        Assert.Equal("The query ran longer than 2 s and was stopped. Filter or aggregate more so it finishes sooner", stopped.UserMessage);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
        await AssertNothingLeftBehindAsync(db.WeakSource);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_09_an_endless_recursive_cte_is_bounded()
    {
        const string counting = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r";
        Assert.Equal(SqlFailureKind.Timeout, (await FailsGatedAsync(counting)).Kind);
        Assert.Equal(SqlFailureKind.Timeout, (await FailsUngatedAsync(counting, SqlFailureKind.Timeout)).Kind);

        var streaming = await db.Executor.ExecuteAsync(db.Source, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT n FROM r", db.Limits, default);
        Assert.True(streaming.Truncated);
        Assert.Equal(db.Limits.MaxRows, streaming.Rows.Count);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_10_a_three_way_cross_join_times_out_or_stops_at_the_row_cap()
    {
        const string counting = "SELECT count(*) FROM t a CROSS JOIN t b CROSS JOIN t c";
        Assert.Equal(SqlFailureKind.Timeout, (await FailsGatedAsync(counting)).Kind);
        await FailsUngatedAsync(counting, SqlFailureKind.Timeout);

        var rows = await db.Executor.ExecuteAsync(db.Source, "SELECT * FROM t a CROSS JOIN t b CROSS JOIN t c", db.Limits, default);
        Assert.True(rows.Truncated);
        Assert.Equal(db.Limits.MaxRows, rows.Rows.Count);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_11_a_billion_row_generate_series_is_bounded_by_the_row_cap_or_the_timeout()
    {
        // In FROM, PostgreSQL materialises the whole function result before the first row: the timeout
        // (or temp_file_limit) stops it. In the select list it streams, and the row cap stops it.
        const string inFrom = "SELECT g FROM generate_series(1,1e9) g";
        Assert.Equal(SqlFailureKind.Timeout, (await FailsGatedAsync(inFrom)).Kind);
        await FailsUngatedAsync(inFrom, SqlFailureKind.Timeout);

        var streamed = await db.Executor.ExecuteAsync(db.Source, "SELECT generate_series(1,1e9) AS g", db.Limits, default);
        Assert.True(streamed.Truncated);
        Assert.Equal(db.Limits.MaxRows, streamed.Rows.Count);
        Assert.Equal(1m, streamed.Rows[0][0]);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_12_turning_read_only_off_does_not_reach_the_next_transaction_on_the_pooled_connection()
    {
        const string sql = "SELECT set_config('default_transaction_read_only','off',false)";
        await RefusedByGateAsync(sql, "set_config() is not allowed");
        await FailsUngatedAsync(sql, SqlFailureKind.PermissionDenied);
        await AssertNextTransactionIsReadOnlyAndCannotWriteAsync(db.Source);

        // A role that may call set_config: the change happens, is rolled back, and the connection is discarded.
        var pid = await BackendPidAsync(db.WeakSource);
        var changed = await db.Executor.ExecuteUngatedAsync(db.WeakSource, sql, db.Limits, default);
        Assert.Equal("off", changed.Rows[0][0]);
        Assert.Equal(pid, await BackendPidAsync(db.WeakSource));
        await AssertNextTransactionIsReadOnlyAndCannotWriteAsync(db.WeakSource);
        await AssertNothingLeftBehindAsync(db.WeakSource);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_13_setting_another_tenant_shows_no_other_tenant_rows()
    {
        string[] attacks =
        [
            "SELECT set_config('app.tenant_id','2',true), * FROM orders",
            "SELECT o.* FROM (SELECT set_config('app.tenant_id','2',true)) s, LATERAL (SELECT * FROM orders) o",
        ];
        foreach (var sql in attacks)
        {
            await RefusedByGateAsync(sql, "set_config() is not allowed");
            await FailsUngatedAsync(sql, SqlFailureKind.PermissionDenied);
            // Even where set_config may run, the policy is keyed on current_user: only tenant 1's rows come back.
            var weak = await db.Executor.ExecuteUngatedAsync(db.WeakSource, sql.Replace("FROM orders", "FROM shop.orders"), db.Limits, default);
            Assert.Equal(ExecutionDatabase.TenantOneOrders, weak.Rows.Count);
        }

        var own = await db.Executor.ExecuteAsync(db.Source, "SELECT tenant_id, item FROM orders", db.Limits, default);
        Assert.Equal(ExecutionDatabase.TenantOneOrders, own.Rows.Count);
        Assert.All(own.Rows, row => Assert.Equal(1L, row[0]));
        Assert.DoesNotContain(own.Rows, row => ((string)row[1]!).Contains("secret", StringComparison.Ordinal));
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_14_raising_work_mem_does_not_outlive_the_query()
    {
        const string sql = "SELECT set_config('work_mem','4GB',false)";
        await RefusedByGateAsync(sql, "set_config() is not allowed");
        await FailsUngatedAsync(sql, SqlFailureKind.PermissionDenied);

        var changed = await db.Executor.ExecuteUngatedAsync(db.WeakSource, sql, db.Limits, default);
        Assert.Equal("4GB", changed.Rows[0][0]);
        await AssertNothingLeftBehindAsync(db.WeakSource);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_15_an_advisory_lock_is_not_left_behind()
    {
        const string sql = "SELECT pg_advisory_lock(1)";
        await RefusedByGateAsync(sql, "pg_advisory_lock() is not allowed");
        await FailsUngatedAsync(sql, SqlFailureKind.PermissionDenied);

        // Session-level locks survive ROLLBACK; the executor's DISCARD ALL releases it before returning.
        await db.Executor.ExecuteUngatedAsync(db.WeakSource, sql, db.Limits, default);
        await AssertNothingLeftBehindAsync(db.WeakSource);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_16_terminating_other_sessions_is_refused_and_they_stay_alive()
    {
        await using var otherAnalyst = await OpenRoleSessionAsync();
        const string sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity";
        await RefusedByGateAsync(sql, "pg_terminate_backend() is not allowed");
        await FailsUngatedAsync(sql, SqlFailureKind.PermissionDenied);
        await FailsUngatedAsync($"SELECT pg_terminate_backend({otherAnalyst.ProcessID})", SqlFailureKind.PermissionDenied);

        await using var alive = new NpgsqlCommand("SELECT 1", otherAnalyst);
        Assert.Equal(1, await alive.ExecuteScalarAsync());
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_17_no_other_sessions_sql_is_visible()
    {
        var marker = $"other-analyst-{Guid.NewGuid():N}";
        await using var otherAnalyst = await OpenRoleSessionAsync();
        await using (var query = new NpgsqlCommand($"SELECT '{marker}'", otherAnalyst))
            await query.ExecuteScalarAsync();

        await RefusedByGateAsync("SELECT query FROM pg_stat_activity", "System catalogs and views (pg_stat_activity)");
        foreach (var sql in new[] { "SELECT query FROM pg_stat_activity", "SELECT query FROM pg_catalog.pg_stat_activity", "SELECT * FROM pg_stat_get_activity(NULL)" })
        {
            var failure = await FailsUngatedAsync(sql, SqlFailureKind.PermissionDenied);
            Assert.DoesNotContain(marker, failure.UserMessage);
        }
        // The same session is still visible to an administrator: the marker really was there to find.
        Assert.Equal(1, await db.CountAsync($"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%{marker}%' AND pid <> pg_backend_pid()"));
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_18_server_files_cannot_be_read_or_listed()
    {
        await RefusedByGateAsync("SELECT pg_read_file('/etc/passwd')", "pg_read_file() is not allowed");
        await RefusedByGateAsync("SELECT pg_ls_dir('.')", "pg_ls_dir() is not allowed");
        var read = await FailsUngatedAsync("SELECT pg_read_file('/etc/passwd')", SqlFailureKind.PermissionDenied);
        Assert.DoesNotContain("root:", read.UserMessage);
        await FailsUngatedAsync("SELECT pg_ls_dir('.')", SqlFailureKind.PermissionDenied);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_19_no_large_object_remains()
    {
        await RefusedByGateAsync("SELECT lo_import('/etc/passwd')", "lo_import() is not allowed");
        await RefusedByGateAsync("SELECT lo_from_bytea(0,'x')", "lo_from_bytea() is not allowed");
        await FailsUngatedAsync("SELECT lo_import('/etc/passwd')", SqlFailureKind.PermissionDenied);
        await FailsUngatedAsync("SELECT lo_from_bytea(0,'x')", SqlFailureKind.PermissionDenied);

        // Where lo_from_bytea may run, read-only does not stop it; the ROLLBACK removes the object.
        var created = await db.Executor.ExecuteUngatedAsync(db.WeakSource, "SELECT lo_from_bytea(0,'x')", db.Limits, default);
        Assert.IsType<long>(created.Rows[0][0]);
        await AssertNothingLeftBehindAsync(db.WeakSource);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_20_copy_to_program_runs_nothing()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"nla-copy-{Guid.NewGuid():N}");
        foreach (var sql in new[] { "COPY (SELECT 1) TO PROGRAM 'id'", $"COPY (SELECT 1) TO PROGRAM 'touch {marker}'" })
        {
            await RefusedByGateAsync(sql, "COPY is not allowed");
            await FailsUngatedAsync(sql, Refused);
        }
        Assert.False(File.Exists(marker));
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_21_dblink_exec_cannot_write_anywhere()
    {
        const string sql = "SELECT dblink_exec('host=127.0.0.1 dbname=postgres user=postgres password=hunter2-secret', 'INSERT INTO shop.t VALUES (-1, ''x'')')";
        var refused = await RefusedByGateAsync(sql, "dblink_exec() is not allowed", logged: "dblink_exec(");
        // dblink is not installed on an exposed database; the function does not even exist for the role.
        var failure = await FailsUngatedAsync(sql, [SqlFailureKind.Semantic, SqlFailureKind.PermissionDenied], logged: "dblink_exec(");
        Assert.DoesNotContain("hunter2-secret", failure.UserMessage + refused.UserMessage);
        Assert.DoesNotContain(db.Log.Entries, e => e.Message.Contains("hunter2-secret", StringComparison.Ordinal));
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_22_an_endless_do_block_is_stopped_by_the_timeout()
    {
        const string sql = "DO $$BEGIN LOOP END LOOP; END$$";
        await RefusedByGateAsync(sql, "Code blocks (DO) are not allowed");
        var stopped = await FailsUngatedAsync(sql, SqlFailureKind.Timeout);
        Assert.StartsWith("The query ran longer than 2 s and was stopped", stopped.UserMessage);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_23_notify_is_never_delivered_and_lock_table_is_refused()
    {
        await using var listener = new NpgsqlConnection(db.SuperuserConnectionString);
        await listener.OpenAsync();
        var received = 0;
        listener.Notification += (_, _) => Interlocked.Increment(ref received);
        await using (var listen = new NpgsqlCommand("LISTEN x", listener))
            await listen.ExecuteNonQueryAsync();

        await RefusedByGateAsync("NOTIFY x", "NOTIFY is not allowed");
        // Read-only does not stop NOTIFY, but notifications are only sent at COMMIT, and there is none.
        var result = await db.Executor.ExecuteUngatedAsync(db.Source, "NOTIFY x", db.Limits, default);
        Assert.Empty(result.Rows);
        await listener.WaitAsync(TimeSpan.FromMilliseconds(700));
        Assert.Equal(0, received);

        await RefusedByGateAsync("LOCK TABLE t", "LOCK is not allowed");
        await FailsUngatedAsync("LOCK TABLE t", Refused);
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 't' AND c.relnamespace = 'shop'::regnamespace"));
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_24_tables_outside_the_exposed_schemas_are_permission_denied()
    {
        // The gate does not know the exposed schemas: the app's own tables are refused by the role.
        var viaGate = await FailsGatedAsync("SELECT * FROM app.secrets");
        Assert.Equal(SqlFailureKind.PermissionDenied, viaGate.Kind);
        Assert.Contains("permission denied for schema app", viaGate.UserMessage);
        await FailsUngatedAsync("SELECT * FROM app.secrets", SqlFailureKind.PermissionDenied);

        await RefusedByGateAsync("SELECT * FROM pg_authid", "System catalogs and views (pg_authid)");
        await RefusedByGateAsync("SELECT rolpassword FROM pg_catalog.pg_authid", "System catalogs (pg_catalog)");
        var authid = await FailsUngatedAsync("SELECT rolpassword FROM pg_authid", SqlFailureKind.PermissionDenied);
        Assert.DoesNotContain("SCRAM", authid.UserMessage);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_25_a_statement_smuggled_behind_a_comment_is_refused()
    {
        const string sql = "SELECT 1 /* ; */; DROP TABLE t";
        await RefusedByGateAsync(sql, SqlGate.OneStatementMessage);
        var failure = await FailsUngatedAsync(sql, SqlFailureKind.Rejected);
        Assert.Equal(SqlGate.OneStatementMessage, failure.UserMessage);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_31_markup_in_data_comes_back_as_the_same_plain_text()
    {
        var gated = await db.Executor.ExecuteAsync(db.Source, "SELECT bio FROM users WHERE id IN (3, 4) ORDER BY id", db.Limits, default);
        var ungated = await db.Executor.ExecuteUngatedAsync(db.Source, "SELECT bio FROM users WHERE id IN (3, 4) ORDER BY id", db.Limits, default);
        foreach (var result in new[] { gated, ungated })
        {
            Assert.Equal(ExecutionDatabase.XssText, result.Rows[0][0]);
            Assert.Equal(ExecutionDatabase.MarkdownImage, result.Rows[1][0]);
        }
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_32_a_base64_wrapped_recursive_cte_is_bounded_like_attack_9()
    {
        var wrapped = Convert.ToBase64String(Encoding.UTF8.GetBytes("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r"));
        var sql = Encoding.UTF8.GetString(Convert.FromBase64String(wrapped));
        Assert.Equal(SqlFailureKind.Timeout, (await FailsGatedAsync(sql)).Kind);
        await FailsUngatedAsync(sql, SqlFailureKind.Timeout);
        // Wrapped inside the SQL itself it is only a string: decoding it runs nothing.
        var decoded = await db.Executor.ExecuteAsync(db.Source, $"SELECT convert_from(decode('{wrapped}', 'base64'), 'UTF8') AS sql", db.Limits, default);
        Assert.Equal(sql, decoded.Rows[0][0]);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Attack_44_server_settings_and_transaction_ids_are_refused_by_the_gate_and_ids_by_the_role()
    {
        await RefusedByGateAsync("SELECT pg_show_all_settings()", "pg_show_all_settings() is not allowed");
        await RefusedByGateAsync("SELECT name, setting FROM pg_show_all_settings()", "pg_show_all_settings() is not allowed");
        await RefusedByGateAsync("SELECT txid_current()", "txid_current() is not allowed");
        await RefusedByGateAsync("SELECT pg_current_xact_id()", "pg_current_xact_id() is not allowed");
        // Without the gate the role has no EXECUTE on the functions that assign a transaction id.
        await FailsUngatedAsync("SELECT txid_current()", SqlFailureKind.PermissionDenied);
        await FailsUngatedAsync("SELECT pg_current_xact_id()", SqlFailureKind.PermissionDenied);
        await AssertNothingLeftBehindAsync();
    }

    [Fact]
    public async Task Changing_the_roles_own_defaults_is_refused_inside_the_read_only_transaction()
    {
        var failure = await FailsUngatedAsync($"ALTER ROLE {db.Role.RoleName} SET statement_timeout = 0", SqlFailureKind.Rejected);
        Assert.Contains("read-only transaction", failure.UserMessage);
        await FailsUngatedAsync("SET SESSION AUTHORIZATION postgres", Refused);
        await AssertNothingLeftBehindAsync();
    }

    private async Task<SqlFailure> RefusedByGateAsync(string sql, string because, string? logged = null)
    {
        var ex = await Assert.ThrowsAsync<SqlExecutionException>(() => db.Executor.ExecuteAsync(db.Source, sql, db.Limits, default));
        Assert.Equal(SqlFailureKind.Rejected, ex.Failure.Kind);
        Assert.Contains(because, ex.Failure.UserMessage);
        Assert.True(db.Log.HasWarningContaining(logged ?? sql), $"the refusal of {sql} is logged with its SQL");
        return ex.Failure;
    }

    private async Task<SqlFailure> FailsGatedAsync(string sql)
    {
        var ex = await Assert.ThrowsAsync<SqlExecutionException>(() => db.Executor.ExecuteAsync(db.Source, sql, db.Limits, default));
        Assert.True(db.Log.HasWarningContaining(sql), $"the failure of {sql} is logged with its SQL");
        return ex.Failure;
    }

    private Task<SqlFailure> FailsUngatedAsync(string sql, SqlFailureKind kind) => FailsUngatedAsync(sql, [kind]);

    private async Task<SqlFailure> FailsUngatedAsync(string sql, SqlFailureKind[] kinds, DataSource? source = null, string? logged = null)
    {
        var ex = await Assert.ThrowsAsync<SqlExecutionException>(() => db.Executor.ExecuteUngatedAsync(source ?? db.Source, sql, db.Limits, default));
        Assert.True(kinds.Contains(ex.Failure.Kind), $"{sql}: expected {string.Join(" or ", kinds)}, got {ex.Failure.Kind}: {ex.Failure.UserMessage}");
        Assert.True(db.Log.HasWarningContaining(logged ?? sql), $"the failure of {sql} is logged with its SQL");
        return ex.Failure;
    }

    private async Task<NpgsqlConnection> OpenRoleSessionAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.Role.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task<object?> BackendPidAsync(DataSource source) =>
        (await db.Executor.ExecuteUngatedAsync(source, "SELECT pg_backend_pid()", db.Limits, default)).Rows[0][0];

    private async Task AssertNextTransactionIsReadOnlyAndCannotWriteAsync(DataSource source)
    {
        var state = await db.Executor.ExecuteUngatedAsync(source, "SELECT current_setting('transaction_read_only'), current_setting('default_transaction_read_only')", db.Limits, default);
        Assert.Equal(new object?[] { "on", "on" }, state.Rows[0]);
        await FailsUngatedAsync("INSERT INTO shop.t VALUES (-1, 'written')", Refused, source);
    }

    /// <summary>t and the other tables intact, no temp table, large object, advisory lock, advanced sequence or running query; the pooled connection's next transaction is read-only with default settings.</summary>
    private async Task AssertNothingLeftBehindAsync(DataSource? source = null)
    {
        Assert.Equal(ExecutionDatabase.TRows, await db.CountAsync("SELECT count(*) FROM shop.t"));
        Assert.Equal(4, await db.CountAsync("SELECT count(*) FROM shop.users"));
        Assert.Equal(ExecutionDatabase.OrderRows, await db.CountAsync("SELECT count(*) FROM shop.orders"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM pg_class WHERE relpersistence = 't'"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM pg_largeobject_metadata"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
        Assert.Equal(false, await db.ScalarAsync("SELECT is_called FROM shop.s"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM pg_tables WHERE schemaname = 'shop' AND tablename NOT IN ('t', 'users', 'orders', 'tenant_members')"));

        // Cancellation is asynchronous on the server: give a stopped query a moment to finish going.
        var deadline = TimeProvider.System.GetTimestamp();
        while (await db.CountAsync($"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename IN ('{db.Role.RoleName}', '{db.WeakRoleName}') AND state = 'active'") > 0)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(5), "a query of the execution role is still running");
            await Task.Delay(100);
        }

        var state = await db.Executor.ExecuteUngatedAsync(source ?? db.Source,
            "SELECT current_setting('transaction_read_only'), current_setting('default_transaction_read_only'), current_setting('work_mem')", db.Limits, default);
        Assert.Equal(new object?[] { "on", "on", db.DefaultWorkMem }, state.Rows[0]);
    }
}

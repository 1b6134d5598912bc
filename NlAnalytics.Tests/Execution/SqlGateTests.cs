using NlAnalytics.Core.Execution;

namespace NlAnalytics.Tests.Execution;

public sealed class SqlGateTests
{
    private readonly SqlGate _gate = new();

    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("select * from orders where item = 'a; DROP TABLE t'")]
    [InlineData("SELECT 1;")]
    [InlineData("SELECT 1; -- trailing comment")]
    [InlineData("SELECT 1;;")]
    [InlineData("(SELECT 1) UNION ALL (SELECT 2)")]
    [InlineData("VALUES (1), (2)")]
    [InlineData("TABLE orders")]
    [InlineData("WITH x AS (SELECT 1 AS n) SELECT n FROM x")]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 10) SELECT * FROM r")]
    [InlineData("SELECT $$it's; a DROP TABLE t$$ AS s")]
    [InlineData("SELECT $tag$ $$ ; $tag$")]
    [InlineData("SELECT E'it\\'s; DROP TABLE t' AS s")]
    [InlineData("SELECT \"weird;name\" FROM \"select\"")]
    [InlineData("SELECT 1 /* outer /* nested ; */ still comment ; */")]
    [InlineData("SELECT age(now(), date '2020-01-01'), pg_column_size('abc'::text), current_database()")]
    [InlineData("SELECT o.update, o.delete AS insert_count FROM orders o")]
    [InlineData("SELECT substring(item FOR 2) FROM orders")]
    [InlineData("SELECT pg_typeof(1), pg_size_pretty(10::bigint)")]
    [InlineData("SELECT 'pg_sleep(1)' AS text_only, 'FOR UPDATE' AS also_text")]
    [InlineData("SELECT date_trunc('month', ordered_on) AS month, sum(amount) FROM orders GROUP BY 1 ORDER BY 1")]
    public void A_single_read_only_query_passes(string sql) => Assert.Null(_gate.Check(sql));

    [Theory]
    [InlineData("SELECT 1 /* ; */; DROP TABLE t")]
    [InlineData("SELECT 1; DELETE FROM t")]
    [InlineData("SELECT '\\'; DROP TABLE t; --'")]
    [InlineData("SELECT $$x$$; SELECT 2")]
    [InlineData("SELECT 1 -- ; \n; SELECT 2")]
    [InlineData("SELECT \"a\"\";\"; SELECT 2")]
    public void A_second_statement_is_seen_wherever_it_hides(string sql)
    {
        var failure = _gate.Check(sql);
        Assert.NotNull(failure);
        Assert.Equal(SqlFailureKind.Rejected, failure.Kind);
        Assert.Equal("Only one statement can run at a time", failure.UserMessage);
    }

    [Theory]
    [InlineData("DROP TABLE t", "Only SELECT queries can run; DROP is not allowed")]
    [InlineData("delete from t", "Only SELECT queries can run; DELETE is not allowed")]
    [InlineData("COPY (SELECT 1) TO PROGRAM 'id'", "COPY is not allowed")]
    [InlineData("EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN is not available")]
    [InlineData("DO $$BEGIN LOOP END LOOP; END$$", "Code blocks (DO) are not allowed")]
    [InlineData("NOTIFY x", "NOTIFY is not allowed")]
    [InlineData("LOCK TABLE t", "LOCK is not allowed")]
    [InlineData("SET work_mem = '4GB'", "Changing settings (SET) is not allowed")]
    [InlineData("CALL p()", "Calling procedures (CALL) is not allowed")]
    [InlineData("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "Data-modifying statements (DELETE")]
    [InlineData("WITH d AS MATERIALIZED (UPDATE t SET v = 'x' RETURNING *) SELECT * FROM d", "Data-modifying statements (UPDATE")]
    [InlineData("WITH d AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM d", "Data-modifying statements (INSERT")]
    [InlineData("WITH x AS (SELECT 1) MERGE INTO t USING x ON true WHEN MATCHED THEN DELETE", "Data-modifying statements (MERGE")]
    [InlineData("SELECT * INTO copy_of_t FROM t", "SELECT ... INTO creates a table")]
    [InlineData("SELECT 1into x", "SELECT ... INTO creates a table")]
    [InlineData("SELECT * FROM t FOR UPDATE", "Row locking")]
    [InlineData("SELECT * FROM t FOR NO KEY UPDATE", "Row locking")]
    [InlineData("SELECT * FROM t FOR SHARE", "Row locking")]
    [InlineData("SELECT * FROM t for key share", "Row locking")]
    [InlineData("SELECT pg_sleep(600)", "pg_sleep() is not allowed")]
    [InlineData("SELECT PG_SLEEP_FOR('1 minute')", "pg_sleep_for() is not allowed")]
    [InlineData("SELECT \"pg_sleep\"(1)", "pg_sleep() is not allowed")]
    [InlineData("SELECT U&\"pg\\005fsleep\"(1)", "pg_sleep() is not allowed")]
    [InlineData("SELECT set_config('work_mem','4GB',false)", "set_config() is not allowed")]
    [InlineData("SELECT pg_terminate_backend(1)", "pg_terminate_backend() is not allowed")]
    [InlineData("SELECT pg_cancel_backend(1)", "pg_cancel_backend() is not allowed")]
    [InlineData("SELECT pg_try_advisory_lock(1)", "pg_try_advisory_lock() is not allowed")]
    [InlineData("SELECT lo_from_bytea(0,'x')", "lo_from_bytea() is not allowed")]
    [InlineData("SELECT pg_read_binary_file('/etc/passwd')", "pg_read_binary_file() is not allowed")]
    [InlineData("SELECT * FROM pg_ls_dir('.')", "pg_ls_dir() is not allowed")]
    [InlineData("SELECT pg_stat_file('x')", "pg_stat_file() is not allowed")]
    [InlineData("SELECT dblink('x', 'select 1')", "dblink() is not allowed")]
    [InlineData("SELECT setval('s', 1)", "setval() is not allowed")]
    [InlineData("SELECT pg_reload_conf()", "pg_reload_conf() is not allowed")]
    [InlineData("SELECT query_to_xml('select pg_sleep(100)', true, false, '')", "query_to_xml() is not allowed")]
    [InlineData("SELECT * FROM pg_catalog.pg_authid", "System catalogs (pg_catalog)")]
    [InlineData("SELECT * FROM information_schema.tables", "System catalogs (information_schema)")]
    [InlineData("SELECT query FROM pg_stat_activity", "System catalogs and views (pg_stat_activity)")]
    [InlineData("TABLE pg_authid", "System catalogs and views (pg_authid)")]
    [InlineData("SELECT 'unterminated", "string literal that is never closed")]
    [InlineData("SELECT 1 /* open", "comment that is never closed")]
    [InlineData("SELECT $x$ open", "never closed")]
    [InlineData("", "There is no SQL to run")]
    [InlineData("  -- only a comment", "There is no SQL to run")]
    [InlineData("SELECT current_setting('work_mem')", "current_setting() is not allowed")]
    public void Anything_else_is_refused_with_a_clear_message(string sql, string message)
    {
        var failure = _gate.Check(sql);
        Assert.NotNull(failure);
        Assert.Contains(message, failure.UserMessage);
    }

    [Fact]
    public void An_unclosed_string_is_reported_as_a_syntax_problem_with_its_position()
    {
        var failure = _gate.Check("SELECT a, 'oops FROM t");
        Assert.NotNull(failure);
        Assert.Equal(SqlFailureKind.Syntax, failure.Kind);
        Assert.Contains("at character 11", failure.UserMessage);
    }

    [Theory]
    [InlineData("SELEC * FROM t")]
    [InlineData("SLECT count(*) FROM t")]
    [InlineData("selct 1")]
    public void A_misspelt_first_word_is_left_to_the_database_whose_syntax_error_says_where(string sql) => Assert.Null(_gate.Check(sql));

    [Theory]
    [InlineData("SELEC 1; DROP TABLE t", "Only one statement")]
    [InlineData("SELEC pg_sleep(600)", "pg_sleep() is not allowed")]
    [InlineData("VACUUM t", "VACUUM is not allowed")]
    [InlineData("DISCARD ALL", "DISCARD is not allowed")]
    public void A_misspelt_first_word_still_meets_every_other_check_and_real_statements_stay_refused(string sql, string message) =>
        Assert.Contains(message, _gate.Check(sql)!.UserMessage);

    /// <summary>Attack 44: the server's own functions pass only from an allow list, not because a deny list forgot them.</summary>
    [Theory]
    [InlineData("SELECT pg_show_all_settings()", "pg_show_all_settings()")]
    [InlineData("SELECT * FROM pg_show_all_settings()", "pg_show_all_settings()")]
    [InlineData("SELECT txid_current()", "txid_current()")]
    [InlineData("SELECT pg_current_xact_id()", "pg_current_xact_id()")]
    [InlineData("SELECT txid_current_snapshot()", "txid_current_snapshot()")]
    [InlineData("SELECT version()", "version()")]
    [InlineData("SELECT current_query()", "current_query()")]
    [InlineData("SELECT inet_server_addr(), inet_server_port()", "inet_server_addr()")]
    [InlineData("SELECT pg_backend_pid()", "pg_backend_pid()")]
    [InlineData("SELECT pg_postmaster_start_time()", "pg_postmaster_start_time()")]
    [InlineData("SELECT pg_get_viewdef('v'::regclass)", "pg_get_viewdef()")]
    [InlineData("SELECT pg_database_size('postgres')", "pg_database_size()")]
    [InlineData("SELECT has_table_privilege('t', 'select')", "has_table_privilege()")]
    [InlineData("SELECT to_regclass('pg_authid')", "to_regclass()")]
    [InlineData("SELECT brin_summarize_new_values('i'::regclass)", "brin_summarize_new_values()")]
    [InlineData("SELECT obj_description(1)", "obj_description()")]
    [InlineData("SELECT \"TXID_CURRENT\"()", "txid_current()")]
    public void System_functions_outside_the_allow_list_are_refused(string sql, string function)
    {
        var failure = _gate.Check(sql);
        Assert.NotNull(failure);
        Assert.Equal(SqlFailureKind.Rejected, failure.Kind);
        Assert.Contains($"The function {function} is not allowed", failure.UserMessage);
    }
}

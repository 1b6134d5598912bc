using System.Collections.Frozen;

namespace NlAnalytics.Core.Execution;

/// <summary>
/// Refuses, before anything reaches the database, SQL that is not a single read-only query, with a
/// message the SQL writer can act on. It works on tokens, not regular expressions, so comments, strings
/// and quoted names cannot hide a second statement. It is a courtesy, not the boundary: the execution
/// role and the read-only, always rolled back transaction are what actually hold.
/// </summary>
public sealed class SqlGate : ISqlGate
{
    public const string OneStatementMessage = "Only one statement can run at a time";

    private static readonly FrozenSet<string> QueryStarts = FrozenSet.Create("select", "with", "values", "table");

    /// <summary>
    /// Every statement PostgreSQL knows starts with one of these (its SQL Commands reference). A first word
    /// outside them is a typo ("SELEC"): the database's own syntax error says where, better than a refusal.
    /// </summary>
    private static readonly FrozenSet<string> StatementWords = FrozenSet.Create(
        "abort", "alter", "analyze", "analyse", "begin", "call", "checkpoint", "close", "cluster", "comment", "commit", "copy", "create",
        "deallocate", "declare", "delete", "discard", "do", "drop", "end", "execute", "explain", "fetch", "grant", "import", "insert",
        "listen", "load", "lock", "merge", "move", "notify", "prepare", "reassign", "refresh", "reindex", "release", "reset", "revoke",
        "rollback", "savepoint", "security", "select", "set", "show", "start", "table", "truncate", "unlisten", "update", "vacuum",
        "values", "with");

    private static readonly FrozenSet<string> DataModifyingWords = FrozenSet.Create("insert", "update", "delete", "merge", "truncate");

    private static readonly FrozenSet<string> LockingStrengthWords = FrozenSet.Create("update", "share", "no", "key");

    /// <summary>Statement starters with a specific explanation; any other non-query starter gets the generic one.</summary>
    private static readonly FrozenDictionary<string, string> StarterMessages = new Dictionary<string, string>
    {
        ["copy"] = "COPY is not allowed: it reads and writes files and programs on the server. Write a SELECT query instead",
        ["explain"] = "EXPLAIN is not available here; send the SELECT query itself",
        ["do"] = "Code blocks (DO) are not allowed; write a single SELECT query",
        ["notify"] = "NOTIFY is not allowed; write a single SELECT query",
        ["listen"] = "LISTEN is not allowed; write a single SELECT query",
        ["lock"] = "LOCK is not allowed; read-only queries never need explicit locks",
        ["set"] = "Changing settings (SET) is not allowed; write a single SELECT query",
        ["reset"] = "Changing settings (RESET) is not allowed; write a single SELECT query",
        ["call"] = "Calling procedures (CALL) is not allowed; write a single SELECT query",
    }.ToFrozenDictionary();

    /// <summary>Functions with side effects outside the query, or that run SQL text the gate never sees.</summary>
    private static readonly FrozenSet<string> DeniedFunctions = FrozenSet.Create(
        "set_config", "pg_terminate_backend", "pg_cancel_backend", "pg_read_file", "pg_read_binary_file", "pg_ls_dir",
        "pg_stat_file", "nextval", "setval", "pg_reload_conf", "pg_rotate_logfile", "pg_notify", "loread", "lowrite",
        "pg_stat_get_activity", "pg_stat_get_backend_activity", "pg_export_snapshot", "pg_logical_emit_message",
        "pg_promote", "pg_switch_wal", "pg_create_restore_point", "ts_stat", "ts_rewrite", "pg_log_backend_memory_contexts");

    private static readonly string[] DeniedFunctionPrefixes =
    [
        "pg_sleep", "pg_advisory", "pg_try_advisory", "lo_", "dblink", "pg_ls_", "pg_file_", "pg_stat_reset",
        "query_to_xml", "cursor_to_xml", "table_to_xml", "schema_to_xml", "database_to_xml",
        "pg_replication_", "pg_create_", "pg_drop_replication", "pg_logical_slot", "pg_wal_replay", "pg_backup_",
    ];

    private static readonly string[] SystemFunctionPrefixes = ["pg_", "txid_", "has_", "to_reg", "brin_", "gin_", "inet_client_", "inet_server_"];

    private static readonly FrozenSet<string> SystemFunctions = FrozenSet.Create(
        "current_setting", "current_query", "current_schemas", "version", "acldefault", "aclexplode", "makeaclitem",
        "row_security_active", "format_type", "col_description", "obj_description", "shobj_description", "set_config",
        "system_user");

    /// <summary>System functions that only describe the value they are given, or the caller's own database and name.</summary>
    private static readonly FrozenSet<string> AllowedSystemFunctions = FrozenSet.Create(
        "pg_typeof", "pg_size_pretty", "pg_size_bytes", "pg_column_size", "current_database", "current_schema");

    public SqlFailure? Check(string sql)
    {
        List<SqlToken> tokens;
        try
        {
            tokens = SqlLexer.Tokenize(sql);
        }
        catch (SqlLexerException ex)
        {
            return new SqlFailure(SqlFailureKind.Syntax, $"{ex.Message} (at character {ex.Position + 1})");
        }

        var statements = SplitStatements(tokens);
        if (statements.Count == 0)
            return Reject("There is no SQL to run");
        if (statements.Count > 1)
            return Reject(OneStatementMessage);
        return CheckStatement(statements[0]);
    }

    private static List<List<SqlToken>> SplitStatements(List<SqlToken> tokens)
    {
        var statements = new List<List<SqlToken>>();
        var current = new List<SqlToken>();
        foreach (var token in tokens)
        {
            if (token.Kind == SqlTokenKind.Semicolon)
            {
                // "SELECT 1;" and "SELECT 1;;" are one statement: empty statements do nothing.
                if (current.Count > 0)
                    statements.Add(current);
                current = [];
            }
            else
            {
                current.Add(token);
            }
        }
        if (current.Count > 0)
            statements.Add(current);
        return statements;
    }

    private static SqlFailure? CheckStatement(List<SqlToken> tokens)
    {
        var first = tokens.FirstOrDefault(t => !t.IsPunctuation('('));
        var misspelt = first.Kind == SqlTokenKind.Word && !StatementWords.Contains(first.Text);
        if (!misspelt && (first.Kind != SqlTokenKind.Word || !QueryStarts.Contains(first.Text)))
        {
            var starter = first.Kind == SqlTokenKind.Word ? first.Text : null;
            if (starter is not null && StarterMessages.TryGetValue(starter, out var message))
                return Reject(message);
            return Reject(starter is null
                ? "Only SELECT queries can run; this statement does not start with SELECT or WITH"
                : $"Only SELECT queries can run; {starter.ToUpperInvariant()} is not allowed");
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var previous = i > 0 ? tokens[i - 1] : default;
            var next = i + 1 < tokens.Count ? tokens[i + 1] : default;
            // After "." or AS a keyword is just a column or alias name (t.update, AS delete).
            var isBareKeyword = token.Kind == SqlTokenKind.Word && !previous.IsPunctuation('.') && !previous.IsWord("as");

            if (isBareKeyword && token.Text == "for" && next.Kind == SqlTokenKind.Word && LockingStrengthWords.Contains(next.Text))
                return Reject("Row locking (FOR UPDATE, FOR SHARE, FOR NO KEY UPDATE, FOR KEY SHARE) is not allowed in a read-only query");
            if (isBareKeyword && DataModifyingWords.Contains(token.Text))
                return Reject($"Data-modifying statements ({token.Text.ToUpperInvariant()}, also inside WITH) are not allowed; only read-only SELECT queries can run");
            if (isBareKeyword && token.Text == "into")
                return Reject("SELECT ... INTO creates a table and is not allowed; return the rows with a plain SELECT");
            if (isBareKeyword && token.Text == "uescape")
                return Reject("UESCAPE is not supported; write names and strings without custom Unicode escapes");

            if (!token.IsName)
                continue;
            var name = token.Kind == SqlTokenKind.Word ? token.Text : token.Text.ToLowerInvariant();
            var isCall = next.IsPunctuation('(');
            if (isCall && IsSystemFunction(name) && !AllowedSystemFunctions.Contains(name))
                return Reject($"The function {name}() is not allowed: it reads or changes the server's own state, not the exposed data");
            if (isCall && IsDeniedFunction(name))
                return Reject($"The function {name}() is not allowed: it has effects outside a read-only query");
            if (name is "pg_catalog" or "information_schema")
                return Reject($"System catalogs ({name}) are not available; query the tables of the exposed schemas");
            if (!isCall && name.StartsWith("pg_", StringComparison.Ordinal) && !previous.IsPunctuation('.'))
                return Reject($"System catalogs and views ({name}) are not available; query the tables of the exposed schemas");
        }
        return null;
    }

    private static bool IsDeniedFunction(string name)
    {
        if (IsSystemFunction(name))
            return !AllowedSystemFunctions.Contains(name);
        if (DeniedFunctions.Contains(name))
            return true;
        foreach (var prefix in DeniedFunctionPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>
    /// The server's own functions (PostgreSQL's "System Information" and "System Administration" chapters): settings,
    /// sessions, transaction ids, files, sizes, privileges, object definitions. An allow list, because a new release
    /// adds more of them and a deny list silently lets each new one through (pg_show_all_settings, txid_current did).
    /// </summary>
    private static bool IsSystemFunction(string name)
    {
        if (SystemFunctions.Contains(name))
            return true;
        foreach (var prefix in SystemFunctionPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
                return true;
        }
        return false;
    }
    private static SqlFailure Reject(string message) => new(SqlFailureKind.Rejected, message);
}

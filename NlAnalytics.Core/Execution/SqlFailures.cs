using System.Globalization;
using Npgsql;

namespace NlAnalytics.Core.Execution;

/// <summary>
/// Turns what PostgreSQL and Npgsql report into a <see cref="SqlFailure"/>. PostgreSQL's own wording is
/// kept where it helps the SQL writer correct itself (unknown table or column, syntax position);
/// everything is scrubbed of credentials.
/// </summary>
internal static class SqlFailures
{
    public static SqlFailure FromPostgres(PostgresException ex, string sql, QueryLimits limits, string connectionString)
    {
        var message = Scrub(ex.MessageText, connectionString);
        var hint = string.IsNullOrWhiteSpace(ex.Hint) ? "" : $" Hint: {Scrub(ex.Hint, connectionString)}";
        return ex.SqlState switch
        {
            PostgresErrorCodes.QueryCanceled when ex.MessageText.Contains("statement timeout", StringComparison.OrdinalIgnoreCase)
                => Timeout(limits, ex.SqlState),
            PostgresErrorCodes.QueryCanceled => new SqlFailure(SqlFailureKind.Cancelled, "The query was cancelled", ex.SqlState),
            PostgresErrorCodes.LockNotAvailable => new SqlFailure(SqlFailureKind.Timeout, "The query waited too long for a lock and was stopped", ex.SqlState),
            PostgresErrorCodes.ConfigurationLimitExceeded => new SqlFailure(SqlFailureKind.Timeout,
                $"The query needed more temporary disk space than allowed and was stopped ({message}). Aggregate or filter earlier so less has to be sorted or kept", ex.SqlState),
            PostgresErrorCodes.InsufficientPrivilege => new SqlFailure(SqlFailureKind.PermissionDenied,
                $"Not allowed: {message}. The query role can only read the tables of the exposed schemas", ex.SqlState),
            PostgresErrorCodes.ReadOnlySqlTransaction => new SqlFailure(SqlFailureKind.Rejected,
                $"Not allowed: {message}. Only read-only queries can run", ex.SqlState),
            PostgresErrorCodes.SyntaxError when ex.MessageText.Contains("multiple commands", StringComparison.OrdinalIgnoreCase)
                => new SqlFailure(SqlFailureKind.Rejected, SqlGate.OneStatementMessage, ex.SqlState),
            PostgresErrorCodes.SyntaxError => new SqlFailure(SqlFailureKind.Syntax, $"Syntax error: {message}{Position(ex.Position, sql)}{hint}", ex.SqlState),
            PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName
                or PostgresErrorCodes.TooManyConnections => new SqlFailure(SqlFailureKind.Connection, $"Could not connect to the data source: {message}", ex.SqlState),
            _ when ex.SqlState.StartsWith("08", StringComparison.Ordinal) || ex.SqlState.StartsWith("57P", StringComparison.Ordinal)
                => new SqlFailure(SqlFailureKind.Connection, $"The connection to the data source failed: {message}", ex.SqlState),
            // Class 42 (undefined table, column, function; grouping; ambiguity) and class 22 (bad data):
            // PostgreSQL's message is exactly what the writer needs to correct itself.
            _ when ex.SqlState.StartsWith("42", StringComparison.Ordinal) || ex.SqlState.StartsWith("22", StringComparison.Ordinal)
                => new SqlFailure(SqlFailureKind.Semantic, $"{message}{Position(ex.Position, sql)}{hint}", ex.SqlState),
            _ => new SqlFailure(SqlFailureKind.Other, $"The query failed: {message}{hint}", ex.SqlState),
        };
    }

    public static SqlFailure FromNpgsql(NpgsqlException ex, QueryLimits limits, string connectionString) => ex.InnerException switch
    {
        TimeoutException => Timeout(limits, null),
        _ => new SqlFailure(SqlFailureKind.Connection, $"The data source could not be reached: {Scrub(ex.Message, connectionString)}"),
    };

    public static SqlFailure Timeout(QueryLimits limits, string? sqlState) => new(
        SqlFailureKind.Timeout,
        $"The query ran longer than {limits.EffectiveTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s and was stopped. Filter or aggregate more so it finishes sooner",
        sqlState);

    public static SqlFailure Cancelled() => new(SqlFailureKind.Cancelled, "The query was cancelled");

    private static string Scrub(string text, string connectionString) => SecretScrubber.Scrub(text, connectionString);

    /// <summary>PostgreSQL reports a 1-based character position; show it with the line and a little context.</summary>
    private static string Position(int position, string sql)
    {
        if (position <= 0 || position > sql.Length + 1)
            return "";
        var index = position - 1;
        var line = 1 + sql.AsSpan(0, Math.Min(index, sql.Length)).Count('\n');
        var start = Math.Max(0, index - 20);
        var end = Math.Min(sql.Length, index + 20);
        var context = sql[start..end].ReplaceLineEndings(" ");
        return $" (at character {position}, line {line}: \"{context}\")";
    }
}

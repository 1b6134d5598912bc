using System.Collections.Concurrent;
using System.Data;
using System.Globalization;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Data;
using Npgsql;

namespace NlAnalytics.Core.Execution;

/// <summary>
/// Runs analyst SQL as the data source's restricted role: <c>BEGIN READ ONLY</c>, a local statement
/// timeout, the one statement, at most <see cref="QueryLimits.MaxRows"/> rows streamed off the wire, then
/// always <c>ROLLBACK</c> (a COMMIT would let session changes such as set_config survive on the pooled
/// connection), then <c>DISCARD ALL</c> so session-level leftovers such as advisory locks are gone before
/// the call returns; Npgsql's reset-on-close stays on as well.
/// </summary>
public sealed partial class SqlExecutor(ISqlGate gate, TimeProvider timeProvider, ILogger<SqlExecutor> logger) : ISqlExecutor, IAsyncDisposable
{
    /// <summary>One cell's text beyond this is cut: a single multi-gigabyte value must not fill the app's memory.</summary>
    internal const int MaxValueChars = 65_536;

    /// <summary>The whole result's text beyond this stops the read like the row cap does.</summary>
    internal const long MaxResultChars = 32L * 1024 * 1024;

    internal const string ValueCutMarker = "… [value cut]";

    /// <summary>Connections per data source for analyst SQL, unless its connection string sets Maximum Pool Size: above Analyst:MaxConcurrentAnswers (8), well below the app database's pool and max_connections.</summary>
    public const int QueryPoolSize = 10;

    /// <summary>Whether a connection string chooses its own pool size (then it is kept).</summary>
    public static bool MentionsPoolSize(string connectionString) =>
        connectionString.Contains("Max Pool Size", StringComparison.OrdinalIgnoreCase) || connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)
        || connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase);

    /// <summary>Extra seconds Npgsql waits beyond the server-side statement timeout before it gives up on its own.</summary>
    private const int BackstopSeconds = 5;

    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _dataSources = new(StringComparer.Ordinal);

    public async Task<QueryResult> ExecuteAsync(DataSource source, string sql, QueryLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sql);
        if (gate.Check(sql) is { } refusal)
        {
            LogRefused(logger, source.Name, refusal.UserMessage, SecretScrubber.Scrub(sql, source.QueryConnectionString));
            throw new SqlExecutionException(refusal);
        }
        return await ExecuteUngatedAsync(source, sql, limits, cancellationToken);
    }

    /// <summary>Skips the gate so tests can prove the role and the transaction hold on their own.</summary>
    internal async Task<QueryResult> ExecuteUngatedAsync(DataSource source, string sql, QueryLimits limits, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.MaxRows);
        limits = limits.For(source);
        var started = timeProvider.GetTimestamp();
        try
        {
            var result = await RunAsync(source, sql, limits, started, cancellationToken);
            LogExecuted(logger, source.Name, result.Rows.Count, result.Truncated, (long)result.Elapsed.TotalMilliseconds);
            return result;
        }
        catch (Exception ex) when (ToFailure(ex, sql, limits, source.QueryConnectionString, cancellationToken) is { } failure)
        {
            var scrubbed = failure with { UserMessage = SecretScrubber.Scrub(failure.UserMessage, source.QueryConnectionString) };
            LogFailed(logger, source.Name, scrubbed.Kind, scrubbed.SqlState ?? "-", scrubbed.UserMessage, SecretScrubber.Scrub(sql, source.QueryConnectionString));
            throw new SqlExecutionException(scrubbed, ex);
        }
    }

    private async Task<QueryResult> RunAsync(DataSource source, string sql, QueryLimits limits, long started, CancellationToken cancellationToken)
    {
        var timeoutMs = Math.Max(1, (long)limits.EffectiveTimeout.TotalMilliseconds);
        await using var connection = await BeginAsync(source, timeoutMs, cancellationToken);
        try
        {
            await EnsureSingleStatementAsync(connection, sql, cancellationToken);

            await using var query = new NpgsqlCommand(sql, connection)
            {
                // Text format for every column: any type comes back showable (see PostgresText), and
                // a long value can be streamed and cut instead of materialised whole.
                AllResultTypesAreUnknown = true,
                CommandTimeout = (int)Math.Ceiling(timeoutMs / 1000.0) + BackstopSeconds,
            };
            return await ReadAsync(query, limits, started, cancellationToken);
        }
        finally
        {
            await RollbackAsync(connection);
        }
    }

    /// <summary>
    /// A pooled connection in a read-only transaction. A restart of the source's server (or an administrator's
    /// pg_terminate_backend) leaves the pool's idle connections dead, and each would fail one answer with "terminating
    /// connection due to administrator command": when BEGIN meets a connection lost that way, nothing of the query has run,
    /// so the pool is cleared and BEGIN is tried once more on a new connection.
    /// </summary>
    private async Task<NpgsqlConnection> BeginAsync(DataSource source, long timeoutMs, CancellationToken cancellationToken)
    {
        var pool = DataSourceFor(source.QueryConnectionString);
        for (var attempt = 1; ; attempt++)
        {
            var connection = await pool.OpenConnectionAsync(cancellationToken);
            try
            {
                await using var begin = new NpgsqlBatch(connection)
                {
                    BatchCommands =
                    {
                        new("BEGIN READ ONLY"),
                        new($"SET LOCAL statement_timeout = {timeoutMs.ToString(CultureInfo.InvariantCulture)}"),
                        // Values are read as PostgreSQL text and parsed here; pin the formats the parser expects.
                        new("SET LOCAL DateStyle = 'ISO, YMD'"),
                        new("SET LOCAL TimeZone = 'UTC'"),
                    },
                };
                await begin.ExecuteNonQueryAsync(cancellationToken);
                return connection;
            }
            catch (Exception ex) when (attempt == 1 && IsLostPooledConnection(ex, connection))
            {
                await connection.DisposeAsync();
                pool.Clear();
                LogReconnecting(logger, source.Name, (ex as PostgresException)?.SqlState ?? ex.GetType().Name);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>The server ended the connection (shutdown, crash, terminate) while it sat in the pool.</summary>
    private static bool IsLostPooledConnection(Exception ex, NpgsqlConnection connection) =>
        (connection.FullState.HasFlag(ConnectionState.Broken) || connection.State == ConnectionState.Closed)
        && ex is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow }
            or NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or EndOfStreamException };

    /// <summary>
    /// Parses (without running) the SQL as one batch command: Npgsql refuses a batch command holding
    /// several statements, and PostgreSQL refuses a Parse message holding several ("cannot insert multiple
    /// commands into a prepared statement"). So the one-statement rule holds even with the gate bypassed,
    /// and "SELECT 1; COMMIT; SET ..." can never step outside the read-only transaction.
    /// </summary>
    private static async Task EnsureSingleStatementAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var parse = new NpgsqlBatch(connection) { BatchCommands = { new(sql) } };
        try
        {
            await using var schema = await parse.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
        }
        catch (NotSupportedException ex) when (ex.Message.Contains("multiple SQL statements", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqlExecutionException(new SqlFailure(SqlFailureKind.Rejected, SqlGate.OneStatementMessage), ex);
        }
    }

    private async Task<QueryResult> ReadAsync(NpgsqlCommand query, QueryLimits limits, long started, CancellationToken cancellationToken)
    {
        var reader = await query.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        var truncated = false;
        try
        {
            var columns = new ResultColumn[reader.FieldCount];
            var typeOids = new uint[reader.FieldCount];
            for (var i = 0; i < columns.Length; i++)
            {
                columns[i] = new ResultColumn(reader.GetName(i), reader.GetDataTypeName(i));
                typeOids[i] = reader.GetDataTypeOID(i);
            }

            var rows = new List<object?[]>();
            var charsLeft = MaxResultChars;
            var buffer = new char[MaxValueChars + 1];
            while (await reader.ReadAsync(cancellationToken))
            {
                if (rows.Count >= limits.MaxRows || charsLeft <= 0)
                {
                    truncated = true;
                    break;
                }
                var row = new object?[columns.Length];
                for (var i = 0; i < row.Length; i++)
                {
                    if (await reader.IsDBNullAsync(i, cancellationToken))
                        continue;
                    var (text, cut) = await ReadTextAsync(reader, i, buffer, cancellationToken);
                    charsLeft -= text.Length;
                    row[i] = cut ? text + ValueCutMarker : PostgresText.ToClr(typeOids[i], text);
                }
                rows.Add(row);
            }

            if (truncated)
            {
                // More rows are on their way: ask the server to stop producing them instead of draining the rest.
                query.Cancel();
            }
            return new QueryResult(columns, rows, truncated, timeProvider.GetElapsedTime(started));
        }
        finally
        {
            try
            {
                await reader.DisposeAsync();
            }
            catch (PostgresException ex) when (truncated && ex.SqlState == PostgresErrorCodes.QueryCanceled)
            {
                // The cancellation we asked for after the row cap.
            }
        }
    }

    private static async Task<(string Text, bool Cut)> ReadTextAsync(NpgsqlDataReader reader, int ordinal, char[] buffer, CancellationToken cancellationToken)
    {
        using var textReader = await reader.GetTextReaderAsync(ordinal, cancellationToken);
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await textReader.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
                break;
            read += n;
        }
        // The rest of an over-long value is skipped on the wire when the reader moves on.
        return read > MaxValueChars ? (new string(buffer, 0, MaxValueChars), true) : (new string(buffer, 0, read), false);
    }

    private static async Task RollbackAsync(NpgsqlConnection connection)
    {
        if (connection.State != ConnectionState.Open)
            return;
        try
        {
            await using (var rollback = new NpgsqlCommand("ROLLBACK", connection))
                await rollback.ExecuteNonQueryAsync(CancellationToken.None);
            // Npgsql's own reset is sent lazily with the connection's next use; until then a session-level
            // advisory lock or setting would live on in the pool. Discard it now.
            await using (var discard = new NpgsqlCommand("DISCARD ALL", connection))
                await discard.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection broke; Npgsql does not return a broken connection to the pool, so nothing survives.
        }
    }

    private static SqlFailure? ToFailure(Exception ex, string sql, QueryLimits limits, string connectionString, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => SqlFailures.Cancelled(),
        SqlExecutionException refused => refused.Failure,
        PostgresException postgres => SqlFailures.FromPostgres(postgres, sql, limits, connectionString),
        NpgsqlException npgsql => SqlFailures.FromNpgsql(npgsql, limits, connectionString),
        TimeoutException => SqlFailures.Timeout(limits, null),
        _ => null,
    };

    private NpgsqlDataSource DataSourceFor(string connectionString) =>
        _dataSources.GetOrAdd(connectionString, static cs => new Lazy<NpgsqlDataSource>(() => Build(cs))).Value;

    private static NpgsqlDataSource Build(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Reset-on-close runs DISCARD ALL when a connection returns to the pool: session state a query
            // managed to create (advisory locks, settings, prepared statements) does not reach the next query.
            NoResetOnClose = false,
            Multiplexing = false,
            Enlist = false,
        };
        // Npgsql's default of 100 per source, next to the app database's pool, could ask PostgreSQL for more
        // connections than max_connections allows ("too many clients"). Answers are capped well below this anyway.
        if (!MentionsPoolSize(connectionString))
            builder.MaxPoolSize = QueryPoolSize;
        if (string.IsNullOrEmpty(builder.ApplicationName))
            builder.ApplicationName = "NlAnalytics query";
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _dataSources.Values)
        {
            if (lazy.IsValueCreated)
                await lazy.Value.DisposeAsync();
        }
        _dataSources.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQL refused by the gate on data source {DataSource}: {Reason}. SQL: {Sql}")]
    private static partial void LogRefused(ILogger logger, string dataSource, string reason, string sql);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQL failed on data source {DataSource} ({Kind}, SQLSTATE {SqlState}): {Reason}. SQL: {Sql}")]
    private static partial void LogFailed(ILogger logger, string dataSource, SqlFailureKind kind, string sqlState, string reason, string sql);

    [LoggerMessage(Level = LogLevel.Information, Message = "A pooled connection to data source {DataSource} was closed by the server ({Reason}): the pool is cleared and the query runs on a new connection")]
    private static partial void LogReconnecting(ILogger logger, string dataSource, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SQL ran on data source {DataSource}: {Rows} rows (truncated: {Truncated}) in {ElapsedMs} ms")]
    private static partial void LogExecuted(ILogger logger, string dataSource, int rows, bool truncated, long elapsedMs);
}

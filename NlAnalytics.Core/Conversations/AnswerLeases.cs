using Microsoft.Extensions.Logging;
using Npgsql;
using NlAnalytics.Core.Hosting;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// Tells whether an answer stored as running has a live runner anywhere. While an answer runs, this
/// instance holds a session-level advisory lock keyed on its message, on one unpooled connection of its own:
/// a crash or a kill -9 closes that connection and PostgreSQL releases its locks with it, so after a
/// restart (of this instance or any other on the same database) a lock that can be taken means nobody
/// is answering that message any more.
/// </summary>
public sealed partial class AnswerLeases(PlatformDatabases databases, ILogger<AnswerLeases> logger) : IAsyncDisposable
{
    /// <summary>The first key of every lock ("NLA"): keeps these locks apart from any other advisory lock on the database.</summary>
    private const int LockClass = 0x4E4C41;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<Guid> _held = [];
    private NpgsqlConnection? _connection;

    /// <summary>
    /// Marks the message as answered here (again: a no-op, as one release must end it). Best effort: without the
    /// database the answer runs anyway (and fails on its own).
    /// </summary>
    public async Task HoldAsync(Guid messageId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_held.Add(messageId))
                return;
            if (_connection is null)
                await ReconnectAsync(cancellationToken);
            else
                await ExecuteAsync("SELECT pg_advisory_lock(@c, @k)", messageId, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogLeaseLost(logger, ex);
            await DropConnectionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The answer ended here.</summary>
    public async Task ReleaseAsync(Guid messageId)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_held.Remove(messageId) || _connection is null)
                return;
            await ExecuteAsync("SELECT pg_advisory_unlock(@c, @k)", messageId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogLeaseLost(logger, ex);
            await DropConnectionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Of <paramref name="messageIds"/> (stored as running or waiting), those nobody is answering: not this
    /// instance, and no other instance holds their lock.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> WithoutLiveRunnerAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken)
    {
        if (messageIds.Count == 0)
            return [];
        await _gate.WaitAsync(cancellationToken);
        try
        {
            try
            {
                return await TryLocksAsync(messageIds, cancellationToken);
            }
            catch (NpgsqlException ex) when (_connection is not null)
            {
                // The lease session died with an outage of the app database: a new one takes our locks again first.
                LogLeaseLost(logger, ex);
                await DropConnectionAsync();
                await ReconnectAsync(cancellationToken);
                return await TryLocksAsync(messageIds, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<Guid>> TryLocksAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken)
    {
        _connection ??= await OpenAsync(cancellationToken);
        var orphans = new List<Guid>();
        foreach (var id in messageIds.Where(id => !_held.Contains(id)))
        {
            // Taken at once: nobody holds it. Given back straight away (a session lock taken twice would need two unlocks).
            if (await ExecuteAsync("SELECT pg_try_advisory_lock(@c, @k)", id, cancellationToken) is true)
            {
                await ExecuteAsync("SELECT pg_advisory_unlock(@c, @k)", id, cancellationToken);
                orphans.Add(id);
            }
        }
        return orphans;
    }

    public async ValueTask DisposeAsync()
    {
        await DropConnectionAsync();
        _gate.Dispose();
    }

    /// <summary>The second key: 32 bits of the message id (a version-7 GUID's random tail). A collision only keeps a dead answer "running" until the next restart.</summary>
    internal static int Key(Guid messageId)
    {
        Span<byte> bytes = stackalloc byte[16];
        messageId.TryWriteBytes(bytes);
        return BitConverter.ToInt32(bytes[12..]) ^ BitConverter.ToInt32(bytes[8..12]);
    }

    private async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        _connection = await OpenAsync(cancellationToken);
        // A new session holds nothing: take again every lock of the answers still running here.
        foreach (var id in _held)
            await ExecuteAsync("SELECT pg_advisory_lock(@c, @k)", id, cancellationToken);
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(databases.AppConnectionString)
        {
            // Closing must end the session (and its locks); a pooled connection would be kept open and reset.
            Pooling = false,
            ApplicationName = "nlanalytics answer leases",
            KeepAlive = 30,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task<object?> ExecuteAsync(string sql, Guid messageId, CancellationToken cancellationToken)
    {
        Data.AppDatabaseCommands.CountRaw(sql);
        await using var command = new NpgsqlCommand(sql, _connection);
        command.Parameters.AddWithValue("c", LockClass);
        command.Parameters.AddWithValue("k", Key(messageId));
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The answer-lease connection to the app database failed; it is opened again on the next answer")]
    private static partial void LogLeaseLost(ILogger logger, Exception exception);
}

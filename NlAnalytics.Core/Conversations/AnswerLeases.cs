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
/// Nothing here ever waits on the database for long: locks are tried (never waited for), every command has a short
/// timeout, and disposal cancels what is in flight before it closes the session (closing a connection while a command
/// runs on it can hang).
/// </summary>
public sealed partial class AnswerLeases(PlatformDatabases databases, ILogger<AnswerLeases> logger) : IAsyncDisposable
{
    /// <summary>The first key of every lock ("NLA"): keeps these locks apart from any other advisory lock on the database.</summary>
    private const int LockClass = 0x4E4C41;

    // _gate: one command at a time on the lease session. _queue guards _held and the two queues below, which any
    // caller may add to while another sends: whoever sends next takes everything queued, in one batch.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _queue = new();
    private readonly HashSet<Guid> _held = [];
    private readonly List<(Guid Id, TaskCompletionSource Sent)> _toLock = [];
    private readonly HashSet<Guid> _toUnlock = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _flushScheduled;
    private bool _disposed;
    private NpgsqlConnection? _connection;

    /// <summary>
    /// Marks the message as answered here (again: a no-op, as one release must end it). Locks asked for at the same
    /// moment travel in one batch, with the releases waiting to be sent; a lease released and not yet sent is simply
    /// kept (no round trip). Best effort: without the database the answer runs anyway (and fails on its own).
    /// </summary>
    public async Task HoldAsync(Guid messageId, CancellationToken cancellationToken)
    {
        TaskCompletionSource sent;
        lock (_queue)
        {
            if (!_held.Add(messageId))
                return;
            // Still locked on the session: its unlock had not gone yet.
            if (_toUnlock.Remove(messageId))
                return;
            sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _toLock.Add((messageId, sent));
        }
        await SendQueuedAsync(cancellationToken);
        // Sent by this call, or by another caller's batch that took it along.
        await sent.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The answer ended here. The unlock is queued and sent right after, off the answer's path, together with every
    /// other release (and lock) queued meanwhile; until it goes, the session keeps a lock nobody needs, and a
    /// <see cref="HoldAsync"/> of the same message (a retry) keeps it without a round trip.
    /// </summary>
    public Task ReleaseAsync(Guid messageId)
    {
        lock (_queue)
        {
            if (!_held.Remove(messageId))
                return Task.CompletedTask;
            var queued = _toLock.FindIndex(l => l.Id == messageId);
            if (queued >= 0)
            {
                // Never sent: nothing to unlock.
                _toLock[queued].Sent.TrySetResult();
                _toLock.RemoveAt(queued);
                return Task.CompletedTask;
            }
            _toUnlock.Add(messageId);
        }
        if (Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            // Not part of the request that ended the answer (nor counted in its round trips): a batch for all releases queued by then.
            using (ExecutionContext.SuppressFlow())
                _ = Task.Run(FlushAsync);
        }
        return Task.CompletedTask;
    }

    /// <summary>Sends the releases still queued (the next lock would take them along anyway); for tests and shutdown.</summary>
    public async Task FlushAsync()
    {
        Volatile.Write(ref _flushScheduled, 0);
        await SendQueuedAsync(CancellationToken.None);
    }

    private async Task SendQueuedAsync(CancellationToken callerToken)
    {
        List<(Guid Id, TaskCompletionSource Sent)> locks = [];
        if (_stopping.IsCancellationRequested)
        {
            AbandonQueued();
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _stopping.Token);
        var cancellationToken = linked.Token;
        try
        {
            await _gate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            AbandonQueued();
            return;
        }
        List<Guid> unlocks;
        try
        {
            if (_disposed)
            {
                AbandonQueued();
                return;
            }
            lock (_queue)
            {
                locks = [.. _toLock];
                unlocks = [.. _toUnlock];
                _toLock.Clear();
                _toUnlock.Clear();
            }
            if (locks.Count == 0 && unlocks.Count == 0)
                return;
            try
            {
                if (_connection is null)
                    // A new session holds nothing: it takes every lock held here, the new ones included.
                    await ReconnectAsync(cancellationToken);
                else
                    await ExecuteAsync(unlocks, [.. locks.Select(l => l.Id)], cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogLeaseLost(logger, ex);
                await DropConnectionAsync();
            }
            catch (OperationCanceledException)
            {
                // What the cancelled batch did is unknown: a new session takes the locks again, as after an outage.
                await DropConnectionAsync();
                if (!_stopping.IsCancellationRequested)
                    throw;
            }
        }
        finally
        {
            _gate.Release();
            // Whatever happened, nobody waits for a batch that is over (best effort, as a lost lease is).
            foreach (var (_, sent) in locks)
                sent.TrySetResult();
        }
    }

    /// <summary>
    /// Of <paramref name="messageIds"/> (stored as running or waiting), those nobody is answering: not this
    /// instance, and no other instance holds their lock.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> WithoutLiveRunnerAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken)
    {
        if (messageIds.Count == 0 || _stopping.IsCancellationRequested)
            return [];
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        try
        {
            await _gate.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return [];
        }
        try
        {
            if (_disposed)
                return [];
            try
            {
                return await TryLocksAsync(messageIds, linked.Token);
            }
            catch (NpgsqlException ex) when (_connection is not null)
            {
                // The lease session died with an outage of the app database: a new one takes our locks again first.
                LogLeaseLost(logger, ex);
                await DropConnectionAsync();
                await ReconnectAsync(linked.Token);
                return await TryLocksAsync(messageIds, linked.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                await DropConnectionAsync();
                return [];
            }
            catch (OperationCanceledException)
            {
                await DropConnectionAsync();
                throw;
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
        List<Guid> candidates;
        lock (_queue)
            candidates = [.. messageIds.Where(id => !_held.Contains(id))];
        foreach (var id in candidates)
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

    /// <summary>
    /// Cancels the command in flight (if any), waits for its batch to give the session back, then closes it: the locks
    /// go with the session. Releases queued and not yet sent go with it too.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync();
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            await DropConnectionAsync();
            AbandonQueued();
        }
        finally
        {
            _gate.Release();
        }
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
        // A new session holds nothing: take again every lock of the answers still running here (one batch).
        List<Guid> held;
        lock (_queue)
            held = [.. _held];
        await ExecuteAsync([], held, cancellationToken);
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(databases.AppConnectionString)
        {
            // Closing must end the session (and its locks); a pooled connection would be kept open and reset.
            Pooling = false,
            ApplicationName = "nlanalytics answer leases",
            KeepAlive = 30,
            // Every command here is a lock tried or given back: anything slower is an app database in trouble.
            CommandTimeout = 15,
            Timeout = 15,
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
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var command = new NpgsqlCommand(sql, _connection);
        command.Parameters.AddWithValue("c", LockClass);
        command.Parameters.AddWithValue("k", Key(messageId));
        var result = await command.ExecuteScalarAsync(cancellationToken);
        Data.AppDatabaseCommands.CountRaw(sql, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return result;
    }

    /// <summary>
    /// Gives back <paramref name="unlocks"/> and tries <paramref name="locks"/>, in one round trip (counted once). A lock
    /// is tried, never waited for: one held by another session (another instance answering the same message, or a
    /// key collision) is logged and left to it, as waiting would stall every lease of this instance behind it.
    /// </summary>
    private async Task ExecuteAsync(IReadOnlyList<Guid> unlocks, IReadOnlyList<Guid> locks, CancellationToken cancellationToken)
    {
        if (unlocks.Count == 0 && locks.Count == 0)
            return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        List<(string Sql, Guid MessageId)> commands =
            [.. unlocks.Select(id => ("SELECT pg_advisory_unlock(@c, @k)", id)), .. locks.Select(id => ("SELECT pg_try_advisory_lock(@c, @k)", id))];
        await using var batch = new NpgsqlBatch(_connection);
        foreach (var (sql, messageId) in commands)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("c", LockClass);
            command.Parameters.AddWithValue("k", Key(messageId));
            batch.BatchCommands.Add(command);
        }
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            var index = 0;
            do
            {
                var taken = await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) && reader.GetBoolean(0);
                if (index >= unlocks.Count && !taken)
                    LogHeldElsewhere(logger, commands[index].MessageId);
                index++;
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        Data.AppDatabaseCommands.CountRaw(string.Join("; ", commands.Select(c => c.Sql)), System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Shutting down: nobody waits for a lock that will not be sent.</summary>
    private void AbandonQueued()
    {
        List<(Guid Id, TaskCompletionSource Sent)> abandoned;
        lock (_queue)
        {
            abandoned = [.. _toLock];
            _toLock.Clear();
        }
        foreach (var (_, sent) in abandoned)
            sent.TrySetResult();
    }

    private async Task DropConnectionAsync()
    {
        // The session's locks went with it: a queued unlock has nothing left to unlock.
        lock (_queue)
            _toUnlock.Clear();
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The answer-lease connection to the app database failed; it is opened again on the next answer")]
    private static partial void LogLeaseLost(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease of answer {MessageId} is held by another session; it is left to it")]
    private static partial void LogHeldElsewhere(ILogger logger, Guid messageId);
}

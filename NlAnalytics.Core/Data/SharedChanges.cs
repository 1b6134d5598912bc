using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace NlAnalytics.Core.Data;

/// <summary>What an app instance keeps in memory that another instance may change (ADR 0034).</summary>
public enum SharedChange
{
    /// <summary>The sources Admins stored (added, changed or removed).</summary>
    Sources,
    /// <summary>The uploaded files' sources (added or deleted).</summary>
    Uploads,
    /// <summary>A source's instructions and glossary.</summary>
    Knowledge,
    /// <summary>A source's documents and their passages.</summary>
    Documents,
    /// <summary>A source's catalog was read again on request.</summary>
    Catalog,
}

/// <summary>One change another instance made: what, about which source (null: every source).</summary>
public sealed record SharedChangeNotice(long Id, SharedChange Kind, string? DataSource);

/// <summary>Reloads what it keeps in memory when another instance changed it (registered for <see cref="SharedChangeFollower"/>).</summary>
public interface ISharedChangeHandler
{
    Task ApplyAsync(SharedChangeNotice change, CancellationToken cancellationToken);
}

/// <summary>Settings of the change feed between app instances (section SharedChanges).</summary>
public sealed class SharedChangeOptions
{
    public const string SectionName = "SharedChanges";

    /// <summary>
    /// Seconds between two reads of the change table when no notification came (a proxy that drops LISTEN, a lost
    /// connection): the longest another instance's change takes to show here, plus the reload.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 3600)]
    public int PollSeconds { get; set; } = 5;

    /// <summary>LISTEN for notifications (false: only poll, e.g. behind a pooler in transaction mode, which drops LISTEN).</summary>
    public bool Listen { get; set; } = true;

    /// <summary>Rows older than this many hours are deleted at start-up; an instance that was down longer reloads on start anyway.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 24 * 365)]
    public int KeepHours { get; set; } = 24;
}

/// <summary>
/// Tells the other app instances on the app database that something they keep in memory changed (ADR 0034): a row in
/// <c>shared_changes</c> (the record, read in order) and a NOTIFY on <see cref="Channel"/> (which only wakes the readers).
/// Called after the change is committed, by the service that made it and has already reloaded its own copy.
/// </summary>
public sealed partial class SharedChanges(IDbContextFactory<AppDbContext> contexts, ILogger<SharedChanges> logger)
{
    public const string Channel = "nlanalytics_shared_changes";

    /// <summary>This process: its own rows are skipped (it reloaded when it made the change).</summary>
    public Guid Instance { get; } = Guid.NewGuid();

    /// <summary>
    /// Records the change and wakes the other instances. Takes no cancellation token on purpose: the change is committed, so
    /// the others must hear of it even when the request that made it is being cancelled. A failure is logged, not thrown
    /// (the change stands; the others see it after their restart, and the log says so).
    /// </summary>
    public async Task PublishAsync(SharedChange kind, string? dataSource)
    {
        try
        {
            await using var context = await contexts.CreateDbContextAsync();
            var name = kind.ToString();
            // One statement, one round trip: the row, then the notification (delivered when it commits).
            await context.Database.ExecuteSqlInterpolatedAsync($"""
                WITH c AS (INSERT INTO shared_changes ("Kind", "DataSource", "Instance") VALUES ({name}, {dataSource}, {Instance}) RETURNING "Id")
                SELECT pg_notify({Channel}, "Id"::text) FROM c
                """);
        }
        catch (Exception e) when (e is NpgsqlException or DbUpdateException or InvalidOperationException or TimeoutException)
        {
            LogPublishFailed(logger, e, kind, dataSource ?? "(all)");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the other app instances that {Kind} of {Source} changed; they see it after their restart")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, SharedChange kind, string source);
}

/// <summary>
/// Follows the changes other instances make (ADR 0034): LISTENs on one connection of its own and, on a notification or
/// every <see cref="SharedChangeOptions.PollSeconds"/>, reads the rows after the last one it handled and hands each to the
/// <see cref="ISharedChangeHandler"/>s. A lost connection is opened again (1 s, then up to 30 s apart); what was missed
/// meanwhile is read from the table. Registered right after the platform start-up, so it knows where the table stood
/// before the other start-up services load their copies: a change made while they load is applied again, never missed.
/// </summary>
public sealed partial class SharedChangeFollower(
    IDbContextFactory<AppDbContext> contexts,
    SharedChanges changes,
    IEnumerable<ISharedChangeHandler> handlers,
    IOptions<SharedChangeOptions> options,
    TimeProvider clock,
    ILogger<SharedChangeFollower> logger) : BackgroundService
{
    /// <summary>
    /// Ids are taken when a row is inserted, not when it commits, so a row may become visible after one with a higher id.
    /// Rows this recent are read again (and skipped if handled): a publish commits within milliseconds of taking its id.
    /// </summary>
    private const int RereadSeconds = 30;

    private long _last;
    private bool _listening;
    private readonly Dictionary<long, DateTimeOffset> _handled = [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        await context.SharedChanges.Where(c => c.ChangedAt < clock.GetUtcNow().AddHours(-options.Value.KeepHours)).ExecuteDeleteAsync(cancellationToken);
        _last = await context.SharedChanges.MaxAsync(c => (long?)c.Id, cancellationToken) ?? 0;
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (_listening)
                    (retry, _listening) = (TimeSpan.FromSeconds(1), false);
                LogConnectionLost(logger, e, retry.TotalSeconds);
                try
                {
                    await Task.Delay(retry, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                retry = TimeSpan.FromSeconds(Math.Min(30, retry.TotalSeconds * 2));
            }
        }
    }

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        string connectionString;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken))
            connectionString = context.Database.GetConnectionString()!;
        // A connection of its own, outside the pool: it is held for as long as the app runs.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var woken = 0;
        var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
        connection.Notification += (_, _) => Interlocked.Exchange(ref woken, 1);
        if (options.Value.Listen)
        {
            await using var listen = new NpgsqlCommand($"LISTEN {SharedChanges.Channel}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }
        _listening = true;
        LogFollowing(logger, options.Value.Listen ? SharedChanges.Channel : "off", options.Value.PollSeconds);
        while (true)
        {
            // A notification that arrived while the last rows were read is already consumed: read again at once.
            Interlocked.Exchange(ref woken, 0);
            await ReadAsync(connection, cancellationToken);
            if (Volatile.Read(ref woken) != 0)
                continue;
            if (options.Value.Listen)
                await connection.WaitAsync(poll, cancellationToken);
            else
                await Task.Delay(poll, clock, cancellationToken);
        }
    }

    /// <summary>Hands the rows after the last one handled (and recent ones not yet handled) to the handlers, in order.</summary>
    private async Task ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var found = new List<(SharedChangeNotice Notice, Guid Instance, DateTimeOffset At)>();
        await using (var command = new NpgsqlCommand("""
            SELECT "Id", "Kind", "DataSource", "Instance", "ChangedAt" FROM shared_changes
            WHERE "Id" > $1 OR "ChangedAt" > now() - make_interval(secs => $2) ORDER BY "Id"
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = _last });
            command.Parameters.Add(new NpgsqlParameter { Value = (double)RereadSeconds });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                if (_handled.ContainsKey(id) || !Enum.TryParse<SharedChange>(reader.GetString(1), out var kind))
                    continue;
                found.Add((new SharedChangeNotice(id, kind, reader.IsDBNull(2) ? null : reader.GetString(2)), reader.GetGuid(3), reader.GetFieldValue<DateTimeOffset>(4)));
            }
        }
        foreach (var (notice, instance, at) in found)
        {
            _handled[notice.Id] = at;
            _last = Math.Max(_last, notice.Id);
            if (instance == changes.Instance)
                continue;
            foreach (var handler in handlers)
            {
                try
                {
                    await handler.ApplyAsync(notice, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One handler's failure must not keep the others (or the next change) from being applied.
                    LogApplyFailed(logger, e, notice.Kind, notice.DataSource ?? "(all)", handler.GetType().Name);
                }
            }
            LogApplied(logger, notice.Kind, notice.DataSource ?? "(all)");
        }
        var forget = clock.GetUtcNow().AddSeconds(-2 * RereadSeconds);
        foreach (var old in _handled.Where(h => h.Value < forget).Select(h => h.Key).ToList())
            _handled.Remove(old);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Following other app instances' changes (LISTEN {Channel}, a read every {Seconds} s)")]
    private static partial void LogFollowing(ILogger logger, string channel, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another app instance changed {Kind} of {Source}: reloaded")]
    private static partial void LogApplied(ILogger logger, SharedChange kind, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change feed's connection to the app database failed; trying again in {Seconds} s")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying another instance's change of {Kind} of {Source} failed in {Handler}")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, SharedChange kind, string source, string handler);
}

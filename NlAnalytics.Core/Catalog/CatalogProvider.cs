using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Catalog;

/// <summary>
/// Keeps one catalog per data source name. Callers that ask while a load is under way share it, and a
/// caller giving up (its token cancelled) does not cancel the load for the others. A refresh on request is told to the
/// other app instances (ADR 0034), which drop their copy and read it again when next asked.
/// </summary>
public sealed partial class CatalogProvider(PostgresCatalogReader reader, ILogger<CatalogProvider> logger, IEnumerable<ICatalogRefreshListener>? listeners = null,
    JoinKeyDecisionStore? decisions = null, SharedChanges? changes = null)
    : ICatalogProvider, ISharedChangeHandler, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _lifetime = new();
    private int _disposed;

    public Task<DatabaseCatalog> GetAsync(DataSource source, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_gate)
        {
            // A failed load is not cached: the next caller tries again (the database may be back).
            if (!_entries.TryGetValue(source.Name, out entry!) || !entry.Serves(source) || entry.Load.IsFaulted || entry.Load.IsCanceled)
                _entries[source.Name] = entry = Start(source);
        }
        return entry.Load.WaitAsync(cancellationToken);
    }

    public async Task<DatabaseCatalog> RefreshAsync(DataSource source, CancellationToken cancellationToken)
    {
        // Always a new load: one already running may have started before the change the caller wants to see.
        foreach (var listener in listeners ?? [])
            listener.CatalogRefreshed(source);
        Entry entry;
        lock (_gate)
            _entries[source.Name] = entry = Start(source);
        var catalog = await entry.Load.WaitAsync(cancellationToken);
        if (changes is not null)
            await changes.PublishAsync(SharedChange.Catalog, source.Name);
        return catalog;
    }

    /// <summary>
    /// Another instance read a source's catalog again (its tables or an Admin's join-key decisions changed): drop this
    /// copy, and what was cached on it, so the next question reads it again. Lazily: an instance nobody asks there reads nothing.
    /// </summary>
    public Task ApplyAsync(SharedChangeNotice change, CancellationToken cancellationToken)
    {
        if (change.Kind != SharedChange.Catalog || change.DataSource is not { } name)
            return Task.CompletedTask;
        Entry? dropped;
        lock (_gate)
            _entries.Remove(name, out dropped);
        if (dropped is not null)
            foreach (var listener in listeners ?? [])
                listener.CatalogRefreshed(dropped.Source);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Registered as itself and as ICatalogProvider, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _lifetime.Cancel();
        _lifetime.Dispose();
    }

    private Entry Start(DataSource source)
    {
        var token = _lifetime.Token;
        return new Entry(source, Task.Run(async () =>
        {
            try
            {
                var catalog = await reader.ReadAsync(source, token);
                return await WithDecisionsAsync(catalog, token);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                LogLoadFailed(logger, source.Name, ex);
                // Callers (the schema browser, the agents) need not know the driver: they get one Core exception.
                throw new CatalogUnavailableException($"Could not read the catalog of {source.DisplayName}: {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogLoadFailed(logger, source.Name, ex);
                throw;
            }
        }, token));
    }

    private async Task<DatabaseCatalog> WithDecisionsAsync(DatabaseCatalog catalog, CancellationToken cancellationToken)
    {
        if (decisions is null || !catalog.Tables.Any(t => t.ForeignKeys.Any(k => k.Inferred)))
            return catalog;
        try
        {
            return JoinKeyDecisionStore.Apply(catalog, await decisions.ForSourceAsync(catalog.DataSource, cancellationToken));
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The app database being away must not take the data source's catalog with it: inferred keys stay undecided.
            LogDecisionsUnavailable(logger, catalog.DataSource, ex);
            return catalog;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admins' join-key decisions for {DataSource} could not be read; inferred keys are used undecided")]
    private static partial void LogDecisionsUnavailable(ILogger logger, string dataSource, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the catalog of {DataSource} failed")]
    private static partial void LogLoadFailed(ILogger logger, string dataSource, Exception exception);

    private sealed record Entry(DataSource Source, Task<DatabaseCatalog> Load)
    {
        /// <summary>The same name pointed at another database or other schemas is a different catalog.</summary>
        public bool Serves(DataSource other) =>
            Source.CatalogConnectionString == other.CatalogConnectionString && Source.ExposedSchemas.SequenceEqual(other.ExposedSchemas);
    }
}

/// <summary>The data source could not be reached or read while loading its catalog; the message says which source.</summary>
public sealed class CatalogUnavailableException(string message, Exception innerException) : Exception(message, innerException);

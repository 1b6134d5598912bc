using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using Npgsql;

namespace NlAnalytics.Core.Semantics;

/// <summary>How far the vectors of one catalog are: texts embedded (or found stored) out of all of them.</summary>
public sealed record SemanticProgress(string DataSource, int Done, int Total, bool Ready, string? Error);

/// <summary>
/// Sentence vectors of catalogs, computed in the background and reused: callers never wait for them
/// (<see cref="TryGet"/> answers null until they exist, and grounding stays lexical), except the ones that
/// must be repeatable (evaluation, benchmarks) which await <see cref="WhenReadyAsync"/>.
/// </summary>
public interface ICatalogSemantics
{
    /// <summary>False when switched off (Semantics:Enabled): nothing is ever embedded.</summary>
    bool IsEnabled { get; }

    /// <summary>The catalog's vectors if they are ready; otherwise null, and their computation is started in the background.</summary>
    SemanticSpace? TryGet(DatabaseCatalog catalog);

    /// <summary>Starts the computation if needed and waits for it; null when switched off.</summary>
    Task<SemanticSpace?> WhenReadyAsync(DatabaseCatalog catalog, CancellationToken cancellationToken);

    /// <summary>The vector of a question or phrase (cached: the same words come back often).</summary>
    float[] Encode(string text, CancellationToken cancellationToken);

    /// <summary>
    /// Encodes, in one batch, those of <paramref name="texts"/> that are not cached yet, so that the
    /// <see cref="Encode"/> calls that follow are cache hits: one inference for a question's unknown words
    /// costs about a third of one inference each.
    /// </summary>
    void Prefetch(IReadOnlyCollection<string> texts, CancellationToken cancellationToken);

    SemanticProgress ProgressOf(DatabaseCatalog catalog);
}

/// <summary>
/// Computes each catalog's vectors once per catalog instance, on the thread pool, in small batches: texts whose
/// vector is already known (in memory, or stored in the app database by an earlier run) are not embedded
/// again, so a restart or a refreshed catalog costs only its new names. Without an app database the
/// vectors live in memory only.
/// </summary>
public sealed partial class CatalogSemantics(
    ISentenceEncoder encoder,
    IOptions<SemanticOptions> options,
    ILogger<CatalogSemantics> logger,
    IDbContextFactory<AppDbContext>? appDatabase = null) : ICatalogSemantics, IDisposable
{
    private const int MaxCachedQueries = 20_000;

    private readonly SemanticOptions _options = options.Value;
    private readonly ConditionalWeakTable<DatabaseCatalog, Job> _jobs = new();
    private readonly ConcurrentDictionary<string, float[]> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, float[]> _queries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();

    public bool IsEnabled => _options.Enabled;

    public SemanticSpace? TryGet(DatabaseCatalog catalog)
    {
        if (!_options.Enabled)
            return null;
        var job = JobFor(catalog);
        return job.Work.IsCompletedSuccessfully ? job.Work.Result : null;
    }

    public async Task<SemanticSpace?> WhenReadyAsync(DatabaseCatalog catalog, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
            return null;
        return await JobFor(catalog).Work.WaitAsync(cancellationToken);
    }

    public float[] Encode(string text, CancellationToken cancellationToken)
    {
        var key = QueryKey(text);
        if (_queries.TryGetValue(key, out var cached))
            return cached;
        var vector = encoder.Encode([key], cancellationToken)[0];
        Remember(key, vector);
        return vector;
    }

    public void Prefetch(IReadOnlyCollection<string> texts, CancellationToken cancellationToken)
    {
        var missing = texts.Select(QueryKey).Where(k => k.Length > 0 && !_queries.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
            return;
        var vectors = encoder.Encode(missing, cancellationToken);
        for (var i = 0; i < missing.Count; i++)
            Remember(missing[i], vectors[i]);
    }

    private static string QueryKey(string text) => text.Trim().ToLowerInvariant();

    private void Remember(string key, float[] vector)
    {
        if (_queries.Count >= MaxCachedQueries)
            _queries.Clear();
        _queries[key] = vector;
    }

    public SemanticProgress ProgressOf(DatabaseCatalog catalog)
    {
        if (!_options.Enabled)
            return new SemanticProgress(catalog.DataSource, 0, 0, false, "switched off");
        var job = JobFor(catalog);
        var error = job.Work.IsFaulted ? job.Work.Exception!.GetBaseException().Message : null;
        return new SemanticProgress(catalog.DataSource, job.Done, job.Total, job.Work.IsCompletedSuccessfully, error);
    }

    public void Dispose()
    {
        // Registered as itself and as ICatalogSemantics: the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _lifetime.Cancel();
        _lifetime.Dispose();
    }

    private int _disposed;

    private Job JobFor(DatabaseCatalog catalog)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(catalog, out var job) && !job.Work.IsFaulted && !job.Work.IsCanceled)
                return job;
            job = new Job();
            var token = _lifetime.Token;
            job.Work = Task.Run(() => ComputeAsync(catalog, job, token), token);
            _jobs.AddOrUpdate(catalog, job);
            return job;
        }
    }

    private async Task<SemanticSpace> ComputeAsync(DatabaseCatalog catalog, Job job, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var entries = CatalogVocabulary.Of(catalog);
            var texts = entries.Select(e => e.Text).Distinct(StringComparer.Ordinal).ToList();
            job.Total = texts.Count;
            var hashes = texts.ToDictionary(t => t, Hash, StringComparer.Ordinal);
            var missing = texts.Where(t => !_known.ContainsKey(hashes[t])).ToList();
            if (missing.Count > 0)
                await LoadStoredAsync(missing.Select(t => hashes[t]).ToList(), cancellationToken);
            missing = missing.Where(t => !_known.ContainsKey(hashes[t])).ToList();
            job.Done = texts.Count - missing.Count;
            var stored = job.Done;

            var pending = new List<TextEmbeddingRow>();
            foreach (var batch in missing.Chunk(_options.BatchSize))
            {
                var vectors = encoder.Encode(batch, cancellationToken);
                for (var i = 0; i < batch.Length; i++)
                {
                    var hash = hashes[batch[i]];
                    _known[hash] = vectors[i];
                    pending.Add(new TextEmbeddingRow { Model = encoder.Model, TextHash = hash, Vector = vectors[i] });
                }
                job.Done += batch.Length;
                // Saved as it goes: a restart in the middle of a big catalog keeps what was done.
                if (pending.Count >= _options.SaveEvery)
                    await SaveAsync(pending, cancellationToken);
            }
            await SaveAsync(pending, cancellationToken);
            // The encoder builds its model session on its first text (one to two seconds): with every vector found stored,
            // that would be the first question's wait. Done here, in the background, before any question needs it.
            if (missing.Count == 0)
                encoder.Encode([catalog.DataSource], cancellationToken);

            var space = new SemanticSpace(catalog, entries, [.. entries.Select(e => _known[hashes[e.Text]])]);
            LogReady(logger, catalog.DataSource, texts.Count, stored, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return space;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, catalog.DataSource, ex);
            throw;
        }
    }

    private string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private async Task LoadStoredAsync(List<string> hashes, CancellationToken cancellationToken)
    {
        if (appDatabase is null)
            return;
        try
        {
            foreach (var chunk in hashes.Chunk(5000))
            {
                await using var db = await appDatabase.CreateDbContextAsync(cancellationToken);
                var rows = await db.TextEmbeddings.AsNoTracking()
                    .Where(r => r.Model == encoder.Model && chunk.Contains(r.TextHash))
                    .ToListAsync(cancellationToken);
                foreach (var row in rows)
                    _known[row.TextHash] = row.Vector;
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or DbUpdateException)
        {
            // The app database is where vectors are kept, not a condition for having them.
            LogStoreUnavailable(logger, ex.Message);
        }
    }

    private async Task SaveAsync(List<TextEmbeddingRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var batch = rows.ToList();
        rows.Clear();
        if (appDatabase is null)
            return;
        try
        {
            await using var db = await appDatabase.CreateDbContextAsync(cancellationToken);
            foreach (var chunk in batch.Chunk(200))
            {
                var sql = new StringBuilder("""INSERT INTO text_embeddings ("Model", "TextHash", "Vector") VALUES """);
                var parameters = new List<object> { new NpgsqlParameter("m", encoder.Model) };
                for (var i = 0; i < chunk.Length; i++)
                {
                    sql.Append(i == 0 ? "" : ", ").Append($"(@m, @h{i}, @v{i})");
                    parameters.Add(new NpgsqlParameter<string>($"h{i}", chunk[i].TextHash));
                    parameters.Add(new NpgsqlParameter<float[]>($"v{i}", chunk[i].Vector));
                }
                // Another process may have stored the same text meanwhile: the first vector stays (they are equal).
                sql.Append(" ON CONFLICT DO NOTHING");
                await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or DbUpdateException)
        {
            LogStoreUnavailable(logger, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sentence vectors of {DataSource} ready: {Texts} texts, {Stored} of them already stored, in {ElapsedMs} ms")]
    private static partial void LogReady(ILogger logger, string dataSource, int texts, int stored, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Computing the sentence vectors of {DataSource} failed; grounding stays lexical")]
    private static partial void LogFailed(ILogger logger, string dataSource, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The app database could not read or keep sentence vectors ({Reason}); they stay in memory")]
    private static partial void LogStoreUnavailable(ILogger logger, string reason);

    private sealed class Job
    {
        public Task<SemanticSpace> Work { get; set; } = null!;
        public volatile int Done;
        public volatile int Total;
    }
}

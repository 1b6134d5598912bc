using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Samples;
using Npgsql;

namespace NlAnalytics.Core.Sources;

/// <summary>
/// What an Admin submits for a source. On an edit, a blank connection string keeps the stored one (they are never
/// shown again, so the form cannot send them back).
/// </summary>
public sealed record DataSourceDraft(
    string Name,
    string? DisplayName,
    string? QueryConnectionString,
    string? CatalogConnectionString,
    IReadOnlyList<string> Schemas,
    int? RowCap = null,
    int? TimeoutSeconds = null,
    int? ResultCacheSeconds = null);

/// <summary>A source as the Admin list shows it: connections only as role@host:port/database, never a password.</summary>
public sealed record DataSourceSummary(
    string Name,
    string DisplayName,
    DataSourceOrigin Origin,
    string QueryConnection,
    string? CatalogConnection,
    IReadOnlyList<string> Schemas,
    int? RowCap,
    int? TimeoutSeconds,
    int? ResultCacheSeconds,
    string? UpdatedBy,
    DateTimeOffset? UpdatedAt)
{
    /// <summary>Only sources stored in the app can be changed here; the demo and configured ones are changed where they are defined.</summary>
    public bool Editable => Origin == DataSourceOrigin.Stored;
}

public enum SaveStatus { Saved, Invalid, NotFound, ReadOnlySource, Conflict, Refused }

/// <summary>The outcome of an add or edit: field errors (Invalid), the test that refused it (Refused), or the saved source.</summary>
public sealed record DataSourceSaveResult(SaveStatus Status, DataSourceSummary? Source = null, SourceTestReport? Test = null, IReadOnlyDictionary<string, string[]>? Errors = null, string? Message = null);

/// <summary>The outcome of a catalog refresh.</summary>
public sealed record CatalogRefreshResult(string DataSource, int Tables, int Columns, DateTimeOffset LoadedAt);

/// <summary>
/// Adds, changes, tests and removes the data sources Admins keep in the app database, for the Sources page and the
/// API alike. Connection strings are encrypted with Data Protection before they are stored and are never logged
/// or returned. Every change republishes the decrypted list to <see cref="StoredDataSourceHolder"/>, which the
/// registry serves to the chat, the API and the CLI.
/// </summary>
public sealed partial class DataSourceAdministration(
    IDbContextFactory<AppDbContext> contexts,
    IDataProtectionProvider protection,
    IDataSourceRegistry registry,
    StoredDataSourceHolder holder,
    DataSourceProbe probe,
    ICatalogProvider catalogs,
    NlAnalytics.Core.Knowledge.SourceKnowledge knowledge,
    NlAnalytics.Core.Knowledge.SourceDocuments documents,
    SharedChanges changes,
    TimeProvider clock,
    ILogger<DataSourceAdministration> logger) : ISharedChangeHandler
{
    public const int MaxRowCap = 1_000_000;
    public const int MaxTimeoutSeconds = 600;
    public const int MaxResultCacheSeconds = 86_400;

    private readonly IDataProtector _protector = protection.CreateProtector("NlAnalytics.DataSources.ConnectionStrings.v1");
    private readonly SemaphoreSlim _writes = new(1, 1);

    /// <summary>Every source the registry serves, stored ones with who changed them last.</summary>
    public async Task<IReadOnlyList<DataSourceSummary>> ListAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.DataSources.AsNoTracking().ToDictionaryAsync(r => r.Name, StringComparer.OrdinalIgnoreCase, cancellationToken);
        return [.. registry.All.Select(s => Summarize(s, s.Origin == DataSourceOrigin.Stored ? rows.GetValueOrDefault(s.Name) : null))];
    }

    public async Task<DataSourceSummary?> GetAsync(string name, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads the stored sources into the registry (at start-up, and after every change).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.DataSources.AsNoTracking().OrderBy(r => r.Name).ToListAsync(cancellationToken);
        var sources = new List<DataSource>();
        foreach (var row in rows)
        {
            try
            {
                sources.Add(ToSource(row));
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // The Data Protection key ring lost the key (a new app database without the old keys): the Admin enters the connection again.
                LogUndecryptable(logger, row.Name);
            }
        }
        holder.Sources = sources;
    }

    /// <summary>Tests a draft before it is saved: on an edit, blank connection strings mean the stored ones.</summary>
    public async Task<SourceTestReport> TestDraftAsync(DataSourceDraft draft, string? existingName, CancellationToken cancellationToken)
    {
        var existing = existingName is null ? null : await FindRowAsync(existingName, cancellationToken);
        var query = Blank(draft.QueryConnectionString) && existing is not null ? _protector.Unprotect(existing.QueryConnectionProtected) : draft.QueryConnectionString ?? "";
        return await probe.TestAsync(query, Clean(draft.Schemas), cancellationToken);
    }

    /// <summary>Tests any source the registry serves (configured ones too), as its query role. Null when there is none of that name.</summary>
    public async Task<SourceTestReport?> TestAsync(string name, CancellationToken cancellationToken) =>
        Find(name) is { } source ? await probe.TestAsync(source.QueryConnectionString, source.ExposedSchemas, cancellationToken) : null;

    public Task<DataSourceSaveResult> AddAsync(DataSourceDraft draft, string userName, CancellationToken cancellationToken) =>
        SaveAsync(null, draft, userName, cancellationToken);

    public Task<DataSourceSaveResult> UpdateAsync(string name, DataSourceDraft draft, string userName, CancellationToken cancellationToken) =>
        SaveAsync(name, draft, userName, cancellationToken);

    /// <summary>Removes a stored source; its threads stay readable but cannot ask more. NotFound or ReadOnlySource otherwise.</summary>
    public async Task<SaveStatus> RemoveAsync(string name, string userName, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            var row = await context.DataSources.FirstOrDefaultAsync(r => r.Name == name.ToLowerInvariant(), cancellationToken);
            if (row is null)
                return Find(name) is null ? SaveStatus.NotFound : SaveStatus.ReadOnlySource;
            context.DataSources.Remove(row);
            await context.SaveChangesAsync(cancellationToken);
            await SourceAccess.RevokeAllAsync(context, row.Name, cancellationToken);
            await knowledge.ForgetAsync(context, row.Name, cancellationToken);
            await documents.ForgetAsync(context, row.Name, cancellationToken);
            await LoadAsync(cancellationToken);
            // Its knowledge and documents went with it: the other instances drop their copies too.
            await changes.PublishAsync(SharedChange.Sources, row.Name);
            await changes.PublishAsync(SharedChange.Knowledge, row.Name);
            await changes.PublishAsync(SharedChange.Documents, row.Name);
            LogRemoved(logger, row.Name, userName);
            return SaveStatus.Saved;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Reads a source's catalog again; null when there is no source of that name.</summary>
    public async Task<CatalogRefreshResult?> RefreshCatalogAsync(string name, CancellationToken cancellationToken)
    {
        if (Find(name) is not { } source)
            return null;
        var catalog = await catalogs.RefreshAsync(source, cancellationToken);
        return new CatalogRefreshResult(source.Name, catalog.Tables.Count, catalog.Tables.Sum(t => t.Columns.Count), catalog.LoadedAt);
    }

    private async Task<DataSourceSaveResult> SaveAsync(string? existingName, DataSourceDraft draft, string userName, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            var name = (existingName ?? draft.Name ?? "").Trim().ToLowerInvariant();
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            var row = existingName is null ? null : await context.DataSources.FirstOrDefaultAsync(r => r.Name == name, cancellationToken);
            if (existingName is not null && row is null)
                return new(Find(existingName) is null ? SaveStatus.NotFound : SaveStatus.ReadOnlySource,
                    Message: Find(existingName) is null ? $"There is no data source named '{existingName}'." : $"'{existingName}' is defined in configuration; change it there.");
            if (existingName is null && Find(name) is not null)
                return new(SaveStatus.Conflict, Message: $"There is already a data source named '{name}'.");

            var errors = Validate(name, draft, isNew: row is null);
            if (errors.Count > 0)
                return new(SaveStatus.Invalid, Errors: errors, Message: "The source has errors: " + string.Join(" ", errors.Values.SelectMany(v => v)));

            var query = Blank(draft.QueryConnectionString) ? _protector.Unprotect(row!.QueryConnectionProtected) : draft.QueryConnectionString!.Trim();
            var catalog = Blank(draft.CatalogConnectionString)
                ? (row?.CatalogConnectionProtected is { } kept ? _protector.Unprotect(kept) : null)
                : draft.CatalogConnectionString!.Trim();
            var schemas = Clean(draft.Schemas);
            var test = await probe.TestAsync(query, schemas, cancellationToken);
            if (!test.Accepted)
                return new(SaveStatus.Refused, Test: test, Message: test.Summary);

            var now = clock.GetUtcNow();
            if (row is null)
            {
                row = new StoredDataSourceRow
                {
                    Name = name,
                    DisplayName = "",
                    QueryConnectionProtected = "",
                    CreatedBy = userName,
                    CreatedAt = now,
                };
                context.DataSources.Add(row);
            }
            row.DisplayName = Blank(draft.DisplayName) ? name : draft.DisplayName!.Trim();
            row.QueryConnectionProtected = _protector.Protect(query);
            row.CatalogConnectionProtected = catalog is null ? null : _protector.Protect(catalog);
            row.Schemas = [.. schemas];
            row.RowCap = draft.RowCap;
            row.TimeoutSeconds = draft.TimeoutSeconds;
            row.ResultCacheSeconds = draft.ResultCacheSeconds;
            row.UpdatedBy = userName;
            row.UpdatedAt = now;
            await context.SaveChangesAsync(cancellationToken);
            await LoadAsync(cancellationToken);
            await changes.PublishAsync(SharedChange.Sources, name);
            LogSaved(logger, name, existingName is null ? "added" : "changed", userName);
            return new(SaveStatus.Saved, Source: Summarize(Find(name)!, row), Test: test);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Another instance changed the stored sources: read them again.</summary>
    public async Task ApplyAsync(SharedChangeNotice change, CancellationToken cancellationToken)
    {
        if (change.Kind == SharedChange.Sources)
            await LoadAsync(cancellationToken);
    }

    private Dictionary<string, string[]> Validate(string name, DataSourceDraft draft, bool isNew)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        if (!NamePattern().IsMatch(name))
            Add("name", "The name is 1-63 characters of a-z, 0-9, _ and -, starting with a letter (threads and --source use it).");
        else if (isNew && (SampleSources.IsSample(name) || string.Equals(name, ConversationService.DemoSourceName, StringComparison.OrdinalIgnoreCase)))
            Add("name", $"'{name}' is reserved for a built-in source.");
        else if (isNew && name.StartsWith(Uploads.UploadService.SourcePrefix, StringComparison.Ordinal))
            Add("name", $"Names starting with '{Uploads.UploadService.SourcePrefix}' are kept for uploaded files.");
        if (draft.DisplayName is { Length: > 200 })
            Add("displayName", "The display name is at most 200 characters.");
        if (isNew && Blank(draft.QueryConnectionString))
            Add("queryConnectionString", "The query connection (the read-only role) is required.");
        foreach (var (field, value) in new[] { ("queryConnectionString", draft.QueryConnectionString), ("catalogConnectionString", draft.CatalogConnectionString) })
            if (!Blank(value) && !IsConnectionString(value!))
                Add(field, "Not a PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...).");
        var schemas = Clean(draft.Schemas);
        if (schemas.Count == 0)
            Add("schemas", "Expose at least one schema.");
        foreach (var schema in schemas.Where(s => s.Length > 63 || s.StartsWith("pg_", StringComparison.Ordinal) || s == "information_schema"))
            Add("schemas", $"'{schema}' cannot be exposed.");
        if (draft.RowCap is { } cap && (cap < 1 || cap > MaxRowCap))
            Add("rowCap", $"The row cap is between 1 and {MaxRowCap:N0}.");
        if (draft.TimeoutSeconds is { } timeout && (timeout < 1 || timeout > MaxTimeoutSeconds))
            Add("timeoutSeconds", $"The timeout is between 1 and {MaxTimeoutSeconds} seconds.");
        if (draft.ResultCacheSeconds is { } cache && (cache < 0 || cache > MaxResultCacheSeconds))
            Add("resultCacheSeconds", $"The result cache window is between 0 and {MaxResultCacheSeconds:N0} seconds.");
        return errors;
    }

    private DataSource? Find(string name) =>
        registry.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    private async Task<StoredDataSourceRow?> FindRowAsync(string name, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.DataSources.AsNoTracking().FirstOrDefaultAsync(r => r.Name == name.ToLowerInvariant(), cancellationToken);
    }

    private DataSource ToSource(StoredDataSourceRow row) =>
        new(row.Name, row.DisplayName, _protector.Unprotect(row.QueryConnectionProtected),
            row.CatalogConnectionProtected is null ? null : _protector.Unprotect(row.CatalogConnectionProtected), row.Schemas)
        {
            Origin = DataSourceOrigin.Stored,
            RowCap = row.RowCap,
            QueryTimeout = row.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            ResultFreshness = row.ResultCacheSeconds is { } cache ? TimeSpan.FromSeconds(cache) : null,
        };

    private static DataSourceSummary Summarize(DataSource source, StoredDataSourceRow? row) =>
        new(source.Name, source.DisplayName, source.Origin, Describe(source.QueryConnectionString),
            source.AdminConnectionString is null ? null : Describe(source.AdminConnectionString), source.ExposedSchemas,
            source.RowCap, source.QueryTimeout is { } t ? (int)t.TotalSeconds : null, source.ResultFreshness is { } f ? (int)f.TotalSeconds : null,
            row?.UpdatedBy, row?.UpdatedAt);

    /// <summary>role@host:port/database: enough to recognise a connection, nothing to log in with.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{b.Username ?? "?"}@{b.Host ?? "?"}:{b.Port}/{b.Database ?? "?"}";
        }
        catch (ArgumentException)
        {
            return "(not a valid connection string)";
        }
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return !string.IsNullOrWhiteSpace(builder.Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);

    private static List<string> Clean(IReadOnlyList<string>? schemas) =>
        [.. (schemas ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal)];

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Data source {Name} {Change} by {User}")]
    private static partial void LogSaved(ILogger logger, string name, string change, string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data source {Name} removed by {User}")]
    private static partial void LogRemoved(ILogger logger, string name, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stored connection of data source {Name} cannot be decrypted with this Data Protection key ring; enter it again")]
    private static partial void LogUndecryptable(ILogger logger, string name);
}

/// <summary>Publishes the stored sources once the app database is migrated (registered after PlatformStartup).</summary>
public sealed class StoredDataSourceStartup(DataSourceAdministration administration) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => administration.LoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

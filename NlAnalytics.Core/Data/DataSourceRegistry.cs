using Microsoft.Extensions.Options;
using Npgsql;

namespace NlAnalytics.Core.Data;

/// <summary>An extra data source from configuration (DataSources:0:Name ...).</summary>
public sealed class DataSourceOptions
{
    public const string SectionName = "DataSources";

    public string Name { get; set; } = "";
    public string? DisplayName { get; set; }
    /// <summary>Logs in as the restricted execution role (see the README for the SQL that creates it).</summary>
    public string QueryConnectionString { get; set; } = "";
    /// <summary>Optional owner connection for catalog introspection; defaults to the query connection.</summary>
    public string? AdminConnectionString { get; set; }
    public List<string> Schemas { get; set; } = [];
    /// <summary>Seconds a query's result is served again without running it (default: ResultCache:FreshnessSeconds, 5 minutes); 0 turns the cache off for this source.</summary>
    public int? ResultCacheSeconds { get; set; }
}

/// <summary>The demo source (when the platform provides one), the configured ones, then those Admins stored (a configured name wins).</summary>
public sealed class DataSourceRegistry(IOptions<List<DataSourceOptions>> configured, DemoDataSourceHolder demo, StoredDataSourceHolder? stored = null, UploadedSourceHolder? uploads = null) : IDataSourceRegistry
{
    public IReadOnlyList<DataSource> All
    {
        get
        {
            List<DataSource> fixedSources =
            [.. demo.Source is { } d ? [d with { Origin = DataSourceOrigin.Demo }] : Array.Empty<DataSource>(),
             .. Configured];
            return [.. fixedSources, .. (stored?.Sources ?? []).Where(s => !fixedSources.Any(f => string.Equals(f.Name, s.Name, StringComparison.OrdinalIgnoreCase))),
                .. uploads?.Sources ?? []];
        }
    }

    /// <summary>The sources of the DataSources configuration section; they cannot be edited in the app.</summary>
    public IEnumerable<DataSource> Configured =>
        configured.Value.Where(o => !string.IsNullOrWhiteSpace(o.Name)).Select(o => new DataSource(
            o.Name, o.DisplayName ?? o.Name, o.QueryConnectionString, o.AdminConnectionString, o.Schemas)
        {
            ResultFreshness = o.ResultCacheSeconds is { } seconds ? TimeSpan.FromSeconds(Math.Max(0, seconds)) : null,
            Origin = DataSourceOrigin.Configuration,
        });

    public DataSource Resolve(string nameOrConnectionString)
    {
        var named = All.FirstOrDefault(s => string.Equals(s.Name, nameOrConnectionString, StringComparison.OrdinalIgnoreCase));
        if (named is not null)
            return named;
        if (!nameOrConnectionString.Contains('='))
            throw new KeyNotFoundException($"No data source is named '{nameOrConnectionString}'. Known: {string.Join(", ", All.Select(s => s.Name))}.");
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(nameOrConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Not a valid PostgreSQL connection string: {ex.Message}", nameof(nameOrConnectionString));
        }
        return new DataSource($"{builder.Host}/{builder.Database}", $"{builder.Database} on {builder.Host}", nameOrConnectionString, null, []);
    }
}

/// <summary>The sources Admins stored in the app database, decrypted; replaced as a whole when one is added, changed or removed.</summary>
public sealed class StoredDataSourceHolder
{
    private volatile IReadOnlyList<DataSource> _sources = [];

    public IReadOnlyList<DataSource> Sources
    {
        get => _sources;
        set => _sources = value;
    }
}

/// <summary>The sources of uploaded files (names start with "upload-", so they never meet another source's name).</summary>
public sealed class UploadedSourceHolder
{
    private volatile IReadOnlyList<DataSource> _sources = [];

    public IReadOnlyList<DataSource> Sources
    {
        get => _sources;
        set => _sources = value;
    }
}

/// <summary>Set by platform start-up once the demo database is ready and its reader role provisioned.</summary>
public sealed class DemoDataSourceHolder
{
    public DataSource? Source { get; set; }
}

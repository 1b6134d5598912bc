namespace NlAnalytics.Core.Data;

/// <summary>
/// A PostgreSQL database analysts can ask about. <see cref="QueryConnectionString"/> logs in as the
/// restricted read-only execution role; <see cref="AdminConnectionString"/> (optional) is used only for
/// catalog introspection and provisioning, never for running analyst SQL.
/// </summary>
public sealed record DataSource(
    string Name,
    string DisplayName,
    string QueryConnectionString,
    string? AdminConnectionString,
    IReadOnlyList<string> ExposedSchemas)
{
    /// <summary>The name of the demo warehouse's source.</summary>
    public const string DemoName = "demo";

    /// <summary>How long a query's result is served again without running it; null: the ResultCache default; zero: never.</summary>
    public TimeSpan? ResultFreshness { get; init; }

    /// <summary>Where the source was defined: the demo, configuration (read-only in the UI), an Admin's stored source, or an ad-hoc connection string.</summary>
    public DataSourceOrigin Origin { get; init; } = DataSourceOrigin.AdHoc;

    /// <summary>At most this many rows of a result are read (null: the analyst's row cap).</summary>
    public int? RowCap { get; init; }

    /// <summary>A query is cancelled after this long (null: the analyst's timeout).</summary>
    public TimeSpan? QueryTimeout { get; init; }

    /// <summary>An uploaded file's source belongs to the user who uploaded it (their Identity id) and is private to them unless granted (Access/SourceAccess); null for every other source.</summary>
    public string? OwnerUserId { get; init; }

    /// <summary>The connection string catalog introspection uses.</summary>
    public string CatalogConnectionString => AdminConnectionString ?? QueryConnectionString;
}

public enum DataSourceOrigin { Demo, Configuration, Stored, AdHoc, Upload }

/// <summary>Resolves data sources by name ("demo") or from a raw connection string.</summary>
public interface IDataSourceRegistry
{
    IReadOnlyList<DataSource> All { get; }

    /// <summary>Returns the named source, or builds an ad-hoc one when <paramref name="nameOrConnectionString"/> is a connection string.</summary>
    DataSource Resolve(string nameOrConnectionString);
}

using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Catalog;

/// <summary>Introspects data sources into <see cref="DatabaseCatalog"/>s and caches them until refreshed.</summary>
public interface ICatalogProvider
{
    Task<DatabaseCatalog> GetAsync(DataSource source, CancellationToken cancellationToken);

    /// <summary>Drops the cached catalog and reads it again.</summary>
    Task<DatabaseCatalog> RefreshAsync(DataSource source, CancellationToken cancellationToken);
}

/// <summary>Told when a source's catalog is read again on request (its tables may have changed), before the new read.</summary>
public interface ICatalogRefreshListener
{
    void CatalogRefreshed(DataSource source);
}

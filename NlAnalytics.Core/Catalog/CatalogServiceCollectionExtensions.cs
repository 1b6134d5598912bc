using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Catalog;

public static class CatalogServiceCollectionExtensions
{
    /// <summary>Registers the PostgreSQL catalog reader and the cached <see cref="ICatalogProvider"/>.</summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PostgresCatalogReader>();
        services.TryAddSingleton<CatalogProvider>();
        services.TryAddSingleton<ICatalogProvider>(provider => provider.GetRequiredService<CatalogProvider>());
        services.AddSingleton<Data.ISharedChangeHandler>(provider => provider.GetRequiredService<CatalogProvider>());
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NlAnalytics.Core.Agents;

namespace NlAnalytics.Core.Offline;

public static class OfflineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the offline analyst: <see cref="OfflineSqlWriter"/> as the keyed <see cref="ISqlWriter"/> "offline",
    /// and the verified-query memory (<see cref="VerifiedQueryStore"/>, <see cref="VerifiedQueryMatcher"/>).
    /// Needs an <c>IDbContextFactory&lt;AppDbContext&gt;</c> registered by the app.
    /// </summary>
    public static IServiceCollection AddOfflineAnalyst(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton<OfflineDraftCache>();
        services.TryAddSingleton<OfflineSqlWriter>();
        services.AddKeyedSingleton<ISqlWriter>(OfflineSqlWriter.ServiceKey, (sp, _) => sp.GetRequiredService<OfflineSqlWriter>());
        services.TryAddSingleton<VerifiedQueryStore>();
        services.TryAddSingleton<VerifiedQueryMatcher>();
        services.TryAddSingleton<IVerifiedMemory>(sp => sp.GetRequiredService<VerifiedQueryMatcher>());
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Semantics;

public static class SemanticsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the local sentence encoder and <see cref="ICatalogSemantics"/>. Vectors are stored in the app
    /// database when an <c>IDbContextFactory&lt;AppDbContext&gt;</c> is registered, in memory otherwise.
    /// </summary>
    public static IServiceCollection AddSemantics(this IServiceCollection services)
    {
        services.AddOptions<SemanticOptions>().BindConfiguration(SemanticOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddLogging();
        services.TryAddSingleton<ISentenceEncoder, MiniLmSentenceEncoder>();
        services.TryAddSingleton<CatalogSemantics>();
        services.TryAddSingleton<ICatalogSemantics>(sp => sp.GetRequiredService<CatalogSemantics>());
        return services;
    }
}

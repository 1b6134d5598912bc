using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NlAnalytics.Core.Execution;

public static class ExecutionServiceCollectionExtensions
{
    /// <summary>The SQL gate, the executor (one pooled NpgsqlDataSource per query connection string) and the execution role provisioner.</summary>
    public static IServiceCollection AddSqlExecution(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISqlGate, SqlGate>();
        services.TryAddSingleton<SqlExecutor>();
        services.TryAddSingleton<ISqlExecutor>(provider => provider.GetRequiredService<SqlExecutor>());
        services.TryAddSingleton<ExecutionRoleProvisioner>();
        services.AddOptions<ResultCacheOptions>().BindConfiguration(ResultCacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ResultCache>();
        services.AddSingleton<Catalog.ICatalogRefreshListener>(provider => provider.GetRequiredService<ResultCache>());
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Evaluation;

public static class EvaluationServiceCollectionExtensions
{
    /// <summary>Registers <see cref="EvaluationRunner"/>; it needs ISqlExecutor and IDataSourceRegistry from their own registrations.</summary>
    public static IServiceCollection AddEvaluation(this IServiceCollection services)
    {
        services.AddOptions<EvaluationOptions>().BindConfiguration(EvaluationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<EvaluationRunner>();
        return services;
    }
}

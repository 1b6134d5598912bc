using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Samples;

public static class SampleServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SampleLoader"/> (it needs the execution role provisioner and the demo generator)
    /// and <see cref="SampleSources"/> (it needs the platform databases).
    /// </summary>
    public static IServiceCollection AddSamples(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SampleLoader>();
        services.TryAddSingleton<SampleSources>();
        return services;
    }
}

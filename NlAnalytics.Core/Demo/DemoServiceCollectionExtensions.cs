using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Demo;

public static class DemoServiceCollectionExtensions
{
    /// <summary>Registers <see cref="DemoWarehouseOptions"/> (section "Demo") and <see cref="DemoWarehouseGenerator"/>.</summary>
    public static IServiceCollection AddDemoWarehouse(this IServiceCollection services)
    {
        services.AddOptions<DemoWarehouseOptions>().BindConfiguration(DemoWarehouseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DemoWarehouseGenerator>();
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Accounting;

public static class AccountingServiceCollectionExtensions
{
    /// <summary>
    /// Prices (Pricing section), the cost calculator, the cost ledger and the monthly budgets (Budgets section). The ledger needs an
    /// IDbContextFactory&lt;AppDbContext&gt;, registered by the app. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddAccounting(this IServiceCollection services)
    {
        services.AddPricing();
        services.TryAddSingleton<CostLedger>();
        services.AddOptions<BudgetOptions>().BindConfiguration(BudgetOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<SpendBudget>();
        services.TryAddSingleton<UsageReport>();
        return services;
    }

    /// <summary>Prices and the calculator only: what pricing a call needs, without the database.</summary>
    internal static IServiceCollection AddPricing(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(CostCalculator)))
            return services;
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CostCalculator>();
        return services;
    }
}

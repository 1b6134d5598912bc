using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Tests.Accounting;

public sealed class CostCalculatorTests
{
    private static ServiceProvider Services(string? configurationFile = null)
    {
        var configuration = new ConfigurationBuilder();
        if (configurationFile is null)
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Pricing:Models:gpt-4o:InputPerMillion"] = "2.50",
                ["Pricing:Models:gpt-4o:CachedInputPerMillion"] = "1.25",
                ["Pricing:Models:gpt-4o:OutputPerMillion"] = "10.00",
                ["Pricing:Models:gpt-4o-mini:InputPerMillion"] = "0.15",
                ["Pricing:Models:gpt-4o-mini:CachedInputPerMillion"] = "0.075",
                ["Pricing:Models:gpt-4o-mini:OutputPerMillion"] = "0.60",
                ["Pricing:Models:gpt-4.1:InputPerMillion"] = "2.00",
                ["Pricing:Models:gpt-4.1:CachedInputPerMillion"] = "0.50",
                ["Pricing:Models:gpt-4.1:OutputPerMillion"] = "8.00",
            });
        }
        else
        {
            configuration.AddJsonFile(configurationFile);
        }
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration.Build())
            .AddLogging()
            .AddLlm()
            .BuildServiceProvider();
    }

    private static CostCalculator Calculator() => Services().GetRequiredService<CostCalculator>();

    [Fact]
    public void Cached_input_is_charged_at_the_cached_rate_and_the_rest_at_the_full_rate_exactly()
    {
        // (1234 - 200) * 2.50 + 200 * 1.25 + 567 * 10.00 = 2585 + 250 + 5670 = 8505 micro-dollars.
        var cost = Calculator().Price("gpt-4o", inputTokens: 1234, cachedInputTokens: 200, outputTokens: 567);

        Assert.Equal(new ModelCost(0.008505m, IsPriced: true), cost);
    }

    [Fact]
    public void Fractions_of_a_cent_add_up_without_floating_point_drift()
    {
        var calculator = Calculator();

        // One cached input token of gpt-4o-mini costs 0.075 micro-dollars; a million of them exactly 7.5 cents.
        var total = Enumerable.Range(0, 1_000).Sum(_ => calculator.Price("gpt-4o-mini", 1_000, 1_000, 0).CostUsd);

        Assert.Equal(0.075m, total);
        Assert.Equal(0.0000006m, calculator.Price("gpt-4o-mini", 0, 0, 1).CostUsd);
    }

    [Fact]
    public void An_unknown_model_costs_nothing_and_is_flagged_unpriced()
    {
        Assert.Equal(new ModelCost(0m, IsPriced: false), Calculator().Price("llama3.1:8b", 10_000, 0, 2_000));
    }

    [Fact]
    public void A_dated_snapshot_is_priced_as_its_model_but_a_different_model_sharing_a_prefix_is_not()
    {
        var calculator = Calculator();

        Assert.Equal(0.0125m, calculator.Price("gpt-4o-2024-08-06", 1_000, 0, 1_000).CostUsd);
        Assert.Equal(0.00075m, calculator.Price("GPT-4o-mini", 1_000, 0, 1_000).CostUsd);
        Assert.False(calculator.Price("gpt-4.1-nano", 1_000, 0, 1_000).IsPriced);
    }

    [Fact]
    public void More_cached_than_input_tokens_never_yields_a_negative_charge()
    {
        Assert.Equal(0.00125m, Calculator().Price("gpt-4o", 1_000, 5_000, 0).CostUsd);
    }

    [Fact]
    public void Negative_prices_are_refused_at_startup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pricing:Models:gpt-4o:InputPerMillion"] = "-1",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddLlm().BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PricingOptions>>().Value);

        Assert.Contains("Pricing:Models:gpt-4o must have non-negative prices", error.Message);
    }

    [Fact]
    public void The_development_defaults_bind_to_valid_llm_and_pricing_settings()
    {
        var file = FindUpwards("appsettings.Development.json");
        using var services = Services(file);

        var llm = services.GetRequiredService<IOptions<LlmOptions>>().Value;
        var cost = services.GetRequiredService<CostCalculator>().Price("gpt-4o", 1234, 200, 567);

        Assert.False(llm.IsConfigured);
        Assert.Equal("gpt-4o", llm.ModelFor("sql-writer"));
        Assert.Equal("gpt-4o-mini", llm.ModelFor("narrator"));
        Assert.Equal(0.008505m, cost.CostUsd);
    }

    private static string FindUpwards(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, name);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }
}

using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Hosting;
using Npgsql;

namespace NlAnalytics.Core.Samples;

/// <summary>
/// Sample data sources for the command line and benchmarks: Chinook, Northwind (with and without foreign
/// keys) and a demo warehouse with a pinned end date, each in a database of its own on the server that
/// holds the app database (the embedded cluster, or ConnectionStrings:App's server when its user is a
/// superuser), loaded the first time it is asked for and reused afterwards.
/// </summary>
public sealed class SampleSources(
    PlatformDatabases databases,
    SampleLoader loader,
    IOptions<DemoWarehouseOptions> demoOptions)
{
    /// <summary>The demo warehouse benchmarks run on: the configured seed, scale 1.0 and a fixed end date.</summary>
    public const string BenchmarkDemo = "demo_benchmark";

    /// <summary>The end date of <see cref="BenchmarkDemo"/>, and the "today" of benchmark runs, unless a run says otherwise.</summary>
    public static readonly DateOnly DefaultBenchmarkDemoEndDate = new(2026, 11, 30);

    public const string DatabasePrefix = "nlanalytics_sample_";

    public static IReadOnlyList<string> Names => [BenchmarkDemo, .. SampleDatabase.All.Select(s => s.Name)];

    public static bool IsSample(string name) => Names.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The demo options of <see cref="BenchmarkDemo"/> ending on <paramref name="endDate"/>.</summary>
    public static DemoWarehouseOptions BenchmarkDemoOptions(int seed, DateOnly endDate, double scale = 1.0) =>
        new() { Seed = seed, Scale = scale, EndDate = endDate };

    /// <summary>
    /// The sample named <paramref name="name"/> as a data source, loading it first if its database does not
    /// hold it yet. <paramref name="benchmarkDemoEndDate"/> only matters for <see cref="BenchmarkDemo"/>.
    /// </summary>
    public async Task<DataSource> EnsureAsync(string name, DateOnly? benchmarkDemoEndDate, CancellationToken cancellationToken)
    {
        if (!IsSample(name))
            throw new KeyNotFoundException($"No sample is named '{name}'. Known: {string.Join(", ", Names)}.");
        var key = name.ToLowerInvariant();
        var admin = await EnsureDatabaseAsync(DatabasePrefix + key, cancellationToken);
        var reader = new SampleReader(ReaderRoleName(), databases.StoredSecret("sample-reader.password"));
        if (key == BenchmarkDemo)
        {
            var options = BenchmarkDemoOptions(demoOptions.Value.Seed, benchmarkDemoEndDate ?? DefaultBenchmarkDemoEndDate);
            return await loader.PrepareDemoAsync(admin, BenchmarkDemo, options, reader, cancellationToken);
        }
        return await loader.PrepareAsync(admin, SampleDatabase.Find(key)!, reader, cancellationToken);
    }

    /// <summary>Loads (or checks) a sample without provisioning anything; returns null when it was loaded already.</summary>
    public async Task<(string Database, SampleLoadReport? Report)> LoadAsync(string name, CancellationToken cancellationToken)
    {
        var sample = SampleDatabase.Find(name) ?? throw new KeyNotFoundException($"No sample script is named '{name}'. Known: {string.Join(", ", SampleDatabase.All.Select(s => s.Name))}.");
        var database = DatabasePrefix + sample.Name;
        var admin = await EnsureDatabaseAsync(database, cancellationToken);
        return (database, await loader.EnsureLoadedAsync(admin, sample, cancellationToken));
    }

    /// <summary>One reader for all samples, named after the demo's so two apps sharing a server keep apart.</summary>
    private string ReaderRoleName() => demoOptions.Value.ReaderRole + "_samples";

    private async Task<string> EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        if (databases.Cluster is { } cluster)
        {
            await cluster.EnsureDatabaseAsync(database, cancellationToken);
            return cluster.ConnectionString(database);
        }
        var server = new NpgsqlConnectionStringBuilder(databases.AppConnectionString) { Database = "postgres" };
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Execution.ExecutionRoleProvisioner.QuoteIdentifier(database)}", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        return new NpgsqlConnectionStringBuilder(databases.AppConnectionString) { Database = database }.ConnectionString;
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Samples;
using NlAnalytics.Tests.Demo;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Samples;

/// <summary>
/// The sample databases on the test cluster, loaded through the Core loader the way the CLI loads them
/// (database of its own, read-only reader provisioned) and cached for the whole test run. The benchmark
/// demo is small here (scale <see cref="BenchmarkDemoScale"/>) but ends on the benchmarks' pinned day.
/// </summary>
public static class SampleDatabases
{
    public const double BenchmarkDemoScale = 0.02;
    public const int BenchmarkDemoSeed = 20261121;

    // One reader role for every sample of this run: provisioning sets its password, so it happens once per sample, in turn.
    private static readonly SampleReader Reader = new($"nla_samples_{Environment.ProcessId}", ExecutionRoleProvisioner.GeneratePassword());
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, Task<DataSource>> Loaded = new(StringComparer.OrdinalIgnoreCase);

    public static SampleLoader NewLoader() => new(
        new ExecutionRoleProvisioner(NullLogger<ExecutionRoleProvisioner>.Instance),
        DemoWarehouseFixture.NewGenerator(), TimeProvider.System, NullLogger<SampleLoader>.Instance);

    /// <summary>The sample named <paramref name="name"/> (a <see cref="SampleDatabase"/> or <see cref="SampleSources.BenchmarkDemo"/>), loaded once per run.</summary>
    public static Task<DataSource> SourceAsync(string name)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out var task))
                Loaded[name] = task = LoadAsync(name);
            return task;
        }
    }

    private static async Task<DataSource> LoadAsync(string name)
    {
        await Gate.WaitAsync();
        try
        {
            var admin = await TestPostgres.CreateDatabaseAsync("sample_" + name.Replace("_", "", StringComparison.Ordinal));
            if (string.Equals(name, SampleSources.BenchmarkDemo, StringComparison.OrdinalIgnoreCase))
                return await NewLoader().PrepareDemoAsync(admin, SampleSources.BenchmarkDemo,
                    SampleSources.BenchmarkDemoOptions(BenchmarkDemoSeed, SampleSources.DefaultBenchmarkDemoEndDate, BenchmarkDemoScale), Reader, CancellationToken.None);
            var sample = SampleDatabase.Find(name) ?? throw new ArgumentException($"No sample named {name}", nameof(name));
            return await NewLoader().PrepareAsync(admin, sample, Reader, CancellationToken.None);
        }
        finally
        {
            Gate.Release();
        }
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Demo;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Demo;

/// <summary>One small demo warehouse shared by the read-only tests of a class, so the load runs once.</summary>
public sealed class DemoWarehouseFixture : IAsyncLifetime
{
    public static readonly DateOnly EndDate = new(2025, 6, 30);
    public const int Seed = 4242;
    public const double Scale = 0.01;

    public string ConnectionString { get; private set; } = "";
    public DemoLoadReport Report { get; private set; } = null!;
    public IReadOnlyList<DemoLoadProgress> ProgressReports { get; private set; } = [];

    public static DemoWarehouseOptions Options(int seed = Seed) => new() { Seed = seed, Scale = Scale, EndDate = EndDate };

    public static DemoWarehouseGenerator NewGenerator(TimeProvider? time = null) =>
        new(time ?? TimeProvider.System, NullLogger<DemoWarehouseGenerator>.Instance);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("demo");
        var progress = new SynchronousProgress();
        Report = await NewGenerator().GenerateAsync(ConnectionString, Options(), progress, CancellationToken.None);
        ProgressReports = progress.Reports;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this one records reports in order as they happen.</summary>
    private sealed class SynchronousProgress : IProgress<DemoLoadProgress>
    {
        public List<DemoLoadProgress> Reports { get; } = [];
        public void Report(DemoLoadProgress value) => Reports.Add(value);
    }
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Hosting;

public enum DemoState { NotConfigured, Preparing, Ready, Failed }

/// <summary>What the demo data source is doing; the UI shows it while the first start generates the warehouse.</summary>
public sealed class DemoStatus
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DemoState State { get; private set; } = DemoState.NotConfigured;
    public string Message { get; private set; } = "No demo database is configured.";
    public double Percent { get; private set; }

    /// <summary>Completes when the demo is ready; faults when preparing it failed.</summary>
    public Task WhenReady => _ready.Task;

    public event Action? Changed;

    internal void Report(DemoState state, string message, double percent = 0)
    {
        (State, Message, Percent) = (state, message, percent);
        if (state == DemoState.Ready)
            _ready.TrySetResult();
        else if (state is DemoState.Failed or DemoState.NotConfigured)
            _ready.TrySetException(new InvalidOperationException(message));
        Changed?.Invoke();
    }
}

/// <summary>
/// Prepares the demo data source in the background once the platform is up: generates the warehouse on
/// first start (later starts find its stamp and skip it), provisions the read-only execution role, then
/// publishes the source. The app serves sign-in and the schema of other sources meanwhile.
/// </summary>
public sealed partial class DemoWarehouseStartup(
    PlatformDatabases databases,
    DemoWarehouseGenerator generator,
    ExecutionRoleProvisioner provisioner,
    IOptions<DemoWarehouseOptions> options,
    DemoDataSourceHolder holder,
    DemoStatus status,
    ILogger<DemoWarehouseStartup> logger) : BackgroundService
{
    public const string ReaderRole = "nla_reader";
    public static readonly IReadOnlyList<string> Schemas = ["sales", "university", "music"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // PlatformStartup (registered first) has started the databases before any BackgroundService runs.
        var admin = databases.DemoAdminConnectionString;
        if (admin is null)
        {
            status.Report(DemoState.NotConfigured, "No demo database is configured.");
            return;
        }
        try
        {
            status.Report(DemoState.Preparing, "Checking the demo warehouse...");
            var lastLogged = -1;
            var progress = new Progress<DemoLoadProgress>(p =>
            {
                var percent = p.RowsExpected > 0 ? 100.0 * p.RowsDone / p.RowsExpected : 0;
                status.Report(DemoState.Preparing, $"Generating the demo warehouse: {p.Table} ({p.RowsDone:N0} rows)", percent);
                if ((int)percent / 25 != lastLogged)
                {
                    lastLogged = (int)percent / 25;
                    LogProgress(logger, p.Table, p.RowsDone, p.RowsExpected);
                }
            });
            var report = await generator.EnsureAsync(admin, options.Value, progress, stoppingToken);
            if (report is not null)
                LogGenerated(logger, report.TotalRows, report.Elapsed.TotalSeconds, report.RowsPerSecond);

            var role = await provisioner.ProvisionAsync(admin, options.Value.ReaderRole, Schemas, password: databases.StoredSecret("reader.password"), cancellationToken: stoppingToken);
            holder.Source = new DataSource("demo", "Demo warehouse", role.ConnectionString, admin, Schemas);
            status.Report(DemoState.Ready, "The demo warehouse is ready.", 100);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
            status.Report(DemoState.Failed, $"The demo warehouse could not be prepared: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo warehouse: loading {Table} ({RowsDone}/{RowsExpected})")]
    private static partial void LogProgress(ILogger logger, string table, long rowsDone, long rowsExpected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo warehouse generated: {Rows} rows in {Seconds:F1} s ({RowsPerSecond:F0} rows/s)")]
    private static partial void LogGenerated(ILogger logger, long rows, double seconds, double rowsPerSecond);

    [LoggerMessage(Level = LogLevel.Error, Message = "The demo warehouse could not be prepared")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Cli;

/// <summary>Two processes on one embedded data folder: the app's and a CLI verb's (README's run-sql while the app runs).</summary>
public sealed class CliClusterTests(CliHost cli) : IClassFixture<CliHost>, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"nla-shared-{Guid.NewGuid():N}"[..24]);

    [Fact]
    public async Task A_cli_verb_reuses_the_running_cluster_of_the_app_and_leaves_it_running()
    {
        await using var app = new PostgresCluster(Options(), NullLogger<PostgresCluster>.Instance);
        await app.StartAsync();
        await using var appConnection = new NpgsqlConnection(app.ConnectionString());
        await appConnection.OpenAsync();

        var run = await RunSqlAsync(app.ConnectionString());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\"ok\": true", run.Output);
        // The app's open connection and new ones still work: nothing was stopped under it.
        await using (var command = new NpgsqlCommand("SELECT 42", appConnection))
            Assert.Equal(42, await command.ExecuteScalarAsync());
        Assert.Equal(1, await Sql.ScalarAsync(app.ConnectionString() + ";Pooling=false", "SELECT 1"));
        Assert.True(app.StartedByThisProcess);
    }

    [Fact]
    public async Task A_cli_verb_stops_only_a_cluster_it_started_itself()
    {
        // Nothing runs on the folder: the CLI starts the cluster (and the demo on it), and with nobody else
        // connected it stops what it started.
        var probe = new PostgresCluster(Options(), NullLogger<PostgresCluster>.Instance);
        var run = await cli.RunAsync(["run-sql", "SELECT 1 AS one", "--source", "demo"], Settings());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(File.Exists(Path.Combine(probe.DataDirectory, "postmaster.pid")), run.ToString());

        // Started by someone else and in use: the CLI's run leaves it up.
        await probe.StartAsync();
        var other = new NpgsqlConnection(probe.ConnectionString());
        await other.OpenAsync();
        try
        {
            var second = await RunSqlAsync(probe.ConnectionString());
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.True(File.Exists(Path.Combine(probe.DataDirectory, "postmaster.pid")));
        }
        finally
        {
            await other.DisposeAsync();
            await probe.StopAsync();
        }
    }

    private Task<CliRun> RunSqlAsync(string superuserConnectionString) =>
        cli.RunAsync(["run-sql", "SELECT 1 AS one", "--source", superuserConnectionString], Settings());

    /// <summary>No app connection string: the CLI uses the embedded cluster on the shared folder, as `dotnet run -- run-sql` does.</summary>
    private Dictionary<string, string?> Settings() => new()
    {
        ["ConnectionStrings:App"] = "",
        ["ConnectionStrings:Demo"] = "",
        ["EmbeddedPostgres:DataDirectory"] = _directory,
        ["EmbeddedPostgres:Port"] = "0",
    };

    private EmbeddedPostgresOptions Options() => new() { DataDirectory = _directory, Port = 0 };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await new PostgresCluster(Options(), NullLogger<PostgresCluster>.Instance).StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Hosting;

public sealed class PostgresClusterTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"nla-cluster-{Guid.NewGuid():N}"[..24]);

    private PostgresCluster NewCluster(int port = 0) =>
        new(new EmbeddedPostgresOptions { DataDirectory = _directory, Port = port }, NullLogger<PostgresCluster>.Instance);

    [Fact]
    public async Task Data_written_before_a_restart_is_still_there_after_it()
    {
        await using (var first = NewCluster())
        {
            await first.StartAsync();
            await first.EnsureDatabaseAsync("keep");
            await Sql.ExecuteAsync(first.ConnectionString("keep"), "CREATE TABLE t(v text); INSERT INTO t VALUES ('survives')");
            await first.StopAsync();
        }

        await using var second = NewCluster();
        await second.StartAsync();
        Assert.Equal("survives", await Sql.ScalarAsync(second.ConnectionString("keep"), "SELECT v FROM t"));
    }

    [Fact]
    public async Task A_killed_server_is_recovered_on_the_next_start_without_losing_committed_rows()
    {
        await using (var first = NewCluster())
        {
            await first.StartAsync();
            await Sql.ExecuteAsync(first.ConnectionString(), "CREATE TABLE crash(v int); INSERT INTO crash VALUES (42)");
            var pid = int.Parse(File.ReadLines(Path.Combine(first.DataDirectory, "postmaster.pid")).First());
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
            await Task.Delay(500);
            NpgsqlConnection.ClearAllPools();
            Assert.True(File.Exists(Path.Combine(first.DataDirectory, "postmaster.pid")), "a crash leaves postmaster.pid behind");
        }

        await using var second = NewCluster();
        await second.StartAsync();
        Assert.Equal(42, await Sql.ScalarAsync(second.ConnectionString(), "SELECT v FROM crash"));
    }

    [Fact]
    public async Task A_busy_port_gives_one_clear_message_naming_the_setting_to_change()
    {
        using var blocker = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;

        await using var cluster = NewCluster(port);
        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => cluster.StartAsync());
        Assert.Contains($"Port {port}", error.Message);
        Assert.Contains("EmbeddedPostgres:Port", error.Message);
    }

    [Fact]
    public void Missing_binaries_are_reported_with_a_way_out()
    {
        var error = Assert.Throws<EmbeddedPostgresException>(() =>
            new PostgresCluster(new EmbeddedPostgresOptions { DataDirectory = _directory, BinDirectory = "/nonexistent" }, NullLogger<PostgresCluster>.Instance));
        Assert.Contains("BinDirectory", error.Message);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }
}

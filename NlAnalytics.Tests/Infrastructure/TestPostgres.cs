using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Hosting;
using Npgsql;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL cluster for the whole test run, started exactly as the app starts its embedded
/// cluster (or taken from NLANALYTICS_TEST_PG, a superuser connection string). Tests isolate themselves
/// with a database of their own from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public static class TestPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresCluster? _cluster;
    private static string? _external;

    public static async Task<string> SuperuserConnectionStringAsync(string database = "postgres")
    {
        await Gate.WaitAsync();
        try
        {
            _external ??= Environment.GetEnvironmentVariable("NLANALYTICS_TEST_PG");
            if (!string.IsNullOrEmpty(_external))
                return new NpgsqlConnectionStringBuilder(_external) { Database = database }.ConnectionString;
            if (_cluster is null)
            {
                await StopClustersOfFinishedRunsAsync();
                var directory = Path.Combine(Path.GetTempPath(), $"nlanalytics-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
                var cluster = new PostgresCluster(new EmbeddedPostgresOptions { DataDirectory = directory, Port = 0 }, NullLogger<PostgresCluster>.Instance);
                await cluster.StartAsync();
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    cluster.StopAsync().GetAwaiter().GetResult();
                    try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                };
                _cluster = cluster;
            }
            return _cluster.ConnectionString(database);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// The test host does not always run ProcessExit handlers, so a run can leave its cluster behind.
    /// Folders are named after the owning process: stop and remove those whose process is gone.
    /// </summary>
    private static async Task StopClustersOfFinishedRunsAsync()
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), "nlanalytics-tests-*"))
        {
            var parts = Path.GetFileName(directory).Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[2], out var pid) || IsAlive(pid))
                continue;
            await new PostgresCluster(new EmbeddedPostgresOptions { DataDirectory = directory }, NullLogger<PostgresCluster>.Instance).StopAsync();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Drops a test's database (closing its connections) and then the given roles. DROP DATABASE waits for a
    /// checkpoint, which takes long on a busy machine while other tests write: no 30-second command timeout.
    /// </summary>
    public static async Task DropDatabaseAsync(string connectionString, params string[] roles)
    {
        NpgsqlConnection.ClearAllPools();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(await SuperuserConnectionStringAsync());
        await connection.OpenAsync();
        foreach (var sql in roles.Select(r => $"DROP ROLE IF EXISTS \"{r}\"").Prepend($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"))
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Creates a fresh, uniquely named database and returns a superuser connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(await SuperuserConnectionStringAsync()))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return await SuperuserConnectionStringAsync(name);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace NlAnalytics.Core.Hosting;

/// <summary>
/// A private PostgreSQL cluster started from the locally installed server binaries: initialised on
/// first use, reused on later starts, stopped on dispose. When the process is root the server runs as
/// <see cref="EmbeddedPostgresOptions.RootRunAsUser"/> because PostgreSQL refuses to run as root.
/// </summary>
public sealed partial class PostgresCluster : IAsyncDisposable
{
    private readonly EmbeddedPostgresOptions _options;
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly string _binDirectory;
    private bool _startedByUs;

    public PostgresCluster(EmbeddedPostgresOptions options, ILogger<PostgresCluster> logger)
    {
        _options = options;
        _logger = logger;
        _root = Path.GetFullPath(options.DataDirectory);
        _binDirectory = LocateBinaries(options.BinDirectory);
    }

    public string DataDirectory => Path.Combine(_root, "pgdata");
    public string LogFile => Path.Combine(_root, "postgres.log");
    public int Port { get; private set; }
    public bool IsRunning { get; private set; }
    private string PasswordFile => Path.Combine(_root, "superuser.password");
    private string PortFile => Path.Combine(_root, "port");

    /// <summary>Superuser connection string to the given database over 127.0.0.1.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = File.ReadAllText(PasswordFile).Trim(),
        Database = database,
    }.ConnectionString;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_root);
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
            await InitialiseAsync(cancellationToken);

        Port = ChoosePort();
        if (await IsOurServerRunningAsync(cancellationToken))
        {
            LogReusing(_logger, Port);
            IsRunning = true;
            return;
        }

        RemoveStalePidFile();
        EnsurePortFree(Port);

        var serverOptions = $"-p {Port} -c listen_addresses=127.0.0.1 -k {Quote(_root)}";
        if (_options.Tune)
            serverOptions += " " + PostgresTuning.ForThisMachine().ToCommandLine();
        var (exit, output) = await RunAsync("pg_ctl",
            ["-D", DataDirectory, "-l", LogFile, "-w", "-t", ((int)_options.StartTimeout.TotalSeconds).ToString(), "-o", serverOptions, "start"],
            cancellationToken);
        if (exit != 0)
            throw new EmbeddedPostgresException(
                $"The embedded PostgreSQL server did not start (pg_ctl exit {exit}). {output.Trim()} Last log lines:\n{TailLog()}\n" +
                $"Way out: check {LogFile}; if another PostgreSQL uses this data folder, stop it; or configure ConnectionStrings to use an existing server.");
        File.WriteAllText(PortFile, Port.ToString());
        _startedByUs = true;
        IsRunning = true;
        LogStarted(_logger, Port, DataDirectory);
    }

    /// <summary>Creates the database when it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            return;
        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(database)}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stops the server on this data folder: the one this instance started, or one left behind by a process that is gone.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!IsRunning && !File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            return;
        NpgsqlConnection.ClearAllPools();
        var (exit, output) = await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"], cancellationToken);
        if (exit != 0)
            LogStopFailed(_logger, output.Trim());
        IsRunning = false;
        _startedByUs = false;
    }

    /// <summary>Whether this instance started the server (rather than finding it running).</summary>
    public bool StartedByThisProcess => _startedByUs;

    /// <summary>
    /// Stops the server only if this instance started it and no other process is connected to it: a CLI
    /// verb run while the app is up (or an app started while a CLI verb ran) leaves the other one working.
    /// Returns whether it stopped the server.
    /// </summary>
    public async Task<bool> StopIfUnusedAsync(CancellationToken cancellationToken = default)
    {
        if (!_startedByUs || !IsRunning)
            return false;
        // Our own idle pooled connections would count as clients; other processes' stay.
        NpgsqlConnection.ClearAllPools();
        if (await OtherClientsAsync(cancellationToken) > 0)
        {
            LogLeftRunning(_logger, Port);
            return false;
        }
        await StopAsync(cancellationToken);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_startedByUs)
            await StopAsync();
    }

    private async Task<long> OtherClientsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false;Timeout=3");
            await connection.OpenAsync(cancellationToken);
            await using var count = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", connection);
            return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            // Cannot tell: leaving it running is the safe side.
            return 1;
        }
    }

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        File.WriteAllText(PasswordFile, password);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // initdb reads the password from a file the server user can read; it is removed right after.
        var pwfile = Path.Combine(_root, ".initdb-pw");
        File.WriteAllText(pwfile, password);
        Directory.CreateDirectory(DataDirectory);
        GiveToServerUser(_root, pwfile, DataDirectory);
        try
        {
            var (exit, output) = await RunAsync("initdb",
                ["-D", DataDirectory, "-U", "postgres", "--pwfile", pwfile, "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"],
                cancellationToken);
            if (exit != 0)
                throw new EmbeddedPostgresException($"initdb failed (exit {exit}): {output.Trim()}\nWay out: remove {DataDirectory} and start again, or configure ConnectionStrings.");
        }
        finally
        {
            File.Delete(pwfile);
        }
        LogInitialised(_logger, DataDirectory);
    }

    private int ChoosePort()
    {
        if (File.Exists(PortFile) && int.TryParse(File.ReadAllText(PortFile), out var previous) && _options.Port == 0)
            return previous;
        if (_options.Port != 0)
            return _options.Port;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<bool> IsOurServerRunningAsync(CancellationToken cancellationToken)
    {
        var (exit, _) = await RunAsync("pg_ctl", ["-D", DataDirectory, "status"], cancellationToken);
        if (exit != 0)
            return false;
        // Running on our data folder: it must answer on the port we expect.
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString() + ";Timeout=3");
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            throw new EmbeddedPostgresException(
                $"A PostgreSQL server is already running on {DataDirectory} but does not answer on 127.0.0.1:{Port}. " +
                $"Way out: stop it (pg_ctl -D {DataDirectory} stop) or set EmbeddedPostgres:Port to the port it uses.");
        }
    }

    /// <summary>After a crash postmaster.pid stays behind; if its PID is not a live postgres process it is safe to remove.</summary>
    private void RemoveStalePidFile()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
            return;
        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        if (int.TryParse(firstLine, out var pid) && IsPostgresProcess(pid))
            return;
        File.Delete(pidFile);
        LogRemovedStalePid(_logger, pidFile);
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.ProcessName.Contains("postgres", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void EnsurePortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException)
        {
            throw new EmbeddedPostgresException(
                $"Port {port} on 127.0.0.1 is already in use by another program, so the embedded PostgreSQL cannot start. " +
                $"Way out: set EmbeddedPostgres:Port to a free port (or 0 for any free port), or configure ConnectionStrings to use that server.");
        }
    }

    private string TailLog() => File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(8)) : "(no log)";

    private static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    private void GiveToServerUser(params string[] paths)
    {
        if (!IsRoot)
            return;
        foreach (var path in paths)
        {
            var chown = Process.Start("chown", ["-R", _options.RootRunAsUser, path]);
            chown.WaitForExit();
            if (chown.ExitCode != 0)
                throw new EmbeddedPostgresException($"Running as root, but could not give {path} to the '{_options.RootRunAsUser}' OS user. Way out: create that user or run the app as an ordinary user.");
        }
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var executable = Path.Combine(_binDirectory, tool);
        var info = IsRoot ? new ProcessStartInfo("runuser") : new ProcessStartInfo(executable);
        if (IsRoot)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(_options.RootRunAsUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(executable);
        }
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = _root;
        using var process = Process.Start(info) ?? throw new EmbeddedPostgresException($"Could not start {executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout + await stderr;
        return (process.ExitCode, output);
    }

    private static string LocateBinaries(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(Path.Combine(configured, "initdb")) ? configured
                : throw new EmbeddedPostgresException($"EmbeddedPostgres:BinDirectory is '{configured}', but it has no initdb. Way out: point it at the folder with initdb, pg_ctl and postgres.");

        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin"))
                : []);
        foreach (var directory in candidates)
        {
            var initdb = Path.Combine(directory, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                // /usr/local/bin may hold symlinks; resolve so sibling tools are found next to the real binary.
                var resolved = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                return Path.GetDirectoryName(resolved)!;
            }
        }
        throw new EmbeddedPostgresException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under /usr/lib/postgresql/*/bin. " +
            "Way out: install PostgreSQL 15+ (Debian: apt-get install postgresql), set EmbeddedPostgres:BinDirectory, or configure ConnectionStrings:App and ConnectionStrings:Demo to use an existing server.");
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    internal static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    [LoggerMessage(Level = LogLevel.Information, Message = "Initialised embedded PostgreSQL cluster in {DataDirectory}")]
    private static partial void LogInitialised(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded PostgreSQL started on 127.0.0.1:{Port} with data in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, int port, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded PostgreSQL already running on 127.0.0.1:{Port}; reusing it")]
    private static partial void LogReusing(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed stale {PidFile} left by a crashed server")]
    private static partial void LogRemovedStalePid(ILogger logger, string pidFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded PostgreSQL on 127.0.0.1:{Port} is used by another process; leaving it running")]
    private static partial void LogLeftRunning(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping embedded PostgreSQL failed: {Output}")]
    private static partial void LogStopFailed(ILogger logger, string output);
}

/// <summary>The embedded cluster could not be set up; the message says why and what to do.</summary>
public sealed class EmbeddedPostgresException(string message) : Exception(message);

using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace NlAnalytics.Core.Hosting;

/// <summary>
/// Resolves where the app database and the demo database live. With no connection strings configured
/// it starts the embedded cluster and creates both databases on it; with connection strings it starts
/// nothing and uses those servers.
/// </summary>
public sealed partial class PlatformDatabases(
    IConfiguration configuration,
    IOptions<EmbeddedPostgresOptions> embeddedOptions,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    public const string AppDatabaseName = "nlanalytics";
    public const string DemoDatabaseName = "nlanalytics_demo";
    public const string UploadsDatabaseName = "nlanalytics_uploads";

    private readonly ILogger _logger = loggerFactory.CreateLogger<PlatformDatabases>();
    private PostgresCluster? _cluster;
    private string? _app;
    private string? _demo;
    private string? _uploads;

    public bool IsEmbedded => string.IsNullOrWhiteSpace(configuration.GetConnectionString("App"));

    /// <summary>The embedded cluster, when the app runs one.</summary>
    public PostgresCluster? Cluster => _cluster;

    /// <summary>App database connection string. Valid after <see cref="StartAsync"/>.</summary>
    public string AppConnectionString => _app ?? throw new InvalidOperationException("The platform databases have not been started yet.");

    /// <summary>Superuser (or owner) connection string of the demo database, or null when no demo is available.</summary>
    public string? DemoAdminConnectionString => _demo;

    /// <summary>
    /// Superuser connection string of the database uploaded files become tables in (the app owns it), or null when
    /// uploads are off: on the embedded cluster by default, else ConnectionStrings:Uploads.
    /// </summary>
    public string? UploadsAdminConnectionString => _uploads;

    /// <summary>Folder for small secrets the embedded platform generates (e.g. the demo reader password).</summary>
    public string? SecretsDirectory => _cluster is null ? null : Path.GetFullPath(embeddedOptions.Value.DataDirectory);

    /// <summary>
    /// A generated secret (a role's password) kept in <see cref="SecretsDirectory"/> so restarts reuse it; a
    /// fresh one per call when the platform runs on configured servers and has no folder of its own.
    /// </summary>
    public string StoredSecret(string fileName)
    {
        var fresh = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        if (SecretsDirectory is not { } directory)
            return fresh;
        var file = Path.Combine(directory, fileName);
        if (File.Exists(file))
            return File.ReadAllText(file).Trim();
        File.WriteAllText(file, fresh);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return fresh;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
            return;
        if (IsEmbedded)
        {
            _cluster = new PostgresCluster(embeddedOptions.Value, loggerFactory.CreateLogger<PostgresCluster>());
            await _cluster.StartAsync(cancellationToken);
            await _cluster.EnsureDatabaseAsync(AppDatabaseName, cancellationToken);
            _app = _cluster.ConnectionString(AppDatabaseName);
            var uploads = configuration.GetConnectionString("Uploads");
            if (string.IsNullOrWhiteSpace(uploads))
            {
                await _cluster.EnsureDatabaseAsync(UploadsDatabaseName, cancellationToken);
                _uploads = _cluster.ConnectionString(UploadsDatabaseName);
            }
            else
            {
                _uploads = uploads;
            }
            var demo = configuration.GetConnectionString("Demo");
            if (string.IsNullOrWhiteSpace(demo))
            {
                await _cluster.EnsureDatabaseAsync(DemoDatabaseName, cancellationToken);
                _demo = _cluster.ConnectionString(DemoDatabaseName);
            }
            else
            {
                _demo = demo;
            }
        }
        else
        {
            _app = configuration.GetConnectionString("App")!;
            var demo = configuration.GetConnectionString("Demo");
            _demo = string.IsNullOrWhiteSpace(demo) ? null : demo;
            var uploads = configuration.GetConnectionString("Uploads");
            _uploads = string.IsNullOrWhiteSpace(uploads) ? null : uploads;
        }

        await CheckReachableAsync("ConnectionStrings:App", _app, cancellationToken);
        if (_demo is not null)
            await CheckReachableAsync("ConnectionStrings:Demo", _demo, cancellationToken);
        if (_uploads is not null)
            await CheckReachableAsync("ConnectionStrings:Uploads", _uploads, cancellationToken);
    }

    /// <summary>
    /// Stops the embedded cluster if this process started it and nobody else uses it. A cluster found running
    /// (the app's, when a CLI verb runs beside it) is never stopped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_cluster is not null)
            await _cluster.StopIfUnusedAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.StopIfUnusedAsync();
    }

    /// <summary>A wrong connection string gets one clear message naming the setting, without echoing the password.</summary>
    private async Task CheckReachableAsync(string setting, string connectionString, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new PlatformConfigurationException($"{setting} is not a valid PostgreSQL connection string ({ex.Message}). Expected e.g. \"Host=db;Database=app;Username=app;Password=...\".");
        }

        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            var where = $"{builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}";
            LogUnreachable(_logger, setting, where);
            throw new PlatformConfigurationException(
                $"Cannot connect to PostgreSQL for {setting} ({where}): {Scrub(ex.Message, builder.Password)}. " +
                "Way out: check host, port, database, user and password, or remove the setting to use the embedded PostgreSQL.");
        }
    }

    private static string Scrub(string message, string? password) =>
        string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot connect to PostgreSQL for {Setting} ({Where})")]
    private static partial void LogUnreachable(ILogger logger, string setting, string where);
}

/// <summary>The configuration points at something unusable; the message says which setting and what to do.</summary>
public sealed class PlatformConfigurationException(string message) : Exception(message);

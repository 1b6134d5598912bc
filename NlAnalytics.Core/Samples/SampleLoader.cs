using System.Text.Json;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Core.Samples;

/// <summary>The login analyst SQL runs as on sample databases, provisioned like the demo's reader.</summary>
public sealed record SampleReader(string RoleName, string Password)
{
    public override string ToString() => $"SampleReader {{ RoleName = {RoleName} }}";
}

/// <summary>What a sample load did.</summary>
public sealed record SampleLoadReport(string Sample, int Tables, long Rows, int ForeignKeysDropped, IReadOnlyList<string> IgnoredMetaCommands, TimeSpan Elapsed);

/// <summary>Marks a database as holding a sample, from which script; stored as JSON in the database's comment.</summary>
public sealed record SampleStamp(string Sample, string Fingerprint, DateTimeOffset LoadedAt);

/// <summary>
/// Loads a sample script into a database of its own through Npgsql, in one transaction: schema public is
/// dropped and recreated, the script runs, foreign keys are dropped for the variants without them, then
/// ANALYZE (the catalog reads statistics) and a stamp. A load that fails leaves the database as it was.
/// </summary>
public sealed partial class SampleLoader(
    ExecutionRoleProvisioner provisioner,
    DemoWarehouseGenerator demoGenerator,
    TimeProvider time,
    ILogger<SampleLoader> logger)
{
    private const string StampPrefix = "nlanalytics-sample: ";
    private static readonly JsonSerializerOptions StampJson = new(JsonSerializerDefaults.Web);

    /// <summary>Loads <paramref name="sample"/> unless the database already holds this very script; returns null when nothing had to be done.</summary>
    public async Task<SampleLoadReport?> EnsureLoadedAsync(string connectionString, SampleDatabase sample, CancellationToken cancellationToken)
    {
        var stamp = await ReadStampAsync(connectionString, cancellationToken);
        if (stamp is not null && stamp.Sample == sample.Name && stamp.Fingerprint == sample.Prepare().Fingerprint)
        {
            LogUpToDate(logger, sample.Name);
            return null;
        }
        return await LoadAsync(connectionString, sample, cancellationToken);
    }

    /// <summary>Replaces whatever schema public holds with <paramref name="sample"/>. Needs the database's owner or a superuser.</summary>
    public async Task<SampleLoadReport> LoadAsync(string connectionString, SampleDatabase sample, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var script = sample.Prepare();
        foreach (var command in script.IgnoredMetaCommands)
            LogMetaCommandIgnored(logger, sample.Name, command);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public", cancellationToken);
        await ExecuteAsync(connection, script.Sql, cancellationToken);
        var dropped = sample.DropForeignKeys ? await DropForeignKeysAsync(connection, cancellationToken) : 0;
        await ExecuteAsync(connection, "ANALYZE", cancellationToken);

        var stamp = new SampleStamp(sample.Name, script.Fingerprint, time.GetUtcNow());
        var database = await ScalarAsync<string>(connection, "SELECT current_database()", cancellationToken);
        await ExecuteAsync(connection,
            $"COMMENT ON DATABASE {ExecutionRoleProvisioner.QuoteIdentifier(database)} IS {ExecutionRoleProvisioner.Literal(StampPrefix + JsonSerializer.Serialize(stamp, StampJson))}",
            cancellationToken);
        var tables = (int)await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'", cancellationToken);
        var rows = (long)await ScalarAsync<double>(connection, "SELECT coalesce(sum(greatest(reltuples, 0)), 0)::float8 FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'", cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var report = new SampleLoadReport(sample.Name, tables, rows, dropped, script.IgnoredMetaCommands, time.GetElapsedTime(started));
        LogLoaded(logger, sample.Name, tables, rows, dropped, report.Elapsed.TotalSeconds);
        return report;
    }

    /// <summary>The stamp of a completed sample load in this database, or null when it holds none.</summary>
    public async Task<SampleStamp?> ReadStampAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()", connection);
        if (await command.ExecuteScalarAsync(cancellationToken) is not string comment || !comment.StartsWith(StampPrefix, StringComparison.Ordinal))
            return null;
        try
        {
            return JsonSerializer.Deserialize<SampleStamp>(comment[StampPrefix.Length..], StampJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Makes <paramref name="sample"/> ready as a data source: loaded (once), the read-only execution role
    /// provisioned on it the way the demo's reader is, and a source whose queries run as that role.
    /// </summary>
    public async Task<DataSource> PrepareAsync(string adminConnectionString, SampleDatabase sample, SampleReader reader, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(adminConnectionString, sample, cancellationToken);
        var role = await provisioner.ProvisionAsync(adminConnectionString, reader.RoleName, SampleDatabase.Schemas, password: reader.Password, cancellationToken: cancellationToken);
        return new DataSource(sample.Name, sample.DisplayName, role.ConnectionString, adminConnectionString, SampleDatabase.Schemas);
    }

    /// <summary>The same for a demo warehouse generated with fixed options (a benchmark's pinned end date), named <paramref name="name"/>.</summary>
    public async Task<DataSource> PrepareDemoAsync(string adminConnectionString, string name, DemoWarehouseOptions options, SampleReader reader, CancellationToken cancellationToken)
    {
        if (options.EndDate is null)
            throw new ArgumentException("A benchmark demo needs a fixed end date, so its figures do not move with the calendar.", nameof(options));
        await demoGenerator.EnsureAsync(adminConnectionString, options, null, cancellationToken);
        var schemas = Hosting.DemoWarehouseStartup.Schemas;
        var role = await provisioner.ProvisionAsync(adminConnectionString, reader.RoleName, schemas, password: reader.Password, cancellationToken: cancellationToken);
        return new DataSource(name, $"Demo warehouse ending {options.EndDate:yyyy-MM-dd}", role.ConnectionString, adminConnectionString, schemas);
    }

    private static async Task<int> DropForeignKeysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var keys = new List<(string Table, string Constraint)>();
        await using (var command = new NpgsqlCommand(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1, 2", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                keys.Add((reader.GetString(0), reader.GetString(1)));
        }
        // regclass text is already a valid (quoted where needed) table name.
        foreach (var (table, constraint) in keys)
            await ExecuteAsync(connection, $"ALTER TABLE {table} DROP CONSTRAINT {ExecutionRoleProvisioner.QuoteIdentifier(constraint)}", cancellationToken);
        return keys.Count;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample {Sample} loaded: {Tables} tables, {Rows} rows, {ForeignKeys} foreign keys dropped, {Seconds:F1} s")]
    private static partial void LogLoaded(ILogger logger, string sample, int tables, long rows, int foreignKeys, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample {Sample} is already loaded")]
    private static partial void LogUpToDate(ILogger logger, string sample);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample {Sample}: psql meta-command left out: {Command}")]
    private static partial void LogMetaCommandIgnored(ILogger logger, string sample, string command);
}

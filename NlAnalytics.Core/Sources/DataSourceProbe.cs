using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Core.Sources;

/// <summary>What one exposed schema gives the query role: whether it may use it, and the tables and views it can read there.</summary>
public sealed record SchemaAccess(string Schema, bool Exists, bool Usable, IReadOnlyList<string> ReadableTables);

/// <summary>
/// The outcome of connecting as a source's query role. <see cref="Accepted"/> only when it connected, every
/// exposed schema is readable and the role can change nothing (<see cref="WriteCapabilities"/> empty).
/// <see cref="RoleScript"/> is the script that makes such a role, as the <c>role-script</c> verb prints it.
/// </summary>
public sealed record SourceTestReport(
    bool Connected,
    string? Error,
    string? Role,
    string? Database,
    string? ServerVersion,
    IReadOnlyList<SchemaAccess> Schemas,
    IReadOnlyList<string> WriteCapabilities,
    string? RoleScript)
{
    public bool ReadOnly => Connected && WriteCapabilities.Count == 0;

    public bool Accepted => ReadOnly && Schemas.Count > 0 && Schemas.All(s => s.Usable);

    /// <summary>One sentence for the Admin: why the source is refused, or what it can read.</summary>
    public string Summary =>
        !Connected ? $"Could not connect: {Error}"
        : WriteCapabilities.Count > 0 ? $"Refused: the role {Role} can change the database ({string.Join("; ", WriteCapabilities)}). Create a read-only role with the script below and use it."
        : Schemas.FirstOrDefault(s => !s.Usable) is { } missing
            ? (missing.Exists ? $"Refused: the role {Role} cannot use schema {missing.Schema}." : $"Refused: there is no schema {missing.Schema} in {Database}.")
        : $"Read-only: {Role} reads {Schemas.Sum(s => s.ReadableTables.Count)} tables and views in {string.Join(", ", Schemas.Select(s => s.Schema))} of {Database}.";
}

/// <summary>
/// Connects as a source's query role and asks PostgreSQL what that role may do: which exposed schemas and tables
/// it reads, and anything that would let it write (attributes, write privileges on any table, CREATE on a schema or
/// the database, TEMP, owned objects, read-write transactions by default). Never logs the connection string.
/// </summary>
public sealed partial class DataSourceProbe(ILogger<DataSourceProbe> logger)
{
    /// <summary>The role name the script suggests when the connection's own role cannot be used.</summary>
    public const string SuggestedRole = "nla_reader";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    public async Task<SourceTestReport> TestAsync(string queryConnectionString, IReadOnlyList<string> schemas, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(queryConnectionString) { Timeout = (int)ConnectTimeout.TotalSeconds, Pooling = false };
        }
        catch (ArgumentException)
        {
            return Failed("the query connection is not a valid PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...).", null, schemas);
        }
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            var (role, database, version, writes) = await RoleAsync(connection, cancellationToken);
            writes.AddRange(await WritableTablesAsync(connection, cancellationToken));
            var access = new List<SchemaAccess>();
            foreach (var schema in schemas)
                access.Add(await SchemaAsync(connection, schema, cancellationToken));
            LogTested(logger, role, database, writes.Count == 0);
            // A role that can write is not turned read-only by the script (its grants stay): suggest a new one.
            return new SourceTestReport(true, null, role, database, version, access, writes, Script(database, writes.Count > 0 ? SuggestedRole : role, schemas));
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            var message = SecretScrubber.Scrub(ex is PostgresException pg ? pg.MessageText : ex.Message, queryConnectionString);
            LogFailed(logger, builder.Host ?? "?", builder.Database ?? "?", message);
            return Failed(message, builder, schemas);
        }
    }

    /// <summary>The role script for the database and role the connection names (placeholders when it names none).</summary>
    public static string? Script(string? database, string? role, IReadOnlyList<string> schemas)
    {
        try
        {
            return ExecutionRoleProvisioner.Script(database ?? "your_database", string.IsNullOrEmpty(role) ? SuggestedRole : role, schemas.Count == 0 ? ["public"] : schemas);
        }
        catch (ArgumentException)
        {
            // A role name the script cannot use (upper case, a superuser's odd name): suggest the usual one.
            try
            {
                return ExecutionRoleProvisioner.Script(database ?? "your_database", SuggestedRole, schemas.Count == 0 ? ["public"] : schemas);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
    }

    private static SourceTestReport Failed(string error, NpgsqlConnectionStringBuilder? builder, IReadOnlyList<string> schemas) =>
        new(false, error, builder?.Username, builder?.Database, null, [], [], Script(builder?.Database, builder?.Username, schemas));

    private static async Task<(string Role, string Database, string Version, List<string> Writes)> RoleAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT current_user::text, current_database()::text, current_setting('server_version'),
                   r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication,
                   current_setting('default_transaction_read_only') = 'on',
                   has_database_privilege(current_database(), 'CREATE'),
                   has_database_privilege(current_database(), 'TEMP'),
                   (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) + (SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid),
                   (SELECT string_agg(nspname, ', ' ORDER BY nspname) FROM pg_namespace n
                     WHERE has_schema_privilege(n.oid, 'CREATE') AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'),
                   (SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname) FROM pg_roles g
                     WHERE pg_has_role(r.oid, g.oid, 'MEMBER') AND g.oid <> r.oid AND g.rolname IN ('pg_write_all_data', 'pg_execute_server_program', 'pg_write_server_files', 'pg_read_server_files', 'pg_signal_backend'))
            FROM pg_roles r WHERE r.rolname = current_user
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var writes = new List<string>();
        void Flag(bool condition, string what)
        {
            if (condition)
                writes.Add(what);
        }
        Flag(reader.GetBoolean(3), "it is a superuser");
        Flag(reader.GetBoolean(4), "it can create roles");
        Flag(reader.GetBoolean(5), "it can create databases");
        Flag(reader.GetBoolean(6), "it bypasses row-level security");
        Flag(reader.GetBoolean(7), "it has the replication attribute");
        Flag(!reader.GetBoolean(8), "its transactions are read-write by default (default_transaction_read_only is off)");
        Flag(reader.GetBoolean(9), "it can create schemas in the database");
        Flag(reader.GetBoolean(10), "it can create temporary tables");
        Flag(reader.GetInt64(11) > 0, $"it owns {reader.GetInt64(11)} objects");
        Flag(!reader.IsDBNull(12), $"it can create objects in schema {(reader.IsDBNull(12) ? "" : reader.GetString(12))}");
        Flag(!reader.IsDBNull(13), $"it is a member of {(reader.IsDBNull(13) ? "" : reader.GetString(13))}");
        return (reader.GetString(0), reader.GetString(1), reader.GetString(2), writes);
    }

    private static async Task<IReadOnlyList<string>> WritableTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT count(*), string_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname), ', ' ORDER BY n.nspname, c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
              AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
                   OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var count = reader.GetInt64(0);
        if (count == 0)
            return [];
        var names = reader.GetString(1).Split(", ");
        return [$"it can write to {count} tables ({string.Join(", ", names.Take(5))}{(count > 5 ? ", ..." : "")})"];
    }

    private static async Task<SchemaAccess> SchemaAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = schema });
            var usage = await exists.ExecuteScalarAsync(cancellationToken);
            if (usage is not bool usable)
                return new SchemaAccess(schema, false, false, []);
            if (!usable)
                return new SchemaAccess(schema, true, false, []);
        }
        await using var tables = new NpgsqlCommand("""
            SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(c.oid, 'SELECT')
            ORDER BY c.relname
            """, connection);
        tables.Parameters.Add(new NpgsqlParameter { Value = schema });
        var names = new List<string>();
        await using var reader = await tables.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            names.Add(reader.GetString(0));
        return new SchemaAccess(schema, true, names.Count > 0, names);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tested a data source connection: role {Role} on {Database}, read-only {ReadOnly}")]
    private static partial void LogTested(ILogger logger, string role, string database, bool readOnly);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Testing a data source connection to {Host}/{Database} failed: {Message}")]
    private static partial void LogFailed(ILogger logger, string host, string database, string message);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace NlAnalytics.Core.Execution;

/// <summary>Session limits the execution role gets as role defaults (see <see cref="ExecutionRoleProvisioner"/>).</summary>
public sealed record ExecutionRoleLimits
{
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan IdleInTransactionSessionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Temporary file space one session may use; only a superuser can set or raise it.</summary>
    public int TempFileLimitKilobytes { get; init; } = 256 * 1024;
}

/// <summary>The provisioned login. The password exists only here: it is never logged and <see cref="ToString"/> hides it.</summary>
public sealed record ProvisionedExecutionRole(string RoleName, string Password, string ConnectionString)
{
    public override string ToString() => $"ProvisionedExecutionRole {{ RoleName = {RoleName} }}";
}

public sealed class ExecutionRoleProvisioningException(string message) : Exception(message);

/// <summary>
/// Creates or converges the login role analyst SQL runs as: it can log in, read the exposed schemas and
/// nothing else (see SECURITY-TESTS.md, "The execution role"). Run against each exposed database with a
/// superuser connection; running it again is safe and brings a drifted role back in line.
/// </summary>
public sealed partial class ExecutionRoleProvisioner(ILogger<ExecutionRoleProvisioner> logger)
{
    /// <summary>Functions whose effects escape a read-only, rolled-back transaction, or that read the server's files or other sessions.</summary>
    internal static readonly string[] DangerousFunctionNames =
    [
        "set_config", "pg_terminate_backend", "pg_cancel_backend", "pg_read_file", "pg_read_binary_file", "pg_stat_file",
        "pg_reload_conf", "pg_rotate_logfile", "pg_notify", "loread", "lowrite", "pg_stat_get_activity", "pg_stat_get_backend_activity",
        // A read-only transaction still assigns (and so consumes) a transaction id for these.
        "txid_current", "pg_current_xact_id",
    ];

    /// <summary>LIKE patterns, matched against pg_proc.proname, for families of dangerous functions (extensions included when installed).</summary>
    internal static readonly string[] DangerousFunctionPatterns =
        [@"pg\_sleep%", @"pg\_advisory%", @"pg\_try\_advisory%", @"lo\_%", @"pg\_ls\_%", "dblink%", @"pg\_file\_%"];

    /// <summary>Reveal other sessions' query text; kept for monitoring through pg_read_all_stats.</summary>
    private static readonly string[] ActivityFunctions = ["pg_stat_get_activity", "pg_stat_get_backend_activity"];

    private const string Tag = "$nla$";

    public async Task<ProvisionedExecutionRole> ProvisionAsync(
        string superuserConnectionString,
        string roleName,
        IReadOnlyList<string> exposedSchemas,
        ExecutionRoleLimits? limits = null,
        string? password = null,
        CancellationToken cancellationToken = default)
    {
        Validate(roleName, exposedSchemas);
        limits ??= new ExecutionRoleLimits();
        password ??= GeneratePassword();

        await using var connection = new NpgsqlConnection(superuserConnectionString);
        await connection.OpenAsync(cancellationToken);
        var database = await ScalarAsync<string>(connection, "SELECT current_database()", cancellationToken);
        if (!await ScalarAsync<bool>(connection, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken))
            throw new ExecutionRoleProvisioningException("Provisioning the execution role needs a superuser connection (temp_file_limit and the function privileges can only be set by one).");
        await EnsureSchemasExistAsync(connection, exposedSchemas, cancellationToken);
        await WarnAboutRiskyExtensionsAsync(connection, database, cancellationToken);

        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // A SCRAM verifier computed here, so the password itself never reaches the server's statement log.
            foreach (var statement in Statements(database, roleName, exposedSchemas, limits, Literal(ScramSha256Verifier(password))))
            {
                await using var command = new NpgsqlCommand(statement, connection, transaction);
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.RaiseException)
                {
                    throw new ExecutionRoleProvisioningException(ex.MessageText);
                }
            }
            await transaction.CommitAsync(cancellationToken);
        }

        await VerifyAsync(connection, roleName, cancellationToken);
        var roleConnectionString = new NpgsqlConnectionStringBuilder(superuserConnectionString)
        {
            Username = roleName,
            Password = password,
            Passfile = null,
            Database = database,
        }.ConnectionString;
        await VerifyLoginAsync(roleConnectionString, roleName, cancellationToken);

        LogProvisioned(logger, roleName, database, string.Join(", ", exposedSchemas));
        return new ProvisionedExecutionRole(roleName, password, roleConnectionString);
    }

    /// <summary>
    /// The same statements <see cref="ProvisionAsync"/> runs, as a psql script for databases the app does
    /// not provision itself: a superuser runs it with <c>psql -v password=... -f</c>.
    /// </summary>
    public static string Script(string database, string roleName, IReadOnlyList<string> exposedSchemas, ExecutionRoleLimits? limits = null)
    {
        Validate(roleName, exposedSchemas);
        var script = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"-- NlAnalytics execution role \"{roleName}\" for database \"{database}\": it can log in and read {string.Join(", ", exposedSchemas)}, nothing else.")
            .AppendLine("-- Run as a superuser, choosing a long random password:")
            .AppendLine(CultureInfo.InvariantCulture, $"--   psql -v ON_ERROR_STOP=1 -v password='...' -d {QuoteIdentifier(database)} -f execution-role.sql")
            .AppendLine("-- Safe to run again. Note: EXECUTE on the listed functions and TEMP on the database are revoked from PUBLIC,")
            .AppendLine("-- so other roles of this database that need them must be granted them explicitly.")
            .AppendLine("BEGIN;");
        foreach (var statement in Statements(database, roleName, exposedSchemas, limits ?? new ExecutionRoleLimits(), ":'password'"))
            script.Append(statement).AppendLine(";");
        return script.AppendLine("COMMIT;").ToString();
    }

    internal static IEnumerable<string> Statements(string database, string role, IReadOnlyList<string> schemas, ExecutionRoleLimits limits, string passwordSql)
    {
        var r = QuoteIdentifier(role);
        var db = QuoteIdentifier(database);
        var roleLiteral = Literal(role);

        // 1. The role: created when missing, then forced to the right attributes on every run.
        yield return $"""
            DO {Tag}
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {roleLiteral}) THEN
                    CREATE ROLE {r};
                END IF;
                IF EXISTS (SELECT FROM pg_shdepend d JOIN pg_roles o ON o.oid = d.refobjid WHERE o.rolname = {roleLiteral} AND d.deptype = 'o') THEN
                    RAISE EXCEPTION 'role % owns database objects; an execution role must own nothing (choose another role name)', {roleLiteral};
                END IF;
            END
            {Tag}
            """;
        yield return $"ALTER ROLE {r} WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD {passwordSql}";

        // 2. No inherited powers: leave every role it is a member of, pg_* predefined roles included.
        yield return $"""
            DO {Tag}
            DECLARE g name;
            BEGIN
                FOR g IN SELECT granted.rolname FROM pg_auth_members m
                         JOIN pg_roles granted ON granted.oid = m.roleid
                         JOIN pg_roles member ON member.oid = m.member
                         WHERE member.rolname = {roleLiteral} LOOP
                    EXECUTE format('REVOKE %I FROM %I', g, {roleLiteral});
                END LOOP;
            END
            {Tag}
            """;

        // 3. The database: connect, nothing else; nobody gets temporary tables by default.
        yield return $"REVOKE ALL ON DATABASE {db} FROM {r}";
        yield return $"REVOKE TEMPORARY ON DATABASE {db} FROM PUBLIC";
        yield return $"GRANT CONNECT ON DATABASE {db} TO {r}";

        // 4. No CREATE on any schema (also through PUBLIC), and nothing on schemas that are not exposed.
        var exposedArray = "ARRAY[" + string.Join(", ", schemas.Select(Literal)) + "]::name[]";
        yield return $"""
            DO {Tag}
            DECLARE s name;
            BEGIN
                FOR s IN SELECT nspname FROM pg_namespace WHERE has_schema_privilege({roleLiteral}, oid, 'CREATE') LOOP
                    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', s);
                    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM %I', s, {roleLiteral});
                END LOOP;
                FOR s IN SELECT nspname FROM pg_namespace
                         WHERE nspname <> ALL ({exposedArray}) AND nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
                    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %I', s, {roleLiteral});
                    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I', s, {roleLiteral});
                    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I', s, {roleLiteral});
                END LOOP;
            END
            {Tag}
            """;
        if (!schemas.Contains("public", StringComparer.Ordinal))
            yield return $"""
                DO {Tag}
                BEGIN
                    IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') THEN
                        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                    END IF;
                END
                {Tag}
                """;

        // 5. The exposed schemas: read their tables and views, now and later; sequences stay untouchable.
        foreach (var schema in schemas)
        {
            var s = QuoteIdentifier(schema);
            yield return $"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC";
            yield return $"GRANT USAGE ON SCHEMA {s} TO {r}";
            yield return $"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}";
            yield return $"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}";
            yield return $"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}";
            // Tables created later by the provisioning superuser or by the schema's owner are readable too.
            yield return $"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}";
            yield return $"""
                DO {Tag}
                DECLARE owner name;
                BEGIN
                    SELECT pg_get_userbyid(nspowner) INTO owner FROM pg_namespace WHERE nspname = {Literal(schema)};
                    IF owner <> current_user THEN
                        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I', owner, {Literal(schema)}, {roleLiteral});
                    END IF;
                END
                {Tag}
                """;
        }

        // 6. Session defaults. A read-only transaction is the default; the timeouts bound runaway queries even
        //    outside the executor's own SET LOCAL; temp_file_limit can only be set (or raised) by a superuser.
        yield return $"ALTER ROLE {r} SET default_transaction_read_only = on";
        yield return $"ALTER ROLE {r} SET statement_timeout = {Milliseconds(limits.StatementTimeout)}";
        yield return $"ALTER ROLE {r} SET lock_timeout = {Milliseconds(limits.LockTimeout)}";
        yield return $"ALTER ROLE {r} SET idle_in_transaction_session_timeout = {Milliseconds(limits.IdleInTransactionSessionTimeout)}";
        yield return $"ALTER ROLE {r} SET temp_file_limit = '{limits.TempFileLimitKilobytes.ToString(CultureInfo.InvariantCulture)}kB'";
        yield return $"ALTER ROLE {r} IN DATABASE {db} SET search_path = {string.Join(", ", schemas.Select(QuoteIdentifier))}";

        // 7. Functions that escape the transaction or read the server: no EXECUTE through PUBLIC. Every
        //    overload is taken from pg_proc, so extension functions (dblink, lo) are covered when installed.
        var names = "ARRAY[" + string.Join(", ", DangerousFunctionNames.Select(Literal)) + "]";
        var patterns = "ARRAY[" + string.Join(", ", DangerousFunctionPatterns.Select(Literal)) + "]";
        var activity = "ARRAY[" + string.Join(", ", ActivityFunctions.Select(Literal)) + "]";
        yield return $"""
            DO {Tag}
            DECLARE f record;
            BEGIN
                FOR f IN SELECT p.oid::regprocedure AS signature, p.proname FROM pg_proc p
                         WHERE p.proname = ANY ({names}) OR p.proname LIKE ANY ({patterns}) LOOP
                    EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', f.signature);
                    EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM %I', f.signature, {roleLiteral});
                    IF f.proname = ANY ({activity}) THEN
                        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO pg_read_all_stats', f.signature);
                    END IF;
                END LOOP;
            END
            {Tag}
            """;

        // 8. Other sessions' SQL text: the analysts share this one role, so pg_stat_activity would show
        //    each other's queries. Monitoring keeps it through pg_read_all_stats.
        yield return "REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC";
        yield return "GRANT SELECT ON pg_catalog.pg_stat_activity TO pg_read_all_stats";
    }

    private async Task VerifyAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        var names = string.Join(", ", DangerousFunctionNames.Select(Literal));
        var patterns = string.Join(", ", DangerousFunctionPatterns.Select(Literal));
        var sql = $"""
            SELECT r.rolsuper, r.rolbypassrls, r.rolcreatedb, r.rolcreaterole, r.rolreplication, NOT r.rolcanlogin,
                   has_database_privilege(r.oid, current_database(), 'TEMP'),
                   has_database_privilege(r.oid, current_database(), 'CREATE'),
                   (SELECT count(*) FROM pg_namespace n WHERE has_schema_privilege(r.oid, n.oid, 'CREATE')) > 0,
                   (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) > 0,
                   (SELECT count(*) FROM pg_shdepend d WHERE d.refobjid = r.oid AND d.deptype = 'o') > 0,
                   (SELECT count(*) FROM pg_proc p WHERE (p.proname = ANY (ARRAY[{names}]) OR p.proname LIKE ANY (ARRAY[{patterns}]))
                                                   AND has_function_privilege(r.oid, p.oid, 'EXECUTE')) > 0,
                   has_table_privilege(r.oid, 'pg_catalog.pg_stat_activity', 'SELECT')
            FROM pg_roles r WHERE r.rolname = $1
            """;
        string[] problems =
        [
            "is a superuser", "bypasses row-level security", "can create databases", "can create roles", "can replicate",
            "cannot log in", "can create temporary tables", "can create schemas", "can create objects in a schema",
            "is a member of another role", "owns objects", "can execute a dangerous function", "can read pg_stat_activity",
        ];
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = role } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new ExecutionRoleProvisioningException($"The role {role} does not exist after provisioning.");
        var found = problems.Where((_, i) => reader.GetBoolean(i)).ToList();
        if (found.Count > 0)
            throw new ExecutionRoleProvisioningException($"The execution role {role} {string.Join(", ", found)} after provisioning; refusing to use it.");
    }

    private static async Task VerifyLoginAsync(string roleConnectionString, string role, CancellationToken cancellationToken)
    {
        // Pooling off: this check must not leave a connection behind that outlives the provisioning.
        var builder = new NpgsqlConnectionStringBuilder(roleConnectionString) { Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_setting('default_transaction_read_only')", connection);
            if (await command.ExecuteScalarAsync(cancellationToken) is not "on")
                throw new ExecutionRoleProvisioningException($"The role {role} logged in but its sessions are not read-only by default.");
        }
        catch (NpgsqlException ex)
        {
            throw new ExecutionRoleProvisioningException($"The role {role} was provisioned but cannot log in with Npgsql: {SecretScrubber.Scrub(ex.Message, roleConnectionString)}");
        }
    }

    private static async Task EnsureSchemasExistAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT s FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = s)", connection)
        {
            Parameters = { new() { Value = schemas.ToArray() } },
        };
        var missing = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            missing.Add(reader.GetString(0));
        if (missing.Count > 0)
            throw new ExecutionRoleProvisioningException($"The schema(s) {string.Join(", ", missing)} do not exist in this database; create them or remove them from the exposed schemas.");
    }

    private async Task WarnAboutRiskyExtensionsAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT extname FROM pg_extension WHERE extname IN ('dblink', 'postgres_fdw', 'file_fdw', 'adminpack')", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            LogRiskyExtension(logger, reader.GetString(0), database);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static void Validate(string roleName, IReadOnlyList<string> exposedSchemas)
    {
        // A plain lower-case name: it appears unquoted inside PL/pgSQL blocks and in connection strings.
        if (!RoleNamePattern().IsMatch(roleName))
            throw new ArgumentException("The execution role name must be 1-63 characters of a-z, 0-9 and _, starting with a letter or _.", nameof(roleName));
        if (exposedSchemas.Count == 0)
            throw new ArgumentException("At least one exposed schema is needed.", nameof(exposedSchemas));
        foreach (var schema in exposedSchemas)
        {
            if (string.IsNullOrWhiteSpace(schema) || schema.Length > 63 || schema.Contains(Tag, StringComparison.Ordinal) || schema.Contains('\0', StringComparison.Ordinal))
                throw new ArgumentException($"'{schema}' is not a usable schema name.", nameof(exposedSchemas));
            if (schema.StartsWith("pg_", StringComparison.Ordinal) || schema == "information_schema")
                throw new ArgumentException($"System schema '{schema}' cannot be exposed.", nameof(exposedSchemas));
        }
    }

    internal static string GeneratePassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', 'x').Replace('/', 'y');

    /// <summary>The SCRAM-SHA-256 secret PostgreSQL stores (RFC 5802/7677, 4096 iterations like the server's default).</summary>
    internal static string ScramSha256Verifier(string password)
    {
        const int iterations = 4096;
        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }

    private static string Milliseconds(TimeSpan value) => $"'{((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}ms'";

    internal static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleNamePattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioned execution role {Role} on database {Database}, exposing schemas {Schemas}")]
    private static partial void LogProvisioned(ILogger logger, string role, string database, string schemas);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Extension {Extension} is installed in exposed database {Database}: it can reach outside the database. Its functions are revoked from the execution role; consider removing it")]
    private static partial void LogRiskyExtension(ILogger logger, string extension, string database);
}

using System.Diagnostics;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Execution;

public sealed class ExecutionRoleProvisionerTests : IAsyncLifetime
{
    private readonly ListLogger<ExecutionRoleProvisioner> _log = new();
    private readonly string _role = $"nla_prov_{Guid.NewGuid():N}"[..20];
    private string _admin = "";

    public async Task InitializeAsync()
    {
        _admin = await TestPostgres.CreateDatabaseAsync("prov");
        await Sql.ExecuteAsync(_admin, "CREATE SCHEMA shop; CREATE TABLE shop.t (id int); INSERT INTO shop.t VALUES (1); CREATE SEQUENCE shop.s; CREATE SCHEMA app; CREATE TABLE app.secrets (v text)");
    }

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_admin, _role);

    [Fact]
    public async Task The_role_can_log_in_and_read_the_exposed_schema_and_nothing_else()
    {
        var role = await Provisioner().ProvisionAsync(_admin, _role, ["shop"]);

        Assert.Equal(_role, role.RoleName);
        Assert.Equal(_role, new NpgsqlConnectionStringBuilder(role.ConnectionString).Username);
        Assert.Equal(new object?[] { true, false, false, false, false, false }, await RowAsync(_admin,
            $"SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = '{_role}'"));
        Assert.Equal(new object?[] { true, false, false, false, false, false, false, false }, await RowAsync(_admin, $"""
            SELECT has_table_privilege('{_role}', 'shop.t', 'SELECT'),
                   has_table_privilege('{_role}', 'shop.t', 'INSERT'),
                   has_table_privilege('{_role}', 'app.secrets', 'SELECT'),
                   has_sequence_privilege('{_role}', 'shop.s', 'USAGE'),
                   has_database_privilege('{_role}', current_database(), 'TEMP'),
                   has_database_privilege('{_role}', current_database(), 'CREATE'),
                   EXISTS (SELECT FROM pg_namespace n WHERE has_schema_privilege('{_role}', n.oid, 'CREATE')),
                   EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = '{_role}')
            """));

        var settings = (string[])(await RowAsync(_admin, $"SELECT array_agg(s ORDER BY s) FROM pg_db_role_setting d, unnest(d.setconfig) s WHERE d.setrole = '{_role}'::regrole"))[0]!;
        Assert.Equal(["default_transaction_read_only=on", "idle_in_transaction_session_timeout=30000ms", "lock_timeout=2000ms",
            "search_path=shop", "statement_timeout=15000ms", "temp_file_limit=262144kB"], settings);

        // No overload of any dangerous function is executable by the role.
        Assert.Equal(0L, (await RowAsync(_admin, $"""
            SELECT count(*) FROM pg_proc p
            WHERE (p.proname IN ('set_config', 'pg_terminate_backend', 'pg_cancel_backend', 'pg_read_file', 'pg_ls_dir', 'pg_stat_file', 'pg_stat_get_activity')
                   OR p.proname LIKE 'pg\_advisory%' OR p.proname LIKE 'pg\_try\_advisory%' OR p.proname LIKE 'lo\_%' OR p.proname LIKE 'pg\_sleep%')
              AND has_function_privilege('{_role}', p.oid, 'EXECUTE')
            """))[0]);
        Assert.True((long)(await RowAsync(_admin, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pg\\_advisory%'"))[0]! > 5, "every overload was enumerated");

        // Npgsql still connects and the session is read-only by default.
        Assert.Equal(new object?[] { _role, "on", "shop" }, await RowAsync(role.ConnectionString,
            "SELECT current_user::text, current_setting('default_transaction_read_only'), current_setting('search_path')"));
        Assert.Equal(new object?[] { 1 }, await RowAsync(role.ConnectionString, "SELECT id FROM t"));
    }

    [Fact]
    public async Task Provisioning_again_converges_a_drifted_role_and_rotates_the_password()
    {
        var first = await Provisioner().ProvisionAsync(_admin, _role, ["shop"]);
        await Sql.ExecuteAsync(_admin, $"""
            ALTER ROLE {_role} SUPERUSER CREATEDB BYPASSRLS;
            GRANT INSERT, DELETE ON shop.t TO {_role};
            GRANT USAGE ON SEQUENCE shop.s TO {_role};
            GRANT pg_read_all_data, pg_signal_backend TO {_role};
            GRANT TEMP, CREATE ON DATABASE "{new NpgsqlConnectionStringBuilder(_admin).Database}" TO {_role};
            GRANT CREATE ON SCHEMA shop TO {_role};
            GRANT EXECUTE ON FUNCTION pg_sleep(double precision) TO {_role};
            ALTER ROLE {_role} SET default_transaction_read_only = off;
            """);

        var second = await Provisioner().ProvisionAsync(_admin, _role, ["shop"]);

        Assert.NotEqual(first.Password, second.Password);
        Assert.Equal(new object?[] { false, false, false, false, false, false, false, false, false, false, 0L }, await RowAsync(_admin, $"""
            SELECT r.rolsuper, r.rolcreatedb, r.rolbypassrls,
                   has_table_privilege(r.oid, 'shop.t', 'INSERT'), has_table_privilege(r.oid, 'shop.t', 'DELETE'),
                   has_sequence_privilege(r.oid, 'shop.s', 'USAGE'),
                   has_database_privilege(r.oid, current_database(), 'TEMP'), has_database_privilege(r.oid, current_database(), 'CREATE'),
                   has_schema_privilege(r.oid, 'shop', 'CREATE'), has_function_privilege(r.oid, 'pg_sleep(double precision)', 'EXECUTE'),
                   (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)
            FROM pg_roles r WHERE r.rolname = '{_role}'
            """));
        Assert.Equal(new object?[] { "on" }, await RowAsync(second.ConnectionString, "SELECT current_setting('default_transaction_read_only')"));
        await Assert.ThrowsAsync<PostgresException>(() => RowAsync(new NpgsqlConnectionStringBuilder(first.ConnectionString) { Pooling = false }.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Tables_created_later_in_the_exposed_schema_are_readable_and_tables_elsewhere_are_not()
    {
        var role = await Provisioner().ProvisionAsync(_admin, _role, ["shop"]);
        await Sql.ExecuteAsync(_admin, "CREATE TABLE shop.later (v text); INSERT INTO shop.later VALUES ('new'); CREATE TABLE app.later (v text)");

        Assert.Equal(new object?[] { "new" }, await RowAsync(role.ConnectionString, "SELECT v FROM shop.later"));
        var denied = await Assert.ThrowsAsync<PostgresException>(() => RowAsync(role.ConnectionString, "SELECT v FROM app.later"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task The_password_is_returned_but_never_logged_or_printed()
    {
        var role = await Provisioner().ProvisionAsync(_admin, _role, ["shop"]);

        Assert.True(role.Password.Length >= 32);
        Assert.Contains(_log.Entries, e => e.Message.Contains(_role, StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains(role.Password, StringComparison.Ordinal));
        Assert.DoesNotContain(role.Password, role.ToString());
        // The server stores a SCRAM verifier computed by the app, never the password.
        var stored = (string)(await RowAsync(_admin, $"SELECT rolpassword FROM pg_authid WHERE rolname = '{_role}'"))[0]!;
        Assert.StartsWith("SCRAM-SHA-256$4096:", stored);
    }

    [Fact]
    public async Task Provisioning_refuses_a_non_superuser_a_missing_schema_and_a_role_that_owns_objects()
    {
        var role = await Provisioner().ProvisionAsync(_admin, _role, ["shop"]);
        var notSuperuser = await Assert.ThrowsAsync<ExecutionRoleProvisioningException>(() => Provisioner().ProvisionAsync(role.ConnectionString, _role, ["shop"]));
        Assert.Contains("needs a superuser connection", notSuperuser.Message);

        var missing = await Assert.ThrowsAsync<ExecutionRoleProvisioningException>(() => Provisioner().ProvisionAsync(_admin, _role, ["shop", "nope"]));
        Assert.Contains("nope", missing.Message);

        await Sql.ExecuteAsync(_admin, $"CREATE TABLE shop.owned (v int); ALTER TABLE shop.owned OWNER TO {_role}");
        var owner = await Assert.ThrowsAsync<ExecutionRoleProvisioningException>(() => Provisioner().ProvisionAsync(_admin, _role, ["shop"]));
        Assert.Contains("owns database objects", owner.Message);
        await Sql.ExecuteAsync(_admin, "DROP TABLE shop.owned");
    }

    [Fact]
    public async Task Dblink_functions_installed_on_the_database_are_revoked_and_reported()
    {
        await Sql.ExecuteAsync(_admin, "CREATE EXTENSION dblink");
        var role = await Provisioner().ProvisionAsync(_admin, _role, ["shop"]);

        Assert.Equal(new object?[] { false, false }, await RowAsync(_admin,
            $"SELECT has_function_privilege('{_role}', 'dblink_exec(text,text)', 'EXECUTE'), has_function_privilege('{_role}', 'dblink(text,text)', 'EXECUTE')"));
        Assert.Contains(_log.Entries, e => e.Message.Contains("Extension dblink", StringComparison.Ordinal));
        var denied = await Assert.ThrowsAsync<PostgresException>(() => RowAsync(role.ConnectionString, "SELECT public.dblink_exec('dbname=postgres', 'SELECT 1')"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task The_readme_script_provisions_the_same_role_when_a_superuser_runs_it_with_psql()
    {
        var builder = new NpgsqlConnectionStringBuilder(_admin);
        var script = ExecutionRoleProvisioner.Script(builder.Database!, _role, ["shop"]);
        Assert.Contains($"ALTER ROLE \"{_role}\" SET default_transaction_read_only = on;", script);
        Assert.Contains("PASSWORD :'password'", script);
        Assert.Contains("REVOKE TEMPORARY ON DATABASE", script);

        var file = Path.Combine(Path.GetTempPath(), $"{_role}.sql");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var psql = new ProcessStartInfo(File.Exists("/usr/lib/postgresql/15/bin/psql") ? "/usr/lib/postgresql/15/bin/psql" : "psql")
            {
                ArgumentList = { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "password=readme-password-123", "-h", builder.Host!, "-p", builder.Port.ToString(), "-U", builder.Username!, "-d", builder.Database!, "-f", file },
                Environment = { ["PGPASSWORD"] = builder.Password },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(psql)!;
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, errors);
        }
        finally
        {
            File.Delete(file);
        }

        var login = new NpgsqlConnectionStringBuilder(_admin) { Username = _role, Password = "readme-password-123", Pooling = false };
        Assert.Equal(new object?[] { "on", 1 }, await RowAsync(login.ConnectionString, "SELECT current_setting('default_transaction_read_only'), id FROM t"));
        Assert.Equal(new object?[] { false, false }, await RowAsync(_admin,
            $"SELECT has_function_privilege('{_role}', 'set_config(text,text,boolean)', 'EXECUTE'), has_database_privilege('{_role}', current_database(), 'TEMP')"));
    }

    private ExecutionRoleProvisioner Provisioner() => new(_log);

    private static async Task<object?[]> RowAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no row from {sql}");
        var values = new object?[reader.FieldCount];
        for (var i = 0; i < values.Length; i++)
            values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        return values;
    }
}

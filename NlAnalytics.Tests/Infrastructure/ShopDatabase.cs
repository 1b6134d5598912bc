using System.Diagnostics;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// A second database on the test cluster for data-source tests: schema shop with customers and orders, a read-only
/// role made by running the role script with psql as an Admin would, and a role that can also write.
/// </summary>
public sealed class ShopDatabase : IAsyncDisposable
{
    public const string ReaderPassword = "reader-pw-7f3a9c1e5b2d";
    public const string WriterPassword = "writer-pw-4e8b2a6d0c9f";

    private ShopDatabase(string superuser, string reader, string writer, string readerRole, string writerRole)
    {
        SuperuserConnectionString = superuser;
        ReaderConnectionString = reader;
        WriterConnectionString = writer;
        ReaderRole = readerRole;
        WriterRole = writerRole;
    }

    public string SuperuserConnectionString { get; }
    public string ReaderConnectionString { get; }
    public string WriterConnectionString { get; }
    public string ReaderRole { get; }
    public string WriterRole { get; }
    public string Database => new NpgsqlConnectionStringBuilder(SuperuserConnectionString).Database!;

    public static async Task<ShopDatabase> CreateAsync()
    {
        var superuser = await TestPostgres.CreateDatabaseAsync("shop");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var readerRole = "nla_shop_reader_" + suffix;
        var writerRole = "nla_shop_writer_" + suffix;
        await Sql.ExecuteAsync(superuser, $"""
            CREATE SCHEMA shop;
            CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, city text NOT NULL);
            CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers (id), amount numeric(10, 2) NOT NULL, ordered_on date NOT NULL);
            INSERT INTO shop.customers VALUES (1, 'Ada', 'Lausanne'), (2, 'Grace', 'Geneva'), (3, 'Linus', 'Bern'), (4, 'Barbara', 'Zurich'), (5, 'Edsger', 'Basel'), (6, 'Margaret', 'Lugano'), (7, 'Ken', 'Sion');
            INSERT INTO shop.orders VALUES (1, 1, 10.50, '2026-01-05'), (2, 1, 20.00, '2026-02-11'), (3, 2, 7.25, '2026-02-12');
            CREATE ROLE {writerRole} LOGIN PASSWORD '{WriterPassword}';
            GRANT USAGE ON SCHEMA shop TO {writerRole};
            GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA shop TO {writerRole};
            """);
        await RunRoleScriptAsync(superuser, readerRole);
        var reader = new NpgsqlConnectionStringBuilder(superuser) { Username = readerRole, Password = ReaderPassword }.ConnectionString;
        var writer = new NpgsqlConnectionStringBuilder(superuser) { Username = writerRole, Password = WriterPassword }.ConnectionString;
        return new ShopDatabase(superuser, reader, writer, readerRole, writerRole);
    }

    /// <summary>What the README tells an Admin to do: print the role script and run it with psql as a superuser.</summary>
    private static async Task RunRoleScriptAsync(string superuser, string role)
    {
        var builder = new NpgsqlConnectionStringBuilder(superuser);
        var script = Path.Combine(Path.GetTempPath(), $"role-{role}.sql");
        await File.WriteAllTextAsync(script, ExecutionRoleProvisioner.Script(builder.Database!, role, ["shop"]));
        try
        {
            var start = new ProcessStartInfo("psql")
            {
                ArgumentList = { "-v", "ON_ERROR_STOP=1", "-v", $"password={ReaderPassword}", "-h", builder.Host!, "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", builder.Username!, "-d", builder.Database!, "-f", script },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["PGPASSWORD"] = builder.Password;
            using var psql = Process.Start(start)!;
            var output = psql.StandardOutput.ReadToEndAsync();
            var error = await psql.StandardError.ReadToEndAsync();
            await psql.WaitForExitAsync();
            if (psql.ExitCode != 0)
                throw new InvalidOperationException($"psql failed ({psql.ExitCode}): {error}\n{await output}");
        }
        finally
        {
            File.Delete(script);
        }
    }

    public ValueTask DisposeAsync() => new(TestPostgres.DropDatabaseAsync(SuperuserConnectionString, ReaderRole, WriterRole));
}

using NlAnalytics.Core.Samples;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Samples;

public sealed class SampleLoaderTests
{
    [Fact]
    public async Task Chinook_loads_into_a_database_of_its_own_with_all_its_tables_and_rows_readable_by_the_reader()
    {
        var chinook = await SampleDatabases.SourceAsync("chinook");

        // Chinook 1.4.5's documented content.
        Assert.Equal(11L, await Sql.ScalarAsync(chinook.QueryConnectionString, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"));
        Assert.Equal(3503L, await Sql.ScalarAsync(chinook.QueryConnectionString, "SELECT count(*) FROM track"));
        Assert.Equal(412L, await Sql.ScalarAsync(chinook.QueryConnectionString, "SELECT count(*) FROM invoice"));
        Assert.Equal(8715L, await Sql.ScalarAsync(chinook.QueryConnectionString, "SELECT count(*) FROM playlist_track"));
        Assert.Equal(["public"], chinook.ExposedSchemas);
    }

    [Fact]
    public async Task Northwind_keeps_its_foreign_keys_and_the_nofk_variant_declares_none_with_the_same_rows()
    {
        var northwind = await SampleDatabases.SourceAsync("northwind");
        var noKeys = await SampleDatabases.SourceAsync("northwind_nofk");
        const string foreignKeys = "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace";

        Assert.Equal(13L, await Sql.ScalarAsync(northwind.AdminConnectionString!, foreignKeys));
        Assert.Equal(0L, await Sql.ScalarAsync(noKeys.AdminConnectionString!, foreignKeys));
        Assert.Equal(14L, await Sql.ScalarAsync(noKeys.AdminConnectionString!, "SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace"));
        foreach (var source in new[] { northwind, noKeys })
        {
            Assert.Equal(830L, await Sql.ScalarAsync(source.QueryConnectionString, "SELECT count(*) FROM orders"));
            Assert.Equal(2155L, await Sql.ScalarAsync(source.QueryConnectionString, "SELECT count(*) FROM order_details"));
        }
    }

    [Fact]
    public async Task The_reader_of_a_sample_can_read_it_but_not_change_it()
    {
        var northwind = await SampleDatabases.SourceAsync("northwind");

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(northwind.AdminConnectionString!).Username, new NpgsqlConnectionStringBuilder(northwind.QueryConnectionString).Username);
        var error = await Assert.ThrowsAsync<PostgresException>(() => Sql.ExecuteAsync(northwind.QueryConnectionString, "BEGIN READ WRITE; DELETE FROM shippers; COMMIT"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal(6L, await Sql.ScalarAsync(northwind.AdminConnectionString!, "SELECT count(*) FROM shippers"));
    }

    [Fact]
    public async Task A_loaded_sample_is_found_by_its_stamp_and_a_database_that_lost_it_is_loaded_again()
    {
        var database = await TestPostgres.CreateDatabaseAsync("sample_reload");
        var loader = SampleDatabases.NewLoader();

        var first = await loader.EnsureLoadedAsync(database, SampleDatabase.Northwind, CancellationToken.None);
        var second = await loader.EnsureLoadedAsync(database, SampleDatabase.Northwind, CancellationToken.None);
        await Sql.ExecuteAsync(database, "DELETE FROM shippers WHERE shipper_id > 3");
        var name = new NpgsqlConnectionStringBuilder(database).Database;
        await Sql.ExecuteAsync(database, $"COMMENT ON DATABASE \"{name}\" IS NULL");
        var third = await loader.EnsureLoadedAsync(database, SampleDatabase.Northwind, CancellationToken.None);

        Assert.NotNull(first);
        Assert.Equal((14, 0), (first.Tables, first.ForeignKeysDropped));
        Assert.Null(second);
        Assert.NotNull(third);
        Assert.Equal(6L, await Sql.ScalarAsync(database, "SELECT count(*) FROM shippers"));
        Assert.Equal("northwind", (await loader.ReadStampAsync(database, CancellationToken.None))!.Sample);
    }

    [Fact]
    public void Psql_meta_commands_are_left_out_of_the_script_and_reported()
    {
        // Skipping only 27 of Chinook's 28 preamble lines leaves its "\c chinook;" in view.
        var script = (SampleDatabase.Chinook with { SkipLines = 27 }).Prepare();
        var chinook = SampleDatabase.Chinook.Prepare();

        Assert.Equal(["\\c chinook;"], script.IgnoredMetaCommands);
        Assert.DoesNotContain("\\c chinook", script.Sql, StringComparison.Ordinal);
        Assert.Empty(chinook.IgnoredMetaCommands);
        Assert.DoesNotContain("CREATE DATABASE", chinook.Sql, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE album", chinook.Sql, StringComparison.Ordinal);
        Assert.NotEqual(SampleDatabase.Northwind.Prepare().Fingerprint, SampleDatabase.NorthwindWithoutForeignKeys.Prepare().Fingerprint);
    }
}

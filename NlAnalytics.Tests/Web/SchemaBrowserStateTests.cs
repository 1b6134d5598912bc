using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Web.Components.Pages.Admin;
using Npgsql;

namespace NlAnalytics.Tests.Web;

/// <summary>The schema browser's state over the real catalog provider and SQL executor on a small shop database.</summary>
public sealed class SchemaBrowserStateTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private DataSource _source = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_browser");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(""""
                CREATE SCHEMA shop;
                CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, tier text);
                COMMENT ON COLUMN shop.customers.tier IS 'Loyalty tier used for delivery priority';
                CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers(id), placed_on date NOT NULL);
                COMMENT ON TABLE shop.orders IS 'One row per checkout';
                CREATE TABLE shop."Order ""Lines""" (order_id int REFERENCES shop.orders(id), line int, amount numeric(8,2), PRIMARY KEY (order_id, line));
                INSERT INTO shop.customers SELECT g, 'Customer ' || g, (ARRAY['gold','silver'])[1 + g % 2] FROM generate_series(1, 5) g;
                INSERT INTO shop.orders SELECT g, 1 + g % 5, DATE '2026-01-01' + g FROM generate_series(1, 25) g;
                INSERT INTO shop."Order ""Lines""" SELECT g, 1, g * 1.5 FROM generate_series(1, 25) g;
                ANALYZE;
                """", connection);
            await command.ExecuteNonQueryAsync();
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCatalog().AddSqlExecution();
        services.AddSingleton<IDataSourceRegistry>(new DataSourceRegistry(
            Options.Create(new List<DataSourceOptions> { new() { Name = "shop", DisplayName = "Shop", QueryConnectionString = connectionString, Schemas = ["shop"] } }),
            new DemoDataSourceHolder()));
        _services = services.BuildServiceProvider();
        _source = _services.GetRequiredService<IDataSourceRegistry>().All.Single();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private SchemaBrowserState NewState() => new(
        _services.GetRequiredService<ICatalogProvider>(),
        _services.GetRequiredService<ISqlExecutor>(),
        _services.GetRequiredService<IDataSourceRegistry>());

    [Fact]
    public async Task Choosing_a_source_shows_its_schemas_and_tables_as_a_tree()
    {
        var state = NewState();

        await state.SelectSourceAsync("shop", CancellationToken.None);

        Assert.Null(state.CatalogError);
        var schema = Assert.Single(state.Tree);
        Assert.Equal("shop", schema.Name);
        Assert.Equal(["Order \"Lines\"", "customers", "orders"], schema.Tables.Select(t => t.Table.Name));
    }

    [Fact]
    public async Task Selecting_a_table_fetches_at_most_ten_sample_rows()
    {
        var state = NewState();
        await state.SelectSourceAsync("shop", CancellationToken.None);

        await state.SelectTableAsync("shop.orders", CancellationToken.None);

        Assert.Equal("shop.orders", state.Selected?.QualifiedName);
        Assert.Null(state.SampleError);
        Assert.Equal(10, state.SampleRows.Count);
        Assert.Equal(["id", "customer_id", "placed_on"], state.Sample!.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task A_table_whose_name_needs_quoting_still_shows_its_rows()
    {
        var state = NewState();
        await state.SelectSourceAsync("shop", CancellationToken.None);

        await state.SelectTableAsync("shop.Order \"Lines\"", CancellationToken.None);

        Assert.Null(state.SampleError);
        Assert.Equal(10, state.SampleRows.Count);
    }

    [Fact]
    public async Task Neighbours_are_listed_in_both_directions()
    {
        var state = NewState();
        await state.SelectSourceAsync("shop", CancellationToken.None);
        var orders = state.Catalog!.Find("shop.orders")!;

        var references = SchemaBrowserState.References(orders);
        var referencedBy = SchemaBrowserState.ReferencedBy(state.Catalog, orders);

        Assert.Equal(["shop.customers"], references.Select(n => n.QualifiedName));
        Assert.Contains("customer_id", references[0].Description);
        Assert.Equal(["shop.Order \"Lines\""], referencedBy.Select(n => n.QualifiedName));
        Assert.True(SchemaBrowserState.IsForeignKeyColumn(orders, orders.Column("customer_id")!));
        Assert.False(SchemaBrowserState.IsForeignKeyColumn(orders, orders.Column("placed_on")!));
    }

    [Theory]
    [InlineData("checkout", "shop.orders", "comment")]
    [InlineData("DELIVERY", "shop.customers", "comment on tier")]
    [InlineData("placed", "shop.orders", "column placed_on")]
    [InlineData("cust", "shop.customers", "name")]
    public async Task Search_matches_table_and_column_names_and_comments(string search, string table, string reason)
    {
        var state = NewState();
        await state.SelectSourceAsync("shop", CancellationToken.None);

        state.SetSearch(search);

        var match = state.Tree.SelectMany(s => s.Tables).Single(t => t.Table.QualifiedName == table);
        Assert.Equal(reason, match.MatchReason);
    }

    [Fact]
    public async Task Search_with_no_match_leaves_an_empty_tree_and_clearing_it_shows_everything_again()
    {
        var state = NewState();
        await state.SelectSourceAsync("shop", CancellationToken.None);

        state.SetSearch("nothing like this");
        Assert.Empty(state.Tree);

        state.SetSearch("");
        Assert.Equal(3, state.Tree.Single().Tables.Count);
    }

    [Fact]
    public async Task Refresh_reads_tables_created_since_the_last_read()
    {
        var state = NewState();
        await state.SelectSourceAsync("shop", CancellationToken.None);
        await using (var connection = new NpgsqlConnection(_source.QueryConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE shop.returns (id int PRIMARY KEY)", connection);
            await command.ExecuteNonQueryAsync();
        }

        await state.RefreshAsync(CancellationToken.None);

        Assert.NotNull(state.Catalog!.Find("shop.returns"));
        Assert.Contains(state.Tree.Single().Tables, t => t.Table.Name == "returns");
    }

    [Fact]
    public void Sample_sql_quotes_identifiers_and_limits_rows()
    {
        var table = new TableInfo("we\"ird", "t; DROP TABLE x", TableKind.Table, null, 0, [], []);

        Assert.Equal("SELECT * FROM \"we\"\"ird\".\"t; DROP TABLE x\" LIMIT 10", SchemaBrowserState.SampleSql(table));
    }
}

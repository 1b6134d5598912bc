using Microsoft.EntityFrameworkCore;
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

/// <summary>An Admin confirms or rejects an inferred join key in the schema browser; the decision is stored and the catalog follows it.</summary>
public sealed class JoinKeyDecisionTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("join_decisions");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                CREATE SCHEMA crm;
                CREATE TABLE crm.clients (client_id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE crm.visits (visit_id int PRIMARY KEY, client_id int NOT NULL, visited_on date NOT NULL);
                INSERT INTO crm.clients SELECT g, 'Client ' || g FROM generate_series(1, 5) g;
                INSERT INTO crm.visits SELECT g, 1 + g % 5, DATE '2026-01-01' + g FROM generate_series(1, 40) g;
                ANALYZE;
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton(await AppDatabase.CreateAsync("join_decisions_app"));
        services.AddSingleton<JoinKeyDecisionStore>();
        services.AddCatalog().AddSqlExecution();
        services.AddSingleton<IDataSourceRegistry>(new DataSourceRegistry(
            Options.Create(new List<DataSourceOptions> { new() { Name = "crm", DisplayName = "CRM", QueryConnectionString = connectionString, Schemas = ["crm"] } }),
            new DemoDataSourceHolder()));
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private SchemaBrowserState NewState() => new(
        _services.GetRequiredService<ICatalogProvider>(), _services.GetRequiredService<ISqlExecutor>(),
        _services.GetRequiredService<IDataSourceRegistry>(), _services.GetRequiredService<JoinKeyDecisionStore>());

    private static Neighbour Reference(SchemaBrowserState state) =>
        Assert.Single(SchemaBrowserState.References(state.Catalog!.Find("crm.visits")!));

    [Fact]
    public async Task An_inferred_key_is_shown_as_such_and_a_confirmation_is_stored_with_who_confirmed_it()
    {
        var state = NewState();
        await state.SelectSourceAsync("crm", CancellationToken.None);
        var inferred = Reference(state);
        Assert.Equal("crm.clients", inferred.QualifiedName);
        Assert.Contains("inferred from names and values", inferred.Description);
        Assert.True(inferred.Undecided);

        await state.DecideAsync(inferred.Owner!, inferred.Key!, confirm: true, "admin@example.com", CancellationToken.None);

        var confirmed = Reference(state);
        Assert.False(confirmed.Undecided);
        Assert.Equal("admin@example.com", confirmed.Key!.ConfirmedBy);
        Assert.Contains("confirmed by admin@example.com", confirmed.Description);
        await using var db = await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var row = await db.JoinKeyDecisions.SingleAsync();
        Assert.Equal(("crm", "crm.visits.client_id", "crm.clients.client_id", true), (row.DataSource, row.FromColumn, row.ToColumn, row.Confirmed));
    }

    [Fact]
    public async Task A_rejected_key_leaves_the_catalog_for_good_until_the_rejection_is_undone()
    {
        var state = NewState();
        await state.SelectSourceAsync("crm", CancellationToken.None);
        var inferred = Reference(state);

        await state.DecideAsync(inferred.Owner!, inferred.Key!, confirm: false, "admin@example.com", CancellationToken.None);

        var visits = state.Catalog!.Find("crm.visits")!;
        Assert.Empty(visits.ForeignKeys);
        var rejected = Assert.Single(SchemaBrowserState.Rejected(state.Catalog, visits));
        Assert.Equal("admin@example.com", rejected.RejectedBy);
        // A catalog read afresh (another process, a restart) applies the stored decision too.
        using var fresh = new CatalogProvider(_services.GetRequiredService<PostgresCatalogReader>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CatalogProvider>.Instance, decisions: _services.GetRequiredService<JoinKeyDecisionStore>());
        var reread = await fresh.GetAsync(_services.GetRequiredService<IDataSourceRegistry>().All.Single(), CancellationToken.None);
        Assert.Empty(reread.Find("crm.visits")!.ForeignKeys);

        await state.UndoRejectionAsync(rejected, CancellationToken.None);

        Assert.True(Reference(state).Undecided);
        Assert.Empty(state.Catalog!.RejectedJoinKeys);
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Tests.Catalog;

public sealed class CatalogProviderTests(LibraryDatabase database) : IClassFixture<LibraryDatabase>
{
    [Fact]
    public async Task The_catalog_is_cached_until_a_refresh_which_picks_up_a_new_table()
    {
        using var provider = new CatalogProvider(LibraryDatabase.NewReader(), NullLogger<CatalogProvider>.Instance);
        var source = database.Source("library");
        var first = await provider.GetAsync(source, CancellationToken.None);

        await LibraryDatabase.ExecuteAsync(database.ConnectionString, "CREATE TABLE library.members (member_id int PRIMARY KEY, name text)");
        try
        {
            var cached = await provider.GetAsync(source, CancellationToken.None);
            Assert.Same(first, cached);
            Assert.Null(cached.Find("library.members"));

            var refreshed = await provider.RefreshAsync(source, CancellationToken.None);
            Assert.NotNull(refreshed.Find("library.members"));
            Assert.Same(refreshed, await provider.GetAsync(source, CancellationToken.None));
        }
        finally
        {
            await LibraryDatabase.ExecuteAsync(database.ConnectionString, "DROP TABLE library.members");
        }
    }

    [Fact]
    public async Task Concurrent_callers_share_one_load()
    {
        using var provider = new CatalogProvider(LibraryDatabase.NewReader(), NullLogger<CatalogProvider>.Instance);
        var source = database.Source("library");

        var catalogs = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => provider.GetAsync(source, CancellationToken.None))));

        Assert.All(catalogs, c => Assert.Same(catalogs[0], c));
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_load_for_the_others()
    {
        using var provider = new CatalogProvider(LibraryDatabase.NewReader(), NullLogger<CatalogProvider>.Instance);
        var source = database.Source("library");
        using var impatient = new CancellationTokenSource();

        var abandoned = provider.GetAsync(source, impatient.Token);
        var patient = provider.GetAsync(source, CancellationToken.None);
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.NotNull((await patient).Find("library.books"));
    }

    [Fact]
    public async Task A_failed_load_is_not_cached()
    {
        using var provider = new CatalogProvider(LibraryDatabase.NewReader(), NullLogger<CatalogProvider>.Instance);
        var broken = database.Source("library") with { QueryConnectionString = database.ConnectionString + ";Database=no_such_database" };

        var error = await Assert.ThrowsAsync<CatalogUnavailableException>(() => provider.GetAsync(broken, CancellationToken.None));
        Assert.IsType<Npgsql.PostgresException>(error.InnerException);
        Assert.Contains("no_such_database", error.Message);
        var repaired = await provider.GetAsync(database.Source("library"), CancellationToken.None);

        Assert.NotNull(repaired.Find("library.books"));
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Offline;

[Collection(LibraryCollection.Name)]
public sealed class VerifiedQueryTests(LibraryDatabase library) : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private VerifiedQueryStore Store => _services.GetRequiredService<VerifiedQueryStore>();
    private VerifiedQueryMatcher Matcher => _services.GetRequiredService<VerifiedQueryMatcher>();

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("offline_verified");
        _services = new ServiceCollection()
            .AddDbContextFactory<AppDbContext>(o => o.UseNpgsql(connectionString).AddInterceptors(AppDatabaseCommands.Interceptor))
            .AddOfflineAnalyst()
            .BuildServiceProvider();
        await using var db = await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await db.Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private const string OsloSql = "SELECT SUM(vs.visitors) AS visitors FROM library.visit_stats AS vs WHERE vs.city = 'Oslo' AND vs.year = 2019";

    [Fact]
    public async Task A_verified_pair_is_found_again_for_a_similar_question_of_the_same_source_only()
    {
        await Store.MarkCorrectAsync("library", "How many visitors in Oslo in 2019?", OsloSql, "ana", "ana", CancellationToken.None);
        await Store.MarkCorrectAsync("library", "List the members in Oslo", "SELECT full_name FROM library.members WHERE city = 'Oslo'", "ana", "ana", CancellationToken.None);
        await Store.MarkCorrectAsync("other", "How many visitors in Oslo in 2019?", "SELECT 1", "ana", "ana", CancellationToken.None);

        var nearest = await Store.FindNearestAsync("library", "how many visitors in Oslo in 2021", "ana", 5, CancellationToken.None);

        Assert.Equal(2, nearest.Count);
        Assert.Equal("How many visitors in Oslo in 2019?", nearest[0].Question);
        Assert.Equal(OsloSql, nearest[0].Sql);
        Assert.True(nearest[0].Similarity > nearest[1].Similarity);
    }

    [Fact]
    public async Task Marking_the_same_question_again_replaces_its_sql()
    {
        await Store.MarkCorrectAsync("library", "Number of books per genre", "SELECT 1", "ana", "ana", CancellationToken.None);
        await Store.MarkCorrectAsync("library", "number of books per genre?", "SELECT genre, count(*) FROM library.books GROUP BY genre", "ana", "ana", CancellationToken.None);

        var all = await Store.ListAsync("library", CancellationToken.None);

        var only = Assert.Single(all);
        Assert.StartsWith("SELECT genre", only.Sql);
    }

    [Fact]
    public async Task A_close_question_reuses_the_verified_sql_with_its_year_and_value_swapped()
    {
        await Store.MarkCorrectAsync("library", "How many visitors in Oslo in 2019?", OsloSql, "ana", "ana", CancellationToken.None);

        var match = await Matcher.MatchAsync("library", "How many visitors in Porto in 2021?", "ana", library.Catalog, CancellationToken.None);

        Assert.NotNull(match);
        Assert.Contains("2019 → 2021", match.Adaptations);
        Assert.Contains("'Oslo' → 'Porto'", match.Adaptations);
        Assert.Equal(
            await library.RowsAsync("SELECT sum(visitors) FROM library.visit_stats WHERE city = 'Porto' AND year = 2021"),
            await library.RowsAsync(match.Draft.Sql!));
        Assert.True(match.Draft.Confidence >= 0.8);
    }

    [Fact]
    public async Task A_year_range_on_a_date_column_moves_with_the_year()
    {
        const string sql = "SELECT COUNT(*) FROM library.loans AS l WHERE l.loan_date >= DATE '2023-01-01' AND l.loan_date < DATE '2024-01-01'";
        await Store.MarkCorrectAsync("library", "How many loans in 2023?", sql, "ana", "ana", CancellationToken.None);

        var match = await Matcher.MatchAsync("library", "How many loans in 2022?", "ana", library.Catalog, CancellationToken.None);

        Assert.NotNull(match);
        Assert.Equal(
            await library.RowsAsync("SELECT count(*) FROM library.loans WHERE extract(year FROM loan_date) = 2022"),
            await library.RowsAsync(match.Draft.Sql!));
    }

    [Fact]
    public async Task A_question_that_differs_in_more_than_literals_is_not_reused()
    {
        await Store.MarkCorrectAsync("library", "How many visitors in Oslo in 2019?", OsloSql, "ana", "ana", CancellationToken.None);

        Assert.Null(await Matcher.MatchAsync("library", "How many books were published in 2019?", "ana", library.Catalog, CancellationToken.None));
        Assert.Null(await Matcher.MatchAsync("library", "Average visitors by city in 2019", "ana", library.Catalog, CancellationToken.None));
    }

    [Fact]
    public async Task Nearest_pairs_are_offered_as_examples_for_prompts()
    {
        await Store.MarkCorrectAsync("library", "Number of books per genre", "SELECT genre, count(*) FROM library.books GROUP BY genre", "ana", "ana", CancellationToken.None);

        var examples = await Matcher.ExamplesAsync("library", "number of books per author", "ana", 3, CancellationToken.None);

        var example = Assert.Single(examples);
        Assert.Contains("GROUP BY genre", example.Sql);
    }

    [Fact]
    public async Task Removing_a_verified_pair_forgets_it()
    {
        var saved = await Store.MarkCorrectAsync("library", "Number of books per genre", "SELECT 1", "ana", "ana", CancellationToken.None);

        Assert.True(await Store.RemoveAsync(saved.Id, CancellationToken.None));
        Assert.Empty(await Store.ListAsync("library", CancellationToken.None));
    }

    [Fact]
    public async Task Answers_in_a_row_read_the_pairs_once_and_a_removal_is_seen_by_the_next_one()
    {
        var saved = await Store.MarkCorrectAsync("library", "How many visitors in Oslo in 2019?", OsloSql, "ana", "ana", CancellationToken.None);
        Assert.Single(await Store.FindNearestAsync("library", "visitors in Oslo in 2020", "ana", 5, CancellationToken.None));

        using (var tally = AppDatabaseCommands.Measure())
        {
            Assert.Single(await Store.FindNearestAsync("library", "visitors in Oslo in 2021", "ana", 5, CancellationToken.None));
            Assert.Equal(0, tally.Count);
        }

        Assert.True(await Store.RemoveAsync(saved.Id, CancellationToken.None));
        Assert.Empty(await Store.FindNearestAsync("library", "visitors in Oslo in 2021", "ana", 5, CancellationToken.None));
    }

    [Fact]
    public async Task An_unapproved_pair_serves_only_its_owner_until_approved()
    {
        var saved = await Store.MarkCorrectAsync("library", "How many visitors in Oslo in 2019?", OsloSql, "ana", "ana", CancellationToken.None);

        Assert.NotNull(await Matcher.MatchAsync("library", "How many visitors in Oslo in 2019?", "ana", library.Catalog, CancellationToken.None));
        Assert.Null(await Matcher.MatchAsync("library", "How many visitors in Oslo in 2019?", "bo", library.Catalog, CancellationToken.None));
        Assert.Null(await Matcher.MatchAsync("library", "How many visitors in Oslo in 2019?", null, library.Catalog, CancellationToken.None));
        Assert.Empty(await Matcher.ExamplesAsync("library", "How many visitors in Oslo in 2019?", "bo", 3, CancellationToken.None));

        Assert.True(await Store.ApproveAsync(saved.Id, "admin-id", "admin", CancellationToken.None));

        var match = await Matcher.MatchAsync("library", "How many visitors in Oslo in 2019?", "bo", library.Catalog, CancellationToken.None);
        Assert.NotNull(match);
        Assert.Contains("verified by ana on", match.Draft.Interpretation.Summary);
        Assert.Contains("approved by admin on", match.Draft.Interpretation.Summary);
    }

    [Fact]
    public async Task Changing_the_sql_of_an_approved_pair_needs_a_new_approval_and_another_analyst_cannot_overwrite_it()
    {
        var saved = await Store.MarkCorrectAsync("library", "Number of books per genre", "SELECT genre, count(*) FROM library.books GROUP BY genre", "ana", "ana", CancellationToken.None);
        await Store.ApproveAsync(saved.Id, "admin-id", "admin", CancellationToken.None);

        // Another analyst marking the same question gets an entry of their own; ana's stays as it was.
        await Store.MarkCorrectAsync("library", "number of books per genre?", "SELECT 0", "bo", "bo", CancellationToken.None);
        var anas = (await Store.ListAsync("library", CancellationToken.None)).Single(v => v.OwnerId == "ana");
        Assert.Equal("ana", anas.CreatedBy);
        Assert.StartsWith("SELECT genre", anas.Sql);
        Assert.NotNull(anas.ApprovedAt);

        await Store.MarkCorrectAsync("library", "Number of books per genre", "SELECT 0", "ana", "ana", CancellationToken.None);
        Assert.Null((await Store.FindAsync(saved.Id, CancellationToken.None))!.ApprovedAt);
        Assert.Empty(await Matcher.ExamplesAsync("library", "Number of books per genre", "cy", 3, CancellationToken.None));
    }
}

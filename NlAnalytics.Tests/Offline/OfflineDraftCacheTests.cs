using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Offline;

namespace NlAnalytics.Tests.Offline;

/// <summary>The offline writer's draft cache: a repeated question is not written again, and nothing that changes the draft is ignored by its key.</summary>
[Collection(LibraryCollection.Name)]
public sealed class OfflineDraftCacheTests(LibraryDatabase library) : IDisposable
{
    private readonly OfflineDraftCache _cache = new();

    private OfflineSqlWriter Writer => new(TimeProvider.System, NullLogger<OfflineSqlWriter>.Instance, drafts: _cache);

    private Task<SqlDraft> WriteAsync(string question, DatabaseCatalog? catalog = null, params string[] history) =>
        Writer.WriteAsync(new SqlWritingContext(question, catalog ?? library.Catalog, [], "",
            [.. history.Select(h => new ThreadTurn(h, h, null, null))], []), CancellationToken.None);

    [Fact]
    public async Task A_repeated_question_gets_the_stored_draft()
    {
        var first = await WriteAsync("How many poetry books?");
        var again = await WriteAsync("How many poetry books?");

        Assert.Equal(1, _cache.Hits);
        Assert.NotNull(first.Sql);
        Assert.Equal(first.Sql, again.Sql);
        Assert.Equal(first.Interpretation.ToString(), again.Interpretation.ToString());
        Assert.Equal(first.Confidence, again.Confidence);
    }

    [Fact]
    public async Task A_follow_up_in_another_thread_is_written_for_that_thread()
    {
        var afterCount = await WriteAsync("and for poetry?", null, "How many books are there?");
        var afterPrice = await WriteAsync("and for poetry?", null, "Average price of books");

        Assert.Equal(0, _cache.Hits);
        Assert.Contains("count(", afterCount.Sql, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("avg(", afterPrice.Sql, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refreshed_catalog_writes_its_questions_again()
    {
        await WriteAsync("How many books are there?");
        // A refresh reads the catalog anew: another instance, even with the same tables.
        var refreshed = library.Catalog with { LoadedAt = library.Catalog.LoadedAt.AddMinutes(1) };
        var draft = await WriteAsync("How many books are there?", refreshed);

        Assert.Equal(0, _cache.Hits);
        Assert.NotNull(draft.Sql);
    }

    public void Dispose() => _cache.Dispose();
}

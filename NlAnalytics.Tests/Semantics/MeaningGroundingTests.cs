using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Offline;

namespace NlAnalytics.Tests.Semantics;

/// <summary>The offline writer on the library database, grounding words no name, comment, value or lexicon spells.</summary>
[Collection(LibraryCollection.Name)]
public sealed class MeaningGroundingTests(LibraryDatabase library) : IDisposable
{
    private readonly Core.Semantics.CatalogSemantics _semantics = CountingEncoder.Semantics(CountingEncoder.Shared);

    public void Dispose() => _semantics.Dispose();

    private async Task<SqlDraft> AskAsync(string question, bool byMeaning = true)
    {
        await _semantics.WhenReadyAsync(library.Catalog, CancellationToken.None);
        var writer = new OfflineSqlWriter(TimeProvider.System, NullLogger<OfflineSqlWriter>.Instance, byMeaning ? _semantics : null);
        return await writer.WriteAsync(new SqlWritingContext(question, library.Catalog, [], "", [], []), CancellationToken.None);
    }

    private async Task AssertMeansAsync(string question, string expectedSql)
    {
        var draft = await AskAsync(question);
        Assert.True(draft.Sql is not null, $"declined \"{question}\": {draft.Interpretation}");
        var expected = await library.RowsAsync(expectedSql);
        var actual = await library.RowsAsync(draft.Sql!);
        Assert.True(expected.Order().SequenceEqual(actual.Order()), $"\"{question}\"\n{draft.Interpretation}\n{draft.Sql}");
    }

    [Fact]
    public async Task A_word_for_a_table_that_no_list_holds_is_grounded_by_meaning()
    {
        await AssertMeansAsync("How many borrowings are there?", "SELECT count(*) FROM library.loans");

        var lexicalOnly = await AskAsync("How many borrowings are there?", byMeaning: false);
        Assert.Null(lexicalOnly.Sql);
    }

    [Fact]
    public Task A_word_for_another_table_groups_by_meaning_too() =>
        AssertMeansAsync("Number of novelists", "SELECT count(*) FROM library.authors");

    [Fact]
    public Task A_word_close_to_an_indexed_value_filters_on_it() =>
        AssertMeansAsync("How many poems are there?", "SELECT count(*) FROM library.books WHERE genre = 'poetry'");

    [Fact]
    public async Task Nonsense_is_still_declined()
    {
        var draft = await AskAsync("How many xyzzy plugh are there?");
        Assert.Null(draft.Sql);
    }
}

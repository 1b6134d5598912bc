using NlAnalytics.Core.Offline;

namespace NlAnalytics.Tests.Offline;

/// <summary>Misspelt question words are read as the catalog word they are one or two edits from, and the answer says so.</summary>
[Collection(LibraryCollection.Name)]
public sealed class SpellingTests(LibraryDatabase library)
{
    [Theory]
    [InlineData("How many memebrs live in Oslo?", "memebrs → member", "SELECT count(*) FROM library.members WHERE city = 'Oslo'")]
    [InlineData("Number of boooks per genre", "boooks → book", "SELECT genre, count(*) FROM library.books GROUP BY genre")]
    [InlineData("avergae price of books", "avergae → average", "SELECT avg(price) FROM library.books")]
    public async Task A_misspelt_word_is_read_as_the_catalog_word_and_the_correction_is_shown(string question, string correction, string expectedSql)
    {
        var draft = await library.ComposeAsync(question, []);

        Assert.True(draft.Sql is not null, $"declined \"{question}\": {draft.Interpretation}");
        Assert.Contains(correction, draft.Interpretation.Corrections);
        var expected = await library.RowsAsync(expectedSql);
        var actual = await library.RowsAsync(draft.Sql!);
        expected.Sort(StringComparer.Ordinal);
        actual.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("How many books by their sponsor?")]   // a word far from every catalog word
    [InlineData("How many books per pagez?")]          // five letters: too short to correct
    public async Task A_word_that_is_not_close_to_one_catalog_word_is_not_corrected(string question)
    {
        var draft = await library.ComposeAsync(question, []);

        Assert.Empty(draft.Interpretation.Corrections);
    }

    [Theory]
    [InlineData("revnue", "revenue", 1)]
    [InlineData("studnets", "students", 1)]
    [InlineData("costumer", "customer", 2)]
    [InlineData("genre", "genre", 0)]
    [InlineData("sponsor", "person", 3)]
    public void Edit_distance_counts_an_adjacent_swap_as_one_edit(string a, string b, int expected) =>
        Assert.Equal(expected, TextNormalizer.EditDistance(a, b, 2));

    [Fact]
    public void Edit_distance_stops_counting_past_its_limit() =>
        Assert.Equal(2, TextNormalizer.EditDistance("mystery", "history", 1));
}

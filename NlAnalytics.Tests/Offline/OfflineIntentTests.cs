namespace NlAnalytics.Tests.Offline;

/// <summary>
/// Intents of issue 9 point 4 on the library fixture (ADR 0035): top N within each group, above average, period over
/// period, days between two dates, medians and percentiles. Every expected result is a hand-written query that
/// computes it another way (correlated counts, self-joins, literal figures), never the window or subquery the writer uses.
/// </summary>
[Collection(LibraryCollection.Name)]
public sealed class OfflineIntentTests(LibraryDatabase library)
{
    private async Task AssertMeansAsync(string question, string expectedSql)
    {
        var draft = await library.ComposeAsync(question);
        Assert.True(draft.Sql is not null, $"declined \"{question}\": {draft.Interpretation}");
        var expected = await library.RowsAsync(expectedSql);
        var actual = await library.RowsAsync(draft.Sql!);
        expected.Sort(StringComparer.Ordinal);
        actual.Sort(StringComparer.Ordinal);
        Assert.True(expected.SequenceEqual(actual),
            $"\"{question}\"\n{draft.Interpretation}\n{draft.Sql}\nexpected: {string.Join(" ; ", expected.Take(12))}\nactual:   {string.Join(" ; ", actual.Take(12))}");
    }

    // A book's rank in its genre is one more than the number of books of that genre priced higher (ties by id).
    private const string BooksRankedByPriceInGenre = """
        SELECT b.genre, b.title, b.price, 1 + (SELECT count(*) FROM library.books o
            WHERE o.genre = b.genre AND (o.price > b.price OR o.price = b.price AND o.book_id < b.book_id)) AS r
        FROM library.books b
        """;

    [Theory]
    [InlineData("top 2 books by price in each genre", 2)]
    [InlineData("the 2 most expensive books in every genre", 2)]
    // Before ADR 0035 this was the maximum price per genre, without the book that holds it.
    [InlineData("Most expensive book in each genre", 1)]
    [InlineData("the 3 priciest books for each genre", 3)]
    public Task Top_n_in_each_group_ranks_within_the_group(string question, int n) =>
        AssertMeansAsync(question, $"SELECT * FROM ({BooksRankedByPriceInGenre}) t WHERE r <= {n}");

    [Theory]
    [InlineData("top 2 members by total fees in each city")]
    [InlineData("for each city, the top 2 members by fees")]
    public Task Top_n_in_each_group_ranks_totals_within_the_group(string question) =>
        AssertMeansAsync(question, """
            WITH t AS (SELECT m.member_id, m.city, m.full_name, sum(l.fee) AS fees FROM library.loans l JOIN library.members m ON m.member_id = l.member_id GROUP BY 1, 2, 3)
            SELECT city, full_name, fees, 1 + (SELECT count(*) FROM t o WHERE o.city = t.city AND (o.fees > t.fees OR o.fees = t.fees AND o.member_id < t.member_id)) AS r
            FROM t WHERE (SELECT count(*) FROM t o WHERE o.city = t.city AND (o.fees > t.fees OR o.fees = t.fees AND o.member_id < t.member_id)) < 2
            """);

    // Each month against the month before it in the data, found by a self-join rather than a window; the month still
    // running is flagged as not complete.
    [Theory]
    [InlineData("total fees month over month")]
    [InlineData("how did the fees change from one month to the next?")]
    [InlineData("monthly fees compared with the previous month")]
    public Task Month_over_month_is_each_month_with_its_change_from_the_previous_one(string question) =>
        AssertMeansAsync(question, """
            WITH m AS (SELECT date_trunc('month', loan_date)::date AS month, sum(fee) AS fees FROM library.loans GROUP BY 1)
            SELECT m.month, m.fees, m.fees - p.fees, 100.0 * (m.fees - p.fees) / NULLIF(p.fees, 0), m.month < date_trunc('month', CURRENT_DATE)
            FROM m LEFT JOIN m p ON p.month = (SELECT max(x.month) FROM m x WHERE x.month < m.month)
            """);

    // Restricted to one year, January still has its change from the December before it.
    [Fact]
    public Task Month_over_month_within_a_year_compares_its_first_month_with_the_month_before_the_year()
    {
        var year = DateTime.UtcNow.Year - 1;
        return AssertMeansAsync($"fees month over month in {year}", $"""
            WITH m AS (SELECT date_trunc('month', loan_date)::date AS month, sum(fee) AS fees FROM library.loans GROUP BY 1)
            SELECT m.month, m.fees, m.fees - p.fees, 100.0 * (m.fees - p.fees) / NULLIF(p.fees, 0), true
            FROM m LEFT JOIN m p ON p.month = (SELECT max(x.month) FROM m x WHERE x.month < m.month)
            WHERE extract(year FROM m.month) = {year}
            """);
    }

    [Fact]
    public async Task The_top_ten_by_two_groupings_without_each_is_still_not_confident()
    {
        var draft = await library.ComposeAsync("top 10 books by price by genre");
        Assert.True(draft.Sql is null || !draft.Sql.Contains("ROW_NUMBER", StringComparison.Ordinal), draft.Sql);
    }
}

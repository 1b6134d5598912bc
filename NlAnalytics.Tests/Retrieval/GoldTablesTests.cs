using NlAnalytics.Core.Retrieval;
using NlAnalytics.Tests.Catalog;

namespace NlAnalytics.Tests.Retrieval;

public sealed class GoldTablesTests(LibraryDatabase database) : IClassFixture<LibraryDatabase>
{
    [Fact]
    public async Task The_tables_a_query_reads_are_found_through_aliases_ctes_and_subqueries()
    {
        const string sql = """
            WITH busy AS (SELECT b.book_id FROM library.books b JOIN library.loans l ON l.book_id = b.book_id GROUP BY b.book_id HAVING count(*) > 2)
            SELECT s.genre, count(*) FROM busy JOIN library.books x ON x.book_id = busy.book_id
            JOIN library.shelves s ON s.branch_code = x.branch_code AND s.shelf_no = x.shelf_no
            WHERE x.branch_code IN (SELECT branch_code FROM library.branches WHERE city = 'Lausanne')
            GROUP BY s.genre;
            """;

        var tables = await GoldTables.FromExplainAsync(database.ConnectionString, sql, CancellationToken.None);

        Assert.Equal(["library.books", "library.branches", "library.loans", "library.shelves"], tables);
    }

    [Fact]
    public async Task A_view_counts_as_the_tables_it_reads_and_partitions_as_their_partitioned_table()
    {
        var view = await GoldTables.FromExplainAsync(database.ConnectionString, "SELECT count(*) FROM library.open_loans", CancellationToken.None);
        var partitioned = await GoldTables.FromExplainAsync(database.ConnectionString,
            "SELECT branch_code, count(*) FROM library.visits GROUP BY branch_code", CancellationToken.None);

        Assert.Equal(["library.loans"], view);
        Assert.Equal(["library.visits"], partitioned);
    }

    [Fact]
    public async Task Gold_sql_is_only_planned_never_run()
    {
        var tables = await GoldTables.FromExplainAsync(database.ConnectionString,
            "SELECT * FROM library.branches WHERE 1 / (SELECT count(*) - count(*) FROM library.books) = 1", CancellationToken.None);

        Assert.Equal(["library.books", "library.branches"], tables);
    }

    [Fact]
    public async Task A_statement_smuggled_after_the_gold_query_cannot_change_data()
    {
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            GoldTables.FromExplainAsync(database.ConnectionString, "SELECT 1; DELETE FROM library.loans", CancellationToken.None));

        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM library.loans", connection);
        Assert.Equal(5000L, await count.ExecuteScalarAsync());
    }
}

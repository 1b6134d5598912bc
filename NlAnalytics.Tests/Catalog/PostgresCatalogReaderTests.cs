using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Catalog;

public sealed class PostgresCatalogReaderTests(LibraryDatabase database) : IClassFixture<LibraryDatabase>
{
    private readonly PostgresCatalogReader _reader = LibraryDatabase.NewReader();

    [Fact]
    public async Task Tables_views_and_partitioned_tables_are_listed_once_each_with_their_kind()
    {
        var catalog = await _reader.ReadAsync(database.Source(), CancellationToken.None);

        Assert.Equal(
            ["internal.audit_log", "library.books", "library.branches", "library.loans", "library.open_loans", "library.shelves", "library.visits"],
            catalog.Tables.Select(t => t.QualifiedName));
        Assert.Equal(TableKind.View, catalog.Find("library.open_loans")!.Kind);
        Assert.Equal(TableKind.PartitionedTable, catalog.Find("library.visits")!.Kind);
        Assert.Equal(600, catalog.Find("library.visits")!.RowEstimate);
        Assert.Equal(2000, catalog.Find("library.books")!.RowEstimate);
        Assert.Equal("library", catalog.DataSource);
    }

    [Fact]
    public async Task After_the_server_ends_the_pooled_connection_the_catalog_is_still_read()
    {
        // Tried from outside (issue 10 point 9): after a restart of the cluster the first answer failed with
        // "Could not read the data source's tables" (57P01 on the pooled catalog connection).
        var application = $"nla_catalog_{Guid.NewGuid():N}"[..26];
        var source = database.Source() with { QueryConnectionString = database.ConnectionString + $";Application Name={application}" };
        Assert.NotEmpty((await _reader.ReadAsync(source, CancellationToken.None)).Tables);
        var alive = $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'";
        Assert.True(Convert.ToInt64(await Sql.ScalarAsync(database.ConnectionString, alive), System.Globalization.CultureInfo.InvariantCulture) > 0);

        await Sql.ExecuteAsync(database.ConnectionString, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{application}'");
        while (Convert.ToInt64(await Sql.ScalarAsync(database.ConnectionString, alive), System.Globalization.CultureInfo.InvariantCulture) > 0)
            await Task.Delay(20);

        Assert.NotEmpty((await _reader.ReadAsync(source, CancellationToken.None)).Tables);
    }

    [Fact]
    public async Task Only_the_exposed_schemas_are_read_when_some_are_configured()
    {
        var catalog = await _reader.ReadAsync(database.Source("library"), CancellationToken.None);

        Assert.Null(catalog.Find("internal.audit_log"));
        Assert.All(catalog.Tables, t => Assert.Equal("library", t.Schema));
        Assert.NotNull(catalog.Find("library.books"));
    }

    [Fact]
    public async Task Columns_carry_formatted_types_nullability_keys_and_comments()
    {
        var catalog = await _reader.ReadAsync(database.Source(), CancellationToken.None);
        var books = catalog.Find("library.books")!;

        Assert.Equal(["book_id", "title", "language", "branch_code", "shelf_no", "price"], books.Columns.Select(c => c.Name));
        Assert.Equal("numeric(8,2)", books.Column("price")!.DataType);
        Assert.Equal("integer", books.Column("book_id")!.DataType);
        Assert.False(books.Column("title")!.IsNullable);
        Assert.True(books.Column("language")!.IsNullable);
        Assert.Equal(["book_id"], books.PrimaryKey.Select(c => c.Name));
        Assert.Equal("Every copy of a book the library owns", books.Comment);
        Assert.Equal("Language the book is written in", books.Column("language")!.Comment);
        Assert.Equal("Loans not returned yet", catalog.Find("library.open_loans")!.Comment);
        Assert.Equal(["branch_code", "shelf_no"], catalog.Find("library.shelves")!.PrimaryKey.Select(c => c.Name));
    }

    [Fact]
    public async Task A_two_column_foreign_key_keeps_its_column_order_and_target()
    {
        var catalog = await _reader.ReadAsync(database.Source(), CancellationToken.None);

        var key = Assert.Single(catalog.Find("library.books")!.ForeignKeys);
        Assert.Equal("books_shelf_fk", key.Name);
        Assert.Equal(["branch_code", "shelf_no"], key.Columns);
        Assert.Equal("library.shelves", key.ReferencedQualifiedName);
        Assert.Equal(["branch_code", "shelf_no"], key.ReferencedColumns);
        var loanKey = Assert.Single(catalog.Find("library.loans")!.ForeignKeys);
        Assert.Equal(["book_id"], loanKey.Columns);
        Assert.Equal("library.books", loanKey.ReferencedQualifiedName);
    }

    [Fact]
    public async Task The_value_index_lists_every_value_of_low_cardinality_text_columns_and_none_of_free_text()
    {
        var catalog = await _reader.ReadAsync(database.Source(), CancellationToken.None);

        // From pg_stats (2,000 analyzed rows), from the enum's labels, and from reading a three-row lookup table.
        Assert.Equal(["English", "French", "German"], catalog.Find("library.books")!.Column("language")!.DistinctValues);
        Assert.Equal(["open", "returned", "lost"], catalog.Find("library.loans")!.Column("state")!.DistinctValues);
        Assert.Equal(["Geneva", "Lausanne", "Zurich"], catalog.Find("library.branches")!.Column("city")!.DistinctValues);
        Assert.Equal(["fiction", "history", "science"], catalog.Find("library.shelves")!.Column("genre")!.DistinctValues);
        Assert.Null(catalog.Find("library.books")!.Column("title")!.DistinctValues);
        Assert.Null(catalog.Find("library.books")!.Column("price")!.DistinctValues);
    }

    [Fact]
    public async Task Two_thousand_tables_are_read_with_the_same_number_of_queries_as_seven()
    {
        var small = await _reader.ReadWithStatisticsAsync(database.Source(), CancellationToken.None);

        var connectionString = await TestPostgres.CreateDatabaseAsync("catalog_wide");
        await LibraryDatabase.ExecuteAsync(connectionString, """
            CREATE SCHEMA wide;
            CREATE TABLE wide.t0 (id int PRIMARY KEY, label text);
            DO $$
            BEGIN
                FOR i IN 1..1999 LOOP
                    EXECUTE format('CREATE TABLE wide.t%s (id int PRIMARY KEY, parent_id int REFERENCES wide.t%s, label text)', i, i - 1);
                    EXECUTE format('COMMENT ON TABLE wide.t%s IS %L', i, 'Table number ' || i);
                END LOOP;
            END $$;
            """);
        var wide = await _reader.ReadWithStatisticsAsync(new DataSource("wide", "Wide", connectionString, null, []), CancellationToken.None);

        Assert.Equal(2000, wide.Catalog.Tables.Count);
        Assert.Equal("Table number 1234", wide.Catalog.Find("wide.t1234")!.Comment);
        Assert.Equal("wide.t1233", Assert.Single(wide.Catalog.Find("wide.t1234")!.ForeignKeys).ReferencedQualifiedName);
        // A fixed set of queries whatever the size: relations, columns, keys, statistics, then at most one read of
        // lookup values and one check of inferred join keys (the library has a key to check, the wide schema none).
        Assert.InRange(small.QueryCount, 4, 6);
        Assert.InRange(wide.QueryCount, 4, 6);
    }

    [Theory]
    [InlineData(0.0f, 3f, new[] { 0.5f, 0.3f, 0.2f }, 100, true)]
    [InlineData(0.1f, 2f, new[] { 0.6f, 0.3f }, 100, true)]
    [InlineData(0.0f, 40f, new[] { 0.5f, 0.3f }, 100, false)]
    [InlineData(0.0f, -0.03f, new[] { 0.5f, 0.3f, 0.2f }, 100, true)]
    [InlineData(0.0f, -1f, new[] { 0.5f, 0.3f, 0.2f }, 100, false)]
    public void A_most_common_values_list_counts_as_the_full_value_set_only_when_it_covers_every_row(
        float nullFraction, float distinct, float[] frequencies, long rows, bool covers)
    {
        var values = frequencies.Select((_, i) => $"v{i}").ToArray();
        Assert.Equal(covers, PostgresCatalogReader.CoversColumn(nullFraction, distinct, values, frequencies, rows));
    }
}

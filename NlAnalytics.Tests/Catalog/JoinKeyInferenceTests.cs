using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Catalog;

/// <summary>A bookshop that declares primary keys but not a single foreign key, as most real databases do.</summary>
public sealed class KeylessShopDatabase : IAsyncLifetime
{
    public const string Schema = """
        CREATE SCHEMA shop;
        CREATE TABLE shop.authors (id int PRIMARY KEY, full_name text NOT NULL);
        CREATE TABLE shop.books (book_id int PRIMARY KEY, title text NOT NULL, author_id int, AuthorCode text);
        CREATE TABLE shop.tags (tag_id bigint PRIMARY KEY, label text NOT NULL);
        -- A link table: its two key columns make its primary key.
        CREATE TABLE shop.book_tags (book_id int NOT NULL, tag_id int NOT NULL, PRIMARY KEY (book_id, tag_id));
        CREATE TABLE shop.shops (shop_id int PRIMARY KEY, city text NOT NULL);
        -- shop_id holds numbers that are not shops: same name, but the values do not agree.
        CREATE TABLE shop.stock_counts (count_id int PRIMARY KEY, shop_id int NOT NULL, book_id text);
        -- Declared keys win: this one stays as declared.
        CREATE TABLE shop.reviews (review_id int PRIMARY KEY, book_id int REFERENCES shop.books (book_id), stars int);

        INSERT INTO shop.authors SELECT i, 'Author ' || i FROM generate_series(1, 20) i;
        INSERT INTO shop.books SELECT i, 'Book ' || i, 1 + i % 20, 'A' || i FROM generate_series(1, 200) i;
        INSERT INTO shop.tags SELECT i, 'tag ' || i FROM generate_series(1, 10) i;
        INSERT INTO shop.book_tags SELECT b, t FROM generate_series(1, 200) b, generate_series(1, 3) t;
        INSERT INTO shop.shops SELECT i, 'City ' || i FROM generate_series(1, 5) i;
        INSERT INTO shop.stock_counts SELECT i, 100 + i, (1 + i % 200)::text FROM generate_series(1, 300) i;
        INSERT INTO shop.reviews SELECT i, 1 + i % 200, 1 + i % 5 FROM generate_series(1, 50) i;
        ANALYZE;
        """;

    public string ConnectionString { get; private set; } = "";

    public DataSource Source() => new("shop", "Shop", ConnectionString, null, ["shop"]);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("keyless");
        await LibraryDatabase.ExecuteAsync(ConnectionString, Schema);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class JoinKeyInferenceTests(KeylessShopDatabase database) : IClassFixture<KeylessShopDatabase>
{
    private static string[] Keys(DatabaseCatalog catalog, string table) =>
        [.. catalog.Find(table)!.ForeignKeys.Select(k => $"{string.Join(",", k.Columns)}->{k.ReferencedQualifiedName}.{string.Join(",", k.ReferencedColumns)}{(k.Inferred ? " (inferred)" : "")}").Order()];

    [Fact]
    public async Task A_column_named_after_a_table_references_that_tables_key()
    {
        var catalog = await LibraryDatabase.NewReader().ReadAsync(database.Source(), CancellationToken.None);

        Assert.Equal(["author_id->shop.authors.id (inferred)"], Keys(catalog, "shop.books"));
    }

    [Fact]
    public async Task A_link_tables_two_key_columns_each_reference_their_table()
    {
        var catalog = await LibraryDatabase.NewReader().ReadAsync(database.Source(), CancellationToken.None);

        Assert.Equal(["book_id->shop.books.book_id (inferred)", "tag_id->shop.tags.tag_id (inferred)"], Keys(catalog, "shop.book_tags"));
    }

    [Fact]
    public async Task A_same_named_column_whose_values_are_not_in_the_target_or_whose_type_differs_is_no_key()
    {
        var catalog = await LibraryDatabase.NewReader().ReadAsync(database.Source(), CancellationToken.None);

        // shop_id values 101-400 are not shops (1-5); book_id is text there, an integer in books.
        Assert.Empty(Keys(catalog, "shop.stock_counts"));
    }

    [Fact]
    public async Task A_declared_key_is_kept_as_declared_and_nothing_is_inferred_beside_it()
    {
        var catalog = await LibraryDatabase.NewReader().ReadAsync(database.Source(), CancellationToken.None);

        Assert.Equal(["book_id->shop.books.book_id"], Keys(catalog, "shop.reviews"));
        Assert.Empty(Keys(catalog, "shop.authors"));
    }

    [Fact]
    public async Task Inference_can_be_turned_off()
    {
        var catalog = await LibraryDatabase.NewReader(new CatalogOptions { InferJoinKeys = false }).ReadAsync(database.Source(), CancellationToken.None);

        Assert.DoesNotContain(catalog.Tables.SelectMany(t => t.ForeignKeys), k => k.Inferred);
        Assert.Empty(Keys(catalog, "shop.book_tags"));
    }

    [Theory]
    [InlineData("order_details", "order_detail")]
    [InlineData("countries", "country")]
    [InlineData("boxes", "box")]
    [InlineData("addresses", "address")]
    [InlineData("status", "status")]
    [InlineData("PlaylistTrack", "playlist_track")]
    public void A_tables_name_is_read_as_the_singular_a_key_column_would_use(string table, string entity) =>
        Assert.Equal(entity, JoinKeyInference.Entity(JoinKeyInference.Words(table)));
}

using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Semantics;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Semantics;

public sealed class CatalogSemanticsTests
{
    private static DatabaseCatalog Catalog(params TableInfo[] tables) => new("test", tables, DateTimeOffset.UtcNow);

    private static TableInfo Table(string name, string? comment, params ColumnInfo[] columns) =>
        new("shop", name, TableKind.Table, comment, 100, columns, []);

    private static readonly DatabaseCatalog Shop = Catalog(
        Table("staff", "People on the payroll", new ColumnInfo("staff_id", "integer", false, true, null), new ColumnInfo("full_name", "text", false, false, null)),
        Table("clients", null, new ColumnInfo("client_id", "integer", false, true, null), new ColumnInfo("signup_date", "date", false, false, null),
            new ColumnInfo("tier", "text", false, false, null, ["bronze", "silver", "gold"])),
        Table("invoices", "Bills sent to clients", new ColumnInfo("invoice_id", "integer", false, true, null), new ColumnInfo("total_due", "numeric", false, false, null)));

    [Fact]
    public async Task A_word_no_name_spells_is_nearest_to_the_catalog_text_that_means_it()
    {
        using var semantics = CountingEncoder.Semantics(CountingEncoder.Shared);
        var space = (await semantics.WhenReadyAsync(Shop, CancellationToken.None))!;

        var registrations = space.Nearest(semantics.Encode("registrations", CancellationToken.None), 1, 0, e => e.Kind == VocabularyKind.Column);
        var employees = space.Nearest(semantics.Encode("employees", CancellationToken.None), 1, 0, e => e.Kind == VocabularyKind.Table);

        Assert.Equal(("shop.clients", "signup_date"), (registrations[0].Entry.Table, registrations[0].Entry.Column));
        Assert.Equal("shop.staff", employees[0].Entry.Table);
    }

    [Fact]
    public void Words_prefetched_in_one_batch_are_not_encoded_again_and_mean_what_they_mean_alone()
    {
        var counting = new CountingEncoder(CountingEncoder.Shared);
        using var batched = CountingEncoder.Semantics(counting);
        using var alone = CountingEncoder.Semantics(CountingEncoder.Shared);
        string[] words = ["registrations", "payroll", "extraordinarily long-winded"];

        batched.Prefetch(words, CancellationToken.None);
        Assert.Equal(3, counting.Texts);
        foreach (var word in words)
        {
            var fromBatch = batched.Encode(word, CancellationToken.None);
            var single = alone.Encode(word, CancellationToken.None);
            Assert.True(Cosine(fromBatch, single) > 0.9999, $"'{word}' in a batch of texts of other lengths has another vector");
        }
        Assert.Equal(3, counting.Texts);
    }

    private static double Cosine(float[] a, float[] b) =>
        a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(y => (double)y * y));

    [Fact]
    public async Task Vectors_are_computed_in_the_background_and_then_served_without_waiting()
    {
        using var semantics = CountingEncoder.Semantics(CountingEncoder.Shared);
        var catalog = Catalog([.. Shop.Tables]);

        var ready = await semantics.WhenReadyAsync(catalog, CancellationToken.None);

        Assert.NotNull(ready);
        Assert.Same(ready, semantics.TryGet(catalog));
        var progress = semantics.ProgressOf(catalog);
        Assert.True(progress.Ready);
        Assert.Equal(progress.Total, progress.Done);
        Assert.Equal(CatalogVocabulary.Of(catalog).Select(e => e.Text).Distinct().Count(), progress.Total);
    }

    [Fact]
    public async Task Stored_vectors_are_reused_by_the_next_process_and_only_new_texts_are_embedded()
    {
        var appDatabase = await AppDatabase.CreateAsync("semantics");
        var first = new CountingEncoder(CountingEncoder.Shared);
        using (var semantics = CountingEncoder.Semantics(first, appDatabase))
            await semantics.WhenReadyAsync(Catalog([.. Shop.Tables]), CancellationToken.None);
        var texts = CatalogVocabulary.Of(Shop).Select(e => e.Text).Distinct().Count();
        Assert.Equal(texts, first.Texts);

        // A restart: a new service, the same app database, and a catalog that gained one column.
        var second = new CountingEncoder(CountingEncoder.Shared);
        var grown = Catalog([.. Shop.Tables.Take(2), Shop.Tables[2] with { Columns = [.. Shop.Tables[2].Columns, new ColumnInfo("paid_on", "date", true, false, null)] }]);
        using (var semantics = CountingEncoder.Semantics(second, appDatabase))
        {
            var space = await semantics.WhenReadyAsync(grown, CancellationToken.None);
            Assert.NotNull(space);
        }

        // "paid on" is new, and so is the invoices' description, which lists the columns.
        Assert.Equal(2, second.Texts);
    }
}

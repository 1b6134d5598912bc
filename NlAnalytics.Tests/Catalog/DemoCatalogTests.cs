using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Demo;
using NlAnalytics.Tests.Retrieval;

namespace NlAnalytics.Tests.Catalog;

/// <summary>The catalog the analyst sees of the generated demo warehouse (a small scale of the real generator).</summary>
public sealed class DemoCatalogTests(DemoWarehouseFixture demo) : IClassFixture<DemoWarehouseFixture>
{
    private Task<DatabaseCatalog> ReadAsync() => LibraryDatabase.NewReader().ReadAsync(
        new DataSource("demo", "Demo", demo.ConnectionString, null, ["sales", "university", "music"]), CancellationToken.None);

    [Fact]
    public async Task Every_demo_table_is_there_with_its_primary_key_and_every_table_and_column_has_a_comment()
    {
        var catalog = await ReadAsync();

        Assert.Equal(
            ["music.artists", "music.genres", "music.songs", "sales.categories", "sales.customers", "sales.marketing_campaigns", "sales.order_lines",
             "sales.orders", "sales.products", "sales.regions", "sales.returns", "sales.stores", "university.enrollments", "university.faculties"],
            catalog.Tables.Select(t => t.QualifiedName));
        Assert.Equal(["order_line_id"], catalog.Find("sales.order_lines")!.PrimaryKey.Select(c => c.Name));
        Assert.Equal(["faculty_code"], catalog.Find("university.faculties")!.PrimaryKey.Select(c => c.Name));
        Assert.All(catalog.Tables, t => Assert.False(string.IsNullOrWhiteSpace(t.Comment), t.QualifiedName));
        Assert.All(catalog.Tables.SelectMany(t => t.Columns.Select(c => (t, c))),
            p => Assert.False(string.IsNullOrWhiteSpace(p.c.Comment), $"{p.t.QualifiedName}.{p.c.Name}"));
    }

    [Fact]
    public async Task The_demo_foreign_keys_connect_facts_to_their_dimensions()
    {
        var catalog = await ReadAsync();

        string[] Targets(string table) => [.. catalog.Find(table)!.ForeignKeys.Select(k => $"{string.Join(",", k.Columns)}->{k.ReferencedQualifiedName}").Order()];
        Assert.Equal(["order_id->sales.orders", "product_id->sales.products"], Targets("sales.order_lines"));
        Assert.Equal(["campaign_id->sales.marketing_campaigns", "customer_id->sales.customers", "store_id->sales.stores"], Targets("sales.orders"));
        Assert.Equal(["faculty_code->university.faculties"], Targets("university.enrollments"));
        Assert.Equal(["artist_id->music.artists", "genre_id->music.genres"], Targets("music.songs"));
        Assert.Equal(["order_line_id->sales.order_lines"], Targets("sales.returns"));
        Assert.Equal(["region_id->sales.regions"], Targets("sales.stores"));
    }

    [Fact]
    public async Task The_value_index_knows_faculty_codes_and_cities()
    {
        var catalog = await ReadAsync();

        var codes = catalog.Find("university.enrollments")!.Column("faculty_code")!.DistinctValues;
        Assert.Equal(["FBM", "FDCA", "FGSE", "FTSR", "HEC", "Lettres", "SSP"], codes);
        Assert.Equal(codes, catalog.Find("university.faculties")!.Column("faculty_code")!.DistinctValues);
        Assert.Contains("Lausanne", catalog.Find("sales.stores")!.Column("city")!.DistinctValues!);
        Assert.Equal(["female", "male"], catalog.Find("university.enrollments")!.Column("sex")!.DistinctValues);
        Assert.Contains("hip hop", catalog.Find("music.genres")!.Column("name")!.DistinctValues!);
    }

    [Fact]
    public async Task A_question_naming_a_faculty_code_retrieves_the_enrollment_table_for_that_reason()
    {
        var catalog = await ReadAsync();

        var result = await HrDatabase.NewRetriever().RetrieveAsync(catalog, "How many students were enrolled at HEC in 2021?", 8, CancellationToken.None);

        Assert.Equal("university.enrollments", result.Tables[0].QualifiedName);
        Assert.Contains("column faculty_code holds 'HEC'", result.Tables[0].Reason);
        Assert.Contains("CREATE TABLE university.enrollments (", result.SchemaPrompt);
        Assert.DoesNotContain("CREATE TABLE sales.", result.SchemaPrompt);
    }
}

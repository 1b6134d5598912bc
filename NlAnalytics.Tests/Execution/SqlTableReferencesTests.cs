using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Tests.Execution;

public sealed class SqlTableReferencesTests
{
    [Theory]
    [InlineData("SELECT count(*) FROM sales.orders", "sales.orders")]
    [InlineData("SELECT * FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id LEFT JOIN geo.regions r USING (region_id)", "sales.orders|sales.customers|geo.regions")]
    [InlineData("SELECT a.x FROM shop.a a, shop.b b WHERE a.id = b.id", "shop.a|shop.b")]
    [InlineData("WITH monthly AS (SELECT date_trunc('month', d) AS m FROM shop.orders) SELECT * FROM monthly", "shop.orders")]
    [InlineData("SELECT extract(year FROM order_date) AS y, substring(name FROM 2) FROM shop.orders", "shop.orders")]
    [InlineData("SELECT * FROM generate_series(1, 3) g CROSS JOIN \"Sales\".\"Order Lines\"", "Sales.Order Lines")]
    [InlineData("SELECT * FROM shop.orders WHERE customer_id IN (SELECT id FROM shop.customers) -- FROM shop.hidden", "shop.orders|shop.customers")]
    [InlineData("SELECT 'FROM shop.fake' AS text", "")]
    public void The_tables_a_statement_reads_are_found_from_its_tokens(string sql, string expected)
    {
        Assert.Equal(expected.Length == 0 ? [] : expected.Split('|'), SqlTableReferences.Read(sql));
    }

    [Fact]
    public void Tables_used_lists_only_what_the_sql_reads_keeping_retrieval_reasons_and_resolving_unqualified_names()
    {
        var catalog = new DatabaseCatalog("shop", [Table("shop", "orders"), Table("shop", "customers"), Table("shop", "regions")], DateTimeOffset.UtcNow);
        IReadOnlyList<RetrievedTable> retrieved = [new("shop.orders", 3, "name matches 'orders'"), new("shop.regions", 1, "value 'North'")];

        var used = TablesUsed.From("SELECT count(*) FROM orders JOIN shop.customers c ON true", retrieved, catalog);

        Assert.Equal(["shop.orders", "shop.customers"], used.Select(t => t.QualifiedName));
        Assert.Equal(["name matches 'orders'", TablesUsed.ReadBySql], used.Select(t => t.Reason));
    }

    private static TableInfo Table(string schema, string name) => new(schema, name, TableKind.Table, null, 0, [], []);
}

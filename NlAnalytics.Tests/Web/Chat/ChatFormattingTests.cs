using NlAnalytics.Core.Catalog;
using NlAnalytics.Web.Components.Pages.Chat;

namespace NlAnalytics.Tests.Web.Chat;

public sealed class ChatFormattingTests
{
    [Fact]
    public void One_line_sql_is_laid_out_by_clause_without_touching_string_literals()
    {
        var formatted = SqlFormatter.Format("select s.name, count(*) as n from sales.stores s join sales.orders o on o.store_id = s.id where s.city = 'from where, select' group by s.name order by n desc limit 5");

        Assert.Equal("""
            select
              s.name,
              count(*) as n
            from sales.stores s
            join sales.orders o on o.store_id = s.id
            where s.city = 'from where, select'
            group by s.name
            order by n desc
            limit 5
            """.ReplaceLineEndings("\n"), formatted);
    }

    [Fact]
    public void Sql_that_already_has_line_breaks_is_kept_as_written()
    {
        const string sql = "SELECT 1\n  FROM t";
        Assert.Equal(sql, SqlFormatter.Format(sql));
    }

    [Fact]
    public void Example_questions_come_from_the_catalog_of_any_schema()
    {
        var catalog = new DatabaseCatalog("shop", [
            new TableInfo("shop", "tbl_shipments", TableKind.Table, null, 50_000,
                [
                    new ColumnInfo("shipment_id", "integer", false, true, null),
                    new ColumnInfo("depot_id", "integer", false, false, null),
                    new ColumnInfo("freight_cost", "numeric", false, false, null),
                    new ColumnInfo("shipped_on", "date", false, false, null),
                    new ColumnInfo("carrier", "text", false, false, null, ["Rapid", "Slow & Steady"]),
                ],
                [new ForeignKeyInfo("fk", ["depot_id"], "shop", "depots", ["depot_id"])]),
            new TableInfo("shop", "depots", TableKind.Table, null, 12,
                [new ColumnInfo("depot_id", "integer", false, true, null), new ColumnInfo("name", "text", false, false, null)], []),
        ], DateTimeOffset.UnixEpoch);

        var questions = ExampleQuestions.From(catalog);

        Assert.Equal(["Total freight cost by carrier", "Total freight cost by month", "Total freight cost for Rapid", "How many shipments are there?"], questions);
    }

    [Fact]
    public void A_csv_file_name_comes_from_the_question()
    {
        Assert.Equal("what-were-total-sales-by-month.csv", ResultCsv.FileName("What were total sales by month?", "csv"));
        Assert.Equal("result.png", ResultCsv.FileName("???", "png"));
    }
}

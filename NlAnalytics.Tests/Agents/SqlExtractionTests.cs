using NlAnalytics.Core.Agents;

namespace NlAnalytics.Tests.Agents;

public sealed class SqlExtractionTests
{
    [Fact]
    public void Sql_in_a_fence_is_found_with_its_interpretation_and_chart()
    {
        var reply = """
            Here is the query:
            ```sql
            SELECT r.name AS region, SUM(l.net_amount) AS revenue
            FROM sales.order_lines l JOIN sales.orders o ON o.order_id = l.order_id
            GROUP BY 1 ORDER BY 2 DESC;
            ```
            Interpretation: Revenue per region over all time.
            Chart: bar
            """;

        var extracted = SqlExtraction.Extract(reply);

        Assert.NotNull(extracted);
        Assert.StartsWith("SELECT r.name AS region", extracted.Sql);
        Assert.EndsWith("ORDER BY 2 DESC", extracted.Sql);
        Assert.Equal("Revenue per region over all time.", extracted.Interpretation);
        Assert.Equal("bar", extracted.Chart);
    }

    [Fact]
    public void A_fence_without_a_language_is_used_when_it_holds_sql()
    {
        var extracted = SqlExtraction.Extract("```\nselect count(*) from music.songs\n```");

        Assert.Equal("select count(*) from music.songs", extracted?.Sql);
    }

    [Fact]
    public void Bare_sql_after_prose_stops_at_its_semicolon()
    {
        var extracted = SqlExtraction.Extract("Sure! The answer needs this query:\nSELECT name FROM music.artists ORDER BY name;\nThis lists artists.");

        Assert.Equal("SELECT name FROM music.artists ORDER BY name", extracted?.Sql);
    }

    [Fact]
    public void Bare_sql_without_a_semicolon_stops_before_trailing_prose()
    {
        var extracted = SqlExtraction.Extract("WITH t AS (SELECT 1 AS n)\nSELECT n FROM t\n\nThis query returns one.\nChart: kpi");

        Assert.Equal("WITH t AS (SELECT 1 AS n)\nSELECT n FROM t", extracted?.Sql);
        Assert.Equal("kpi", extracted?.Chart);
    }

    [Fact]
    public void Json_with_an_sql_property_is_read()
    {
        var extracted = SqlExtraction.Extract("""{"sql": "SELECT 1 AS one;", "interpretation": "just one", "chart": "kpi"}""");

        Assert.Equal("SELECT 1 AS one", extracted?.Sql);
        Assert.Equal("just one", extracted?.Interpretation);
        Assert.Equal("kpi", extracted?.Chart);
    }

    [Fact]
    public void Json_in_a_json_fence_is_read()
    {
        var extracted = SqlExtraction.Extract("```json\n{\"query\": \"SELECT 'a;b' AS x\"}\n```");

        Assert.Equal("SELECT 'a;b' AS x", extracted?.Sql);
    }

    [Fact]
    public void A_semicolon_inside_a_string_does_not_cut_bare_sql()
    {
        var extracted = SqlExtraction.Extract("SELECT 'a;b' AS x, \"odd;name\" FROM t;");

        Assert.Equal("SELECT 'a;b' AS x, \"odd;name\" FROM t", extracted?.Sql);
    }

    [Fact]
    public void A_destructive_statement_is_extracted_so_the_gate_can_refuse_it_clearly()
    {
        var extracted = SqlExtraction.Extract("As you wish:\n```sql\nDROP TABLE users CASCADE;\n```");

        Assert.Equal("DROP TABLE users CASCADE", extracted?.Sql);
    }

    [Fact]
    public void Two_statements_in_a_fence_stay_together_for_the_gate_to_see()
    {
        var extracted = SqlExtraction.Extract("```sql\nSELECT 1; DELETE FROM t;\n```");

        Assert.Equal("SELECT 1; DELETE FROM t", extracted?.Sql);
    }

    [Theory]
    [InlineData("")]
    [InlineData("I'm sorry, I can't help with that.")]
    [InlineData("Select the table you want and I will write the query.")]
    [InlineData("With pleasure! Which year do you mean?")]
    public void Prose_without_sql_yields_nothing(string reply) =>
        Assert.Null(SqlExtraction.Extract(reply));
}

using System.Net;
using Bunit;
using NlAnalytics.Web.Components.Pages.Chat;
using static NlAnalytics.Tests.Web.Components.Messages;

namespace NlAnalytics.Tests.Web.Components;

public sealed class ResultGridTests : MudTestContext
{
    [Fact]
    public void Numbers_are_right_aligned_with_separators_and_dates_are_dates()
    {
        var grid = Render<ResultGrid>(p => p.Add(c => c.Result,
            Snapshot(["month", "total_sales", "orders"], ["2024-03-01", 1234567.891m, 1200], ["2024-04-01", 0.5m, 3])));

        var cells = grid.FindAll("tbody tr.mud-table-row td").Select(td => (td.TextContent.Trim(), td.ClassName ?? "")).ToList();
        Assert.Contains(cells, c => c.Item1 == "1,234,567.89" && c.Item2.Contains("cell-right") && c.Item2.Contains("cell-number"));
        Assert.Contains(cells, c => c.Item1 == "1,200" && c.Item2.Contains("cell-right"));
        Assert.Contains(cells, c => c.Item1 == "0.5");
        Assert.Contains(cells, c => c.Item1 == "2024-03-01" && c.Item2.Contains("cell-left"));
        Assert.Contains("Showing 2 of 2 rows", grid.Find(".result-count").TextContent);
    }

    [Fact]
    public void Years_and_ids_are_shown_without_thousands_separators()
    {
        var grid = Render<ResultGrid>(p => p.Add(c => c.Result,
            Snapshot(["year", "store_id", "revenue"], ["integer", "integer", "numeric"], [2011, 10234, 1500000], [2012, 10235, 2500])));

        var texts = grid.FindAll("tbody tr.mud-table-row td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Contains("2011", texts);
        Assert.Contains("10234", texts);
        Assert.DoesNotContain("2,011", texts);
        Assert.DoesNotContain("10,234", texts);
        Assert.Contains("1,500,000", texts);
    }

    [Fact]
    public void Sorting_a_numeric_column_orders_by_value_not_by_text()
    {
        var grid = Render<ResultGrid>(p => p.Add(c => c.Result, Snapshot(["region", "revenue"], ["b", 90], ["a", 1000], ["c", 5])));

        grid.FindAll("th .sortable-column-header")[1].Click();

        grid.WaitForAssertion(() => Assert.Equal(["5", "90", "1,000"],
            grid.FindAll("tbody tr.mud-table-row").Select(r => r.QuerySelectorAll("td")[1].TextContent.Trim())));
    }

    [Fact]
    public void A_truncated_result_says_it_was_cut_at_the_row_cap()
    {
        var snapshot = Snapshot(["n"], [.. Enumerable.Range(1, 25).Select(i => new object?[] { i })]) with { Truncated = true };

        var grid = Render<ResultGrid>(p => p.Add(c => c.Result, snapshot));

        Assert.Contains("Showing 25 of more than 25 rows (cut at the row cap", WebUtility.HtmlDecode(grid.Find(".result-count").TextContent));
    }

    [Fact]
    public void An_empty_result_says_so_and_draws_no_grid()
    {
        var grid = Render<ResultGrid>(p => p.Add(c => c.Result, Snapshot(["n"])));

        Assert.Contains("The query returned no rows.", grid.Markup);
        Assert.Empty(grid.FindAll("table"));
    }
}

using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Tests.Charts;

public sealed class ChartAdvisorTests
{
    internal static QueryResult Result(string[] columns, string[] types, params object?[][] rows) =>
        new(columns.Zip(types, (n, t) => new ResultColumn(n, t)).ToList(), rows, false, TimeSpan.FromMilliseconds(3));

    [Fact]
    public void A_date_column_with_a_measure_is_a_line_over_time()
    {
        var result = Result(["month", "total_sales"], ["date", "numeric"],
            [new DateTime(2025, 1, 1), 10.5m], [new DateTime(2025, 2, 1), 12.0m], [new DateTime(2025, 3, 1), 11.0m]);

        var chart = ChartAdvisor.Advise(result, "Sales by month");

        Assert.Equal(ChartKind.Line, chart.Kind);
        Assert.Equal("month", chart.X);
        Assert.Equal(["total_sales"], chart.Y);
        Assert.Equal("Total sales", chart.YTitle);
    }

    [Fact]
    public void An_integer_year_column_is_time_not_a_second_measure()
    {
        var result = Result(["year", "students"], ["integer", "bigint"], [2019, 3481L], [2020, 3688L], [2021, 3983L]);

        var chart = ChartAdvisor.Advise(result, "FBM students per year");

        Assert.Equal(ChartKind.Line, chart.Kind);
        Assert.Equal("year", chart.X);
        Assert.Equal(["students"], chart.Y);
    }

    [Fact]
    public void A_period_and_a_category_with_a_measure_is_a_line_per_category()
    {
        var result = Result(["year", "faculty_code", "students"], ["integer", "text", "bigint"],
            [2020, "FBM", 3983L], [2020, "HEC", 3100L], [2021, "FBM", 4108L], [2021, "HEC", 3200L]);

        var chart = ChartAdvisor.Advise(result, "Students by faculty per year");

        Assert.Equal(ChartKind.Line, chart.Kind);
        Assert.Equal("year", chart.X);
        Assert.Equal("faculty_code", chart.Series);
    }

    [Fact]
    public void Categories_with_a_measure_are_bars()
    {
        var result = Result(["region", "revenue"], ["text", "numeric"], ["Romandie", 120m], ["Lombardy", 90m], ["Bavaria", 60m]);

        var chart = ChartAdvisor.Advise(result, "Revenue by region");

        Assert.Equal(ChartKind.Bar, chart.Kind);
        Assert.Equal("region", chart.X);
        Assert.Equal(["revenue"], chart.Y);
        Assert.Null(chart.TopN);
    }

    [Fact]
    public void Many_categories_keep_only_the_top_bars()
    {
        var rows = Enumerable.Range(1, 60).Select(i => new object?[] { $"Product {i}", (decimal)(1000 - i) }).ToArray();
        var result = Result(["product", "revenue"], ["text", "numeric"], rows);

        var chart = ChartAdvisor.Advise(result, "Revenue by product");

        Assert.Equal(ChartKind.Bar, chart.Kind);
        Assert.Equal(ChartAdvisor.MaxBars, chart.TopN);
    }

    [Fact]
    public void A_share_of_a_whole_with_few_parts_is_a_donut()
    {
        var result = Result(["channel", "share_pct"], ["text", "numeric"], ["online", 55.0m], ["in-store", 40.0m], ["phone", 5.0m]);

        var chart = ChartAdvisor.Advise(result, "Share of orders by channel");

        Assert.Equal(ChartKind.Donut, chart.Kind);
        Assert.Equal("channel", chart.X);
    }

    [Fact]
    public void A_question_about_proportions_makes_a_donut_of_counts()
    {
        var result = Result(["gender", "customers"], ["text", "bigint"], ["female", 26000L], ["male", 24000L]);

        var chart = ChartAdvisor.Advise(result, "Customers by gender", "What proportion of customers are female?");

        Assert.Equal(ChartKind.Donut, chart.Kind);
    }

    [Fact]
    public void A_share_split_over_many_parts_stays_a_bar()
    {
        var rows = Enumerable.Range(1, 15).Select(i => new object?[] { $"Store {i}", 100m / 15 }).ToArray();
        var result = Result(["store", "share_pct"], ["text", "numeric"], rows);

        Assert.Equal(ChartKind.Bar, ChartAdvisor.Advise(result, "Share by store").Kind);
    }

    [Fact]
    public void Two_measures_without_a_label_are_a_scatter()
    {
        var result = Result(["unit_price", "units_sold"], ["numeric", "bigint"], [10m, 500L], [20m, 300L], [30m, 150L]);

        var chart = ChartAdvisor.Advise(result, "Price against units");

        Assert.Equal(ChartKind.Scatter, chart.Kind);
        Assert.Equal("unit_price", chart.X);
        Assert.Equal(["units_sold"], chart.Y);
    }

    [Fact]
    public void A_single_value_is_a_kpi()
    {
        var result = Result(["total_sales"], ["numeric"], [12_345_678.9m]);

        var chart = ChartAdvisor.Advise(result, "Total sales");

        Assert.Equal(ChartKind.Kpi, chart.Kind);
        Assert.Equal(["total_sales"], chart.Y);
    }

    [Fact]
    public void Text_rows_without_a_measure_are_a_table()
    {
        var result = Result(["first_name", "email"], ["text", "text"], ["Ada", "ada@example.com"], ["Alan", "alan@example.com"]);

        var chart = ChartAdvisor.Advise(result, "Customers");

        Assert.Equal(ChartKind.Table, chart.Kind);
        Assert.Equal(["first_name", "email"], chart.Y);
    }

    [Fact]
    public void An_empty_result_is_a_table()
    {
        var result = Result(["region", "revenue"], ["text", "numeric"]);

        Assert.Equal(ChartKind.Table, ChartAdvisor.Advise(result, "Revenue").Kind);
    }

    [Fact]
    public void Identifier_columns_are_labels_not_measures()
    {
        var result = Result(["store_id", "revenue"], ["integer", "numeric"], [1, 10m], [2, 20m], [3, 5m]);

        var chart = ChartAdvisor.Advise(result, "Revenue per store");

        Assert.Equal(ChartKind.Bar, chart.Kind);
        Assert.Equal("store_id", chart.X);
    }

    [Theory]
    [InlineData("Show revenue by region as a line chart", ChartKind.Line)]
    [InlineData("revenue by region as a pie", ChartKind.Donut)]
    [InlineData("revenue by region, donut chart please", ChartKind.Donut)]
    [InlineData("students per year as a bar chart", ChartKind.Bar)]
    [InlineData("show it as a table", ChartKind.Table)]
    public void A_requested_kind_is_recognised(string question, ChartKind expected) =>
        Assert.Equal(expected, ChartAdvisor.RequestedKind(question));

    [Theory]
    [InlineData("How many order lines were returned?")]
    [InlineData("Which table holds the customers?")]
    [InlineData("Revenue by region")]
    public void Ordinary_words_are_not_chart_requests(string question) =>
        Assert.Null(ChartAdvisor.RequestedKind(question));

    [Fact]
    public void A_requested_line_wins_over_the_bar_the_shape_suggests()
    {
        var result = Result(["region", "revenue"], ["text", "numeric"], ["Romandie", 120m], ["Lombardy", 90m]);

        var chart = ChartAdvisor.Advise(result, "Revenue", "Revenue by region as a line chart");

        Assert.Equal(ChartKind.Line, chart.Kind);
        Assert.Equal("region", chart.X);
    }

    [Fact]
    public void A_requested_pie_turns_counts_into_a_donut()
    {
        var result = Result(["channel", "orders"], ["text", "bigint"], ["online", 10L], ["phone", 3L], ["in-store", 20L]);

        Assert.Equal(ChartKind.Donut, ChartAdvisor.Advise(result, "Orders", "orders by channel as a pie").Kind);
    }

    [Fact]
    public void The_writers_preferred_chart_is_used_when_the_question_names_none()
    {
        var result = Result(["channel", "orders"], ["text", "bigint"], ["online", 10L], ["phone", 3L]);

        Assert.Equal(ChartKind.Donut, ChartAdvisor.Advise(result, "Orders", "orders by channel", preferredChart: "pie").Kind);
        Assert.Equal(ChartKind.Table, ChartAdvisor.Advise(result, "Orders", "orders by channel", preferredChart: "table").Kind);
    }

    [Fact]
    public void A_request_the_result_cannot_satisfy_falls_back_to_the_shape()
    {
        var result = Result(["first_name", "email"], ["text", "text"], ["Ada", "ada@example.com"], ["Alan", "alan@example.com"]);

        Assert.Equal(ChartKind.Table, ChartAdvisor.Advise(result, "Customers", "customers as a line chart").Kind);
    }

    [Fact]
    public void Months_written_as_text_are_time()
    {
        var result = Result(["month", "revenue"], ["text", "numeric"], ["2025-01", 1m], ["2025-02", 2m], ["2025-03", 3m]);

        Assert.Equal(ChartKind.Line, ChartAdvisor.Advise(result, "Revenue by month").Kind);
    }
}

using NlAnalytics.Core.Charts;
using static NlAnalytics.Tests.Charts.ChartAdvisorTests;

namespace NlAnalytics.Tests.Charts;

public sealed class ChartFigureTests
{
    [Fact]
    public void A_code_its_name_and_a_second_category_split_by_the_second_category_not_by_the_name()
    {
        var result = Result(["faculty_code", "faculty", "sex", "students"], ["text", "text", "text", "bigint"],
            ["FBM", "Biology and Medicine", "female", 2596L], ["FBM", "Biology and Medicine", "male", 1512L],
            ["HEC", "Business and Economics", "female", 1450L], ["HEC", "Business and Economics", "male", 1802L]);

        var spec = ChartAdvisor.Advise(result, "Students by faculty and sex");
        var figure = ChartFigure.Build(spec, result)!;

        Assert.Equal(ChartKind.Bar, spec.Kind);
        Assert.Equal("sex", spec.Series);
        Assert.Equal(BarLayout.Grouped, spec.Bars);
        Assert.Equal(["female", "male"], figure.Series.Select(s => s.Name));
        Assert.Equal([2596d, 1450d], figure.Series[0].Values);
        Assert.Equal(["FBM", "HEC"], figure.Series[0].Labels);
    }

    [Fact]
    public void A_question_about_how_a_whole_divides_stacks_the_split_bars()
    {
        var result = Result(["region", "channel", "revenue"], ["text", "text", "numeric"],
            ["North", "Online", 10m], ["North", "Store", 30m], ["South", "Online", 20m], ["South", "Store", 5m]);

        var spec = ChartAdvisor.Advise(result, "Revenue mix", "What is the channel mix of revenue per region?");

        Assert.Equal(BarLayout.Stacked, spec.Bars);
        Assert.Equal("channel", spec.Series);
    }

    [Fact]
    public void A_donut_beyond_its_slice_limit_keeps_shares_of_the_whole_with_an_other_slice()
    {
        var rows = Enumerable.Range(1, 11).Select(i => new object?[] { $"c{i:00}", (decimal)(12 - i) }).ToArray();
        var result = Result(["category", "amount"], ["text", "numeric"], rows);

        var figure = ChartFigure.Build(new ChartSpec(ChartKind.Donut, "Share", "category", ["amount"], TopN: ChartAdvisor.MaxSlices), result)!;

        var slices = Assert.Single(figure.Series);
        Assert.Equal(ChartAdvisor.MaxSlices, slices.Values.Count);
        Assert.Equal("Other (4)", slices.Labels[^1]);
        // 11 + 10 + ... + 1 = 66, the table's total; the last slice holds 4 + 3 + 2 + 1.
        Assert.Equal(66d, slices.Values.Sum());
        Assert.Equal(10d, slices.Values[^1]);
        Assert.Contains("The 7 largest of 11 are shown", figure.Note);
    }

    [Fact]
    public void Nothing_drawable_gives_no_figure_so_no_empty_chart_is_shown()
    {
        var nulls = Result(["month", "total"], ["date", "numeric"], [new DateTime(2024, 1, 1), null], [new DateTime(2024, 2, 1), null]);
        var negativeShares = Result(["category", "delta"], ["text", "numeric"], ["a", -5m], ["b", 3m]);

        Assert.Null(ChartFigure.Build(new ChartSpec(ChartKind.Line, "t", "month", ["total"]), nulls));
        Assert.Null(ChartFigure.Build(new ChartSpec(ChartKind.Donut, "t", "category", ["delta"]), negativeShares));
        Assert.Null(ChartFigure.Build(new ChartSpec(ChartKind.Bar, "t", "missing", ["total"]), nulls));
        Assert.Null(ChartFigure.Build(new ChartSpec(ChartKind.Table, "t", null, ["total"]), nulls));
    }

    [Fact]
    public void Lines_run_in_time_order_and_many_bars_keep_the_largest_with_a_note()
    {
        var line = Result(["month", "total"], ["date", "numeric"], [new DateTime(2024, 3, 1), 3m], [new DateTime(2024, 1, 1), 1m], [new DateTime(2024, 2, 1), 2m]);
        var bars = Result(["store", "revenue"], ["text", "numeric"], [.. Enumerable.Range(1, 30).Select(i => new object?[] { $"s{i}", (decimal)i })]);

        var lineFigure = ChartFigure.Build(new ChartSpec(ChartKind.Line, "t", "month", ["total"]), line)!;
        var barFigure = ChartFigure.Build(ChartAdvisor.Advise(bars, "Revenue by store"), bars)!;

        Assert.Equal([1d, 2d, 3d], lineFigure.Series[0].Values);
        Assert.Equal(ChartAdvisor.MaxBars, barFigure.Series[0].Values.Count);
        Assert.Equal(30d, barFigure.Series[0].Values[0]);
        Assert.Contains("The 20 largest of 30", barFigure.Note);
    }

    [Fact]
    public void A_line_over_five_thousand_points_draws_two_thousand_and_says_so()
    {
        var rows = Enumerable.Range(0, 5000).Select(i => new object?[] { i, (double)(i % 17) }).ToArray();
        var result = Result(["n", "value"], ["integer", "double precision"], rows);

        var figure = ChartFigure.Build(new ChartSpec(ChartKind.Line, "Values", "n", ["value"]), result)!;

        Assert.Equal(2000, figure.Series.Single().Values.Count);
        Assert.Equal(2000, figure.Series.Single().Labels.Count);
        Assert.Contains("2,000 of 5,000 points", figure.Note);
    }

    [Fact]
    public void A_category_of_64_kb_text_is_cut_to_a_short_label()
    {
        var huge = new string('x', 65_536);
        var result = Result(["name", "amount"], ["text", "integer"], [huge, 1], ["short", 2]);

        var figure = ChartFigure.Build(new ChartSpec(ChartKind.Bar, "Amounts", "name", ["amount"]), result)!;

        var labels = figure.Series.Single().Labels.Cast<string>().ToList();
        Assert.Equal(80, labels[0].Length);
        Assert.EndsWith("…", labels[0]);
        Assert.Equal("short", labels[1]);
    }
}

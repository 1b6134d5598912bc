using Bunit;
using NlAnalytics.Core.Charts;
using NlAnalytics.Web.Components.Layout;
using NlAnalytics.Web.Components.Pages.Chat;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using static NlAnalytics.Tests.Web.Components.Messages;

namespace NlAnalytics.Tests.Web.Components;

public sealed class ChartPanelTests : MudTestContext
{
    private static readonly NlAnalytics.Core.Conversations.ResultSnapshot BySex = Snapshot(
        ["faculty", "sex", "students"], ["text", "text", "bigint"],
        ["HEC", "female", 1500], ["HEC", "male", 1700], ["FBM", "female", 2600], ["FBM", "male", 1500]);

    [Fact]
    public void A_split_by_a_second_category_draws_one_bar_trace_per_part()
    {
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Bar, "Students", "faculty", ["students"], "sex"))
            .Add(c => c.Result, BySex));

        var chart = panel.FindComponent<PlotlyChart>().Instance;
        var bars = chart.Data.OfType<Bar>().ToList();
        Assert.Equal(["female", "male"], bars.Select(b => b.Name));
        Assert.Equal(["HEC", "FBM"], bars[0].X.Cast<string>());
        Assert.Equal(Plotly.Blazor.LayoutLib.BarModeEnum.Group, chart.Layout.BarMode);
        Assert.True(chart.UseBasicVersion);

        panel.Find("button.chart-bars-toggle").Click();
        Assert.Equal(Plotly.Blazor.LayoutLib.BarModeEnum.Stack, panel.FindComponent<PlotlyChart>().Instance.Layout.BarMode);
    }

    [Fact]
    public void Years_along_the_axis_are_categories_so_no_tick_reads_like_a_quantity()
    {
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Line, "Orders", "year", ["orders_count"]))
            .Add(c => c.Result, Snapshot(["year", "orders_count"], ["integer", "bigint"], [2023, 15315], [2024, 128060], [2025, 146356])));

        var layout = panel.FindComponent<PlotlyChart>().Instance.Layout;
        Assert.Equal(Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Category, layout.XAxis[0].Type);
    }

    [Fact]
    public void A_measure_along_the_axis_of_a_scatter_plot_stays_a_number_axis()
    {
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Scatter, "Price and sales", "price", ["units"]))
            .Add(c => c.Result, Snapshot(["price", "units"], ["numeric", "bigint"], [9.5, 120], [19.9, 80], [29.0, 40])));

        var layout = panel.FindComponent<PlotlyChart>().Instance.Layout;
        Assert.Null(layout.XAxis[0].Type);
    }

    [Fact]
    public void Dark_mode_draws_on_a_transparent_background_with_a_light_font()
    {
        var panel = Render<ChartPanel>(p => p
            .AddCascadingValue(new ShellDisplay(Dark: true, Narrow: false))
            .Add(c => c.Spec, new ChartSpec(ChartKind.Bar, "Students", "faculty", ["students"], "sex"))
            .Add(c => c.Result, BySex));

        var layout = panel.FindComponent<PlotlyChart>().Instance.Layout;
        Assert.Equal("rgba(0,0,0,0)", layout.PaperBgColor);
        Assert.Equal("rgba(0,0,0,0)", layout.PlotBgColor);
        Assert.Equal("#e0e0e0", layout.Font.Color);
    }

    [Fact]
    public void On_a_phone_bars_lie_horizontally()
    {
        var panel = Render<ChartPanel>(p => p
            .AddCascadingValue(new ShellDisplay(Dark: false, Narrow: true))
            .Add(c => c.Spec, new ChartSpec(ChartKind.Bar, "Revenue", "region", ["revenue"]))
            .Add(c => c.Result, Snapshot(["region", "revenue"], ["North", 10], ["South", 20])));

        var bar = Assert.IsType<Bar>(Assert.Single(panel.FindComponent<PlotlyChart>().Instance.Data));
        Assert.Equal(Plotly.Blazor.Traces.BarLib.OrientationEnum.H, bar.Orientation);
        Assert.Equal(["North", "South"], bar.Y.Cast<string>());
    }

    [Fact]
    public void The_chart_is_titled_from_the_interpretation_with_axis_labels_from_the_spec()
    {
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Bar, "Students", "faculty", ["students"], "sex", "Faculty", "Students enrolled"))
            .Add(c => c.Result, BySex)
            .Add(c => c.Title, "Counting students in 2021, by faculty and sex"));

        var layout = panel.FindComponent<PlotlyChart>().Instance.Layout;
        Assert.Equal("Counting students in 2021, by faculty and sex", layout.Title.Text);
        Assert.Equal("Students enrolled", layout.YAxis[0].Title.Text);
    }

    [Fact]
    public void A_result_that_cannot_be_drawn_says_so_and_leaves_no_empty_chart_area()
    {
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Line, "Sales", "month", ["total_sales"]))
            .Add(c => c.Result, Snapshot(["month", "total_sales"], ["date", "numeric"], ["2024-01-01", null], ["2024-02-01", null])));

        Assert.Contains("Nothing in this result can be drawn as a chart", panel.Find(".chart-notice").TextContent);
        Assert.Empty(panel.FindAll(".chart-surface"));
        Assert.Empty(panel.FindComponents<PlotlyChart>());
    }

    [Fact]
    public void Switching_to_a_kind_the_result_cannot_take_keeps_the_chart_and_says_why()
    {
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Bar, "Revenue", "region", ["revenue"]))
            .Add(c => c.Result, Snapshot(["region", "revenue"], ["North", 10], ["South", 20])));

        panel.Find("button.chart-kind-scatter").Click();

        Assert.Contains("cannot be drawn as a scatter chart", panel.Find(".chart-notice").TextContent);
        Assert.Equal("Bar", panel.Find(".chart-panel").GetAttribute("data-kind"));
        Assert.Single(panel.FindComponents<PlotlyChart>());

        panel.Find("button.chart-kind-table").Click();
        Assert.Empty(panel.FindAll(".chart-surface"));
        Assert.Contains("Shown as a table only", panel.Find(".chart-notice").TextContent);
    }

    [Fact]
    public void A_donut_with_many_slices_folds_the_rest_into_other_so_shares_are_of_the_whole()
    {
        var rows = Enumerable.Range(1, 12).Select(i => new object?[] { $"c{i}", 13 - i }).ToArray();
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Donut, "Share", "category", ["amount"], TopN: 8))
            .Add(c => c.Result, Snapshot(["category", "amount"], rows)));

        var pie = Assert.IsType<Pie>(Assert.Single(panel.FindComponent<PlotlyChart>().Instance.Data));
        Assert.Equal(8, pie.Labels.Count);
        Assert.Equal("Other (5)", pie.Labels[^1]);
        // 12 + 11 + ... + 1 = 78: the slices add up to the table's total.
        Assert.Equal(78d, pie.Values.Cast<double>().Sum());
    }

    [Fact]
    public void Labels_that_look_like_html_reach_plotly_as_plain_text()
    {
        var panel = Render<ChartPanel>(p => p
            .Add(c => c.Spec, new ChartSpec(ChartKind.Bar, "Revenue", "region", ["revenue"]))
            .Add(c => c.Result, Snapshot(["region", "revenue"], [Attack, 10], ["South", 20])));

        var bar = Assert.IsType<Bar>(Assert.Single(panel.FindComponent<PlotlyChart>().Instance.Data));
        Assert.DoesNotContain(bar.X.Cast<string>(), label => label.Contains("<img", StringComparison.Ordinal));
        Assert.Contains(bar.X.Cast<string>(), label => label.Replace("\u200b", "", StringComparison.Ordinal) == Attack);
    }
}

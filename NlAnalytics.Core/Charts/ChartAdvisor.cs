using System.Text.RegularExpressions;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Charts;

/// <summary>
/// Picks a chart from the shape of a result, deterministically: time + measure is a line, category +
/// measure a bar (top ones when there are many), a share of a whole with few parts a donut, two
/// measures a scatter, one value a KPI, anything else a table. A kind the user asked for ("as a line
/// chart", "pie") wins over the writer's preference, which wins over the shape, when the result can be
/// drawn that way.
/// </summary>
public static partial class ChartAdvisor
{
    /// <summary>More bars than this are unreadable: the spec keeps the top ones.</summary>
    public const int MaxBars = 20;

    /// <summary>A donut with more slices than this is a bad bar chart.</summary>
    public const int MaxSlices = 8;

    /// <summary>Line series beyond this become noise; the series column is dropped.</summary>
    public const int MaxSeries = 12;

    public static ChartSpec Advise(QueryResult result, string title, string? question = null, string? preferredChart = null)
    {
        var shape = ResultShape.Of(result);
        var requested = RequestedKind(question) ?? ParseKind(preferredChart);
        if (requested is { } kind && TryBuild(kind, shape, title, question) is { } honoured)
            return honoured;
        return Automatic(shape, title, question);
    }

    /// <summary>The chart kind a question asks for explicitly ("as a line chart", "pie", "bar"), if any.</summary>
    public static ChartKind? RequestedKind(string? question)
    {
        if (string.IsNullOrWhiteSpace(question))
            return null;
        var match = RequestedKindPattern().Match(question);
        if (!match.Success)
            return null;
        return match.Groups["kind"].Value.ToLowerInvariant() switch
        {
            var k when k.StartsWith("line", StringComparison.Ordinal) || k.StartsWith("time", StringComparison.Ordinal) => ChartKind.Line,
            var k when k.StartsWith("pie", StringComparison.Ordinal) || k.StartsWith("donut", StringComparison.Ordinal) || k.StartsWith("doughnut", StringComparison.Ordinal) => ChartKind.Donut,
            var k when k.StartsWith("bar", StringComparison.Ordinal) || k.StartsWith("column", StringComparison.Ordinal) || k.StartsWith("histogram", StringComparison.Ordinal) => ChartKind.Bar,
            var k when k.StartsWith("scatter", StringComparison.Ordinal) => ChartKind.Scatter,
            var k when k.Contains("table", StringComparison.Ordinal) => ChartKind.Table,
            _ => ChartKind.Kpi,
        };
    }

    /// <summary>Reads a kind name as a writer states it ("line", "pie", "bar chart").</summary>
    public static ChartKind? ParseKind(string? name)
    {
        var text = name?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(text))
            return null;
        if (text.StartsWith("pie", StringComparison.Ordinal) || text.StartsWith("doughnut", StringComparison.Ordinal))
            return ChartKind.Donut;
        if (text.StartsWith("column", StringComparison.Ordinal))
            return ChartKind.Bar;
        if (text.StartsWith("number", StringComparison.Ordinal) || text.StartsWith("single", StringComparison.Ordinal))
            return ChartKind.Kpi;
        foreach (var kind in Enum.GetValues<ChartKind>())
            if (text.StartsWith(kind.ToString().ToLowerInvariant(), StringComparison.Ordinal))
                return kind;
        return null;
    }

    private static ChartSpec Automatic(ResultShape shape, string title, string? question)
    {
        if (shape.RowCount == 0)
            return Table(shape, title);
        if (shape.RowCount == 1 && shape.Columns.Count == 1)
            return new ChartSpec(ChartKind.Kpi, title, null, [shape.Columns[0].Name], YTitle: shape.Columns[0].Label);

        var measures = shape.Measures.ToList();
        var temporal = shape.Temporal.FirstOrDefault();
        var categories = shape.Categories.ToList();

        if (measures.Count == 0)
            return Table(shape, title);
        if (shape.RowCount == 1 && categories.Count == 0 && temporal is null)
            return new ChartSpec(ChartKind.Kpi, title, null, Names(measures), YTitle: measures[0].Label);
        if (temporal is not null && shape.RowCount > 1)
            return TryBuild(ChartKind.Line, shape, title, question)!;
        if (categories.Count > 0)
        {
            // A share split by a second category is stacked bars: a donut would drop the split.
            if (LooksLikeShare(shape, measures[0], question) && SplitColumn(shape, categories[0]) is null && TryBuild(ChartKind.Donut, shape, title, question) is { } donut)
                return donut;
            return TryBuild(ChartKind.Bar, shape, title, question)!;
        }
        if (measures.Count >= 2)
            return TryBuild(ChartKind.Scatter, shape, title, question)!;
        return Table(shape, title);
    }

    private static ChartSpec? TryBuild(ChartKind kind, ResultShape shape, string title, string? question)
    {
        var measures = shape.Measures.ToList();
        var temporal = shape.Temporal.FirstOrDefault();
        var category = shape.Categories.FirstOrDefault();
        switch (kind)
        {
            case ChartKind.Table:
                return Table(shape, title);

            case ChartKind.Kpi:
                if (measures.Count == 0 && !(shape.RowCount == 1 && shape.Columns.Count == 1))
                    return null;
                var kpi = measures.Count > 0 ? measures : [shape.Columns[0]];
                return shape.RowCount == 0 ? null : new ChartSpec(ChartKind.Kpi, title, null, Names(kpi), YTitle: kpi[0].Label);

            case ChartKind.Line:
            {
                if (measures.Count == 0 || shape.RowCount == 0)
                    return null;
                // Without a time column, the first non-measure column is the best x axis a user asking for a line can get.
                var x = temporal ?? category ?? (measures.Count > 1 ? measures[0] : null);
                if (x is null)
                    return null;
                var ys = measures.Where(m => m != x).Take(4).ToList();
                if (ys.Count == 0)
                    return null;
                var series = SplitColumn(shape, x);
                // With a series column the result is long: one measure split by series, not several lines per series.
                if (series is not null)
                    ys = ys.Take(1).ToList();
                return new ChartSpec(ChartKind.Line, title, x.Name, Names(ys), series?.Name, x.Label, ys[0].Label);
            }

            case ChartKind.Bar:
            {
                if (measures.Count == 0 || shape.RowCount == 0)
                    return null;
                var x = category ?? temporal ?? (measures.Count > 1 ? measures[0] : null);
                if (x is null)
                    return null;
                var ys = measures.Where(m => m != x).Take(3).ToList();
                if (ys.Count == 0)
                    return null;
                var series = SplitColumn(shape, x);
                if (series is not null)
                    ys = ys.Take(1).ToList();
                // Time stays in order and complete; only categories are cut to the top ones.
                int? top = x.Role == ColumnRole.Category && series is null && shape.RowCount > MaxBars ? MaxBars : null;
                // Split bars stand side by side to compare the parts; stacked when the question is about how a whole divides.
                var bars = series is not null && question is not null && ShareQuestion().IsMatch(question) ? BarLayout.Stacked : BarLayout.Grouped;
                return new ChartSpec(ChartKind.Bar, title, x.Name, Names(ys), series?.Name, x.Label, ys[0].Label, top, bars);
            }

            case ChartKind.Donut:
            {
                var x = category ?? temporal;
                if (x is null || measures.Count == 0 || shape.RowCount < 2)
                    return null;
                var y = measures[0];
                if (shape.Result.Rows.Any(r => ResultShape.ToDouble(r[y.Index]) is < 0))
                    return null;
                int? top = shape.RowCount > MaxSlices ? MaxSlices : null;
                return new ChartSpec(ChartKind.Donut, title, x.Name, [y.Name], null, x.Label, y.Label, top);
            }

            case ChartKind.Scatter:
            {
                if (measures.Count < 2 || shape.RowCount < 2)
                    return null;
                var series = shape.Categories.FirstOrDefault(c => shape.DistinctCount(c) <= MaxSeries);
                return new ChartSpec(ChartKind.Scatter, title, measures[0].Name, [measures[1].Name], series?.Name, measures[0].Label, measures[1].Label);
            }

            default:
                return null;
        }
    }

    /// <summary>
    /// The category that splits each x value into parts (sex within each faculty), if any. A column that only
    /// names the x value (a faculty's full name beside its code) takes one value per x: it is a label, not a split.
    /// </summary>
    private static ShapedColumn? SplitColumn(ResultShape shape, ShapedColumn x) =>
        shape.Categories.FirstOrDefault(c => c != x && shape.DistinctCount(c) <= MaxSeries
            && shape.Result.Rows.GroupBy(r => r[x.Index]).Any(g => g.Select(r => r[c.Index]).Distinct().Skip(1).Any()));

    private static ChartSpec Table(ResultShape shape, string title) =>
        new(ChartKind.Table, title, null, Names(shape.Columns));

    private static bool LooksLikeShare(ResultShape shape, ShapedColumn measure, string? question)
    {
        if (shape.RowCount is < 2 or > MaxSlices)
            return false;
        if (shape.Result.Rows.Any(r => ResultShape.ToDouble(r[measure.Index]) is null or < 0))
            return false;
        return ShareName().IsMatch(measure.Name) || (question is not null && ShareQuestion().IsMatch(question));
    }

    private static List<string> Names(IEnumerable<ShapedColumn> columns) => columns.Select(c => c.Name).ToList();

    // "line" and "table" alone are ordinary words ("order lines", "which table"), so they count only
    // after "as" / "in a"; the chart names are unambiguous anywhere.
    [GeneratedRegex(@"\bas\s+(?:a\s+|an\s+)?(?<kind>lines?|pie|donut|doughnut|bars?|columns|histogram|scatter|table|kpi|single\s+number)\b|\bin\s+a\s+(?<kind>table)\b|\b(?<kind>line\s+(?:chart|graph|plot)|pie(?:\s+chart)?|donut(?:\s+chart)?|doughnut(?:\s+chart)?|bar\s+(?:chart|graph|plot)|column\s+chart|histogram|scatter(?:\s*(?:plot|chart))?|time\s+series)\b",
        RegexOptions.IgnoreCase)]
    private static partial Regex RequestedKindPattern();

    [GeneratedRegex(@"share|pct|percent|proportion|ratio|fraction", RegexOptions.IgnoreCase)]
    private static partial Regex ShareName();

    [GeneratedRegex(@"\b(share|shares|proportion|proportions|percentage|percentages|composition|split|mix)\b|%\s*of", RegexOptions.IgnoreCase)]
    private static partial Regex ShareQuestion();
}

using System.Globalization;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Charts;

/// <summary>One line, one set of bars or the slices of a donut: labels along the category axis and their values.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<object> Labels, IReadOnlyList<double> Values);

/// <summary>
/// What a chart draws, worked out from a <see cref="ChartSpec"/> and the rows: the series with their
/// points, the axis titles, and a note when only part of the result is drawn. Any renderer can draw it;
/// nothing in it is code. <see cref="Build"/> returns null when no point can be drawn, so a page never
/// shows an empty chart area.
/// </summary>
public sealed record ChartFigure(
    ChartKind Kind,
    string Title,
    string? XTitle,
    string? YTitle,
    IReadOnlyList<ChartSeries> Series,
    BarLayout Bars,
    string? Note)
{
    /// <summary>The label of the slice that holds every row beyond a donut's <see cref="ChartSpec.TopN"/>.</summary>
    public const string OtherLabel = "Other";

    /// <summary>The figure of <paramref name="spec"/> over <paramref name="result"/>; null for a table, a KPI, or when nothing can be drawn.</summary>
    public static ChartFigure? Build(ChartSpec spec, QueryResult result)
    {
        if (spec.Kind is ChartKind.Table or ChartKind.Kpi)
            return null;
        var x = Index(result, spec.X);
        var ys = spec.Y.Select(y => Index(result, y)).Where(i => i >= 0).ToList();
        if (x < 0 || ys.Count == 0)
            return null;
        var series = Index(result, spec.Series);
        var figure = spec.Kind switch
        {
            ChartKind.Donut => Donut(spec, result, x, ys[0]),
            _ when series >= 0 => Split(spec, result, x, ys[0], series),
            _ => PerMeasure(spec, result, x, ys),
        };
        return figure is not null && figure.Series.Any(s => s.Values.Count > 0) ? Capped(figure) : null;
    }

    /// <summary>Most points a series draws: past it a line or scatter is a blur, and every point travels to the browser.</summary>
    public const int MaxPoints = 2000;

    /// <summary>A category label longer than this is cut (a text column of 64 KB values must not become the axis).</summary>
    public const int MaxLabelLength = 80;

    /// <summary>The figure with at most <see cref="MaxPoints"/> points a series, saying so when it drops some.</summary>
    private static ChartFigure Capped(ChartFigure figure)
    {
        var most = figure.Series.Max(s => s.Values.Count);
        if (most <= MaxPoints)
            return figure;
        var note = string.Create(CultureInfo.InvariantCulture, $"The first {MaxPoints:N0} of {most:N0} points are drawn; the table has them all.");
        return figure with
        {
            Series = [.. figure.Series.Select(s => s with { Labels = [.. s.Labels.Take(MaxPoints)], Values = [.. s.Values.Take(MaxPoints)] })],
            Note = figure.Note is null ? note : figure.Note + " " + note,
        };
    }

    private static ChartFigure? Donut(ChartSpec spec, QueryResult result, int x, int y)
    {
        var points = Points(result.Rows, x, y).ToList();
        // A share of a whole cannot be negative, and a whole of nothing has no shares.
        if (points.Count == 0 || points.Any(p => p.Value < 0) || points.Sum(p => p.Value) <= 0)
            return null;
        string? note = null;
        if (spec.TopN is { } top && points.Count > top)
        {
            // The largest (top - 1) slices and one slice with the rest: every share stays a share of the whole result.
            var ordered = points.OrderByDescending(p => p.Value).ToList();
            var rest = ordered.Skip(top - 1).ToList();
            points = [.. ordered.Take(top - 1), ((object)$"{OtherLabel} ({rest.Count})", rest.Sum(p => p.Value))];
            note = string.Create(CultureInfo.InvariantCulture, $"The {top - 1} largest of {ordered.Count} are shown; \"{OtherLabel}\" holds the other {rest.Count}.");
        }
        var name = Label(spec.YTitle, result.Columns[y].Name);
        return new ChartFigure(ChartKind.Donut, spec.Title, Label(spec.XTitle, result.Columns[x].Name), name,
            [new ChartSeries(name, [.. points.Select(p => p.Label)], [.. points.Select(p => p.Value)])], spec.Bars, note);
    }

    /// <summary>One measure split by a second category: a series per value of that category.</summary>
    private static ChartFigure Split(ChartSpec spec, QueryResult result, int x, int y, int series)
    {
        var rows = Ordered(spec, result.Rows, x);
        var groups = rows
            .GroupBy(r => Text(r[series]))
            .Select(g => new ChartSeries(g.Key, [.. Points(g, x, y).Select(p => p.Label)], [.. Points(g, x, y).Select(p => p.Value)]))
            .Where(s => s.Values.Count > 0)
            .ToList();
        return new ChartFigure(spec.Kind, spec.Title, Label(spec.XTitle, result.Columns[x].Name), Label(spec.YTitle, result.Columns[y].Name), groups, spec.Bars, null);
    }

    private static ChartFigure PerMeasure(ChartSpec spec, QueryResult result, int x, IReadOnlyList<int> ys)
    {
        IReadOnlyList<object?[]> rows = Ordered(spec, result.Rows, x);
        string? note = null;
        if (spec.Kind == ChartKind.Bar && spec.TopN is { } top && rows.Count > top)
        {
            rows = [.. rows.OrderByDescending(r => ResultShape.ToDouble(r[ys[0]]) ?? double.MinValue).Take(top)];
            note = string.Create(CultureInfo.InvariantCulture, $"The {top} largest of {result.Rows.Count} are shown; the table has them all.");
        }
        var series = ys
            .Select(y => new ChartSeries(Label(null, result.Columns[y].Name), [.. Points(rows, x, y).Select(p => p.Label)], [.. Points(rows, x, y).Select(p => p.Value)]))
            .Where(s => s.Values.Count > 0)
            .ToList();
        return new ChartFigure(spec.Kind, spec.Title, Label(spec.XTitle, result.Columns[x].Name), Label(spec.YTitle, result.Columns[ys[0]].Name), series, spec.Bars, note);
    }

    /// <summary>Lines run in the order of their x values; bars keep the order the query chose.</summary>
    private static IReadOnlyList<object?[]> Ordered(ChartSpec spec, IReadOnlyList<object?[]> rows, int x) =>
        spec.Kind is ChartKind.Line or ChartKind.Scatter ? [.. rows.OrderBy(r => r[x], ValueOrder.Instance)] : rows;

    /// <summary>The drawable points: rows whose value is a number (a null is a gap, not a zero).</summary>
    private static IEnumerable<(object Label, double Value)> Points(IEnumerable<object?[]> rows, int x, int y) =>
        rows.Select(r => (Label: r[x], Value: ResultShape.ToDouble(r[y])))
            .Where(p => p.Value is { } v && double.IsFinite(v))
            .Select(p => (Axis(p.Label), p.Value!.Value));

    /// <summary>Numbers and dates stay what they are (a numeric or time axis); anything else is its text.</summary>
    private static object Axis(object? value) => value switch
    {
        null or DBNull => "(empty)",
        DateTime or DateTimeOffset or DateOnly => value,
        _ when ResultShape.IsNumber(value) => value,
        _ => Shorten(Text(value)),
    };

    private static string Shorten(string text) => text.Length <= MaxLabelLength ? text : text[..(MaxLabelLength - 1)] + "…";

    private static string Text(object? value) => value switch
    {
        null or DBNull => "(empty)",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Label(string? title, string column) => string.IsNullOrWhiteSpace(title) ? ResultShape.Humanize(column) : title;

    private static int Index(QueryResult result, string? name)
    {
        if (name is null)
            return -1;
        for (var i = 0; i < result.Columns.Count; i++)
            if (string.Equals(result.Columns[i].Name, name, StringComparison.OrdinalIgnoreCase))
                return i;
        return -1;
    }

    /// <summary>Numbers by value, dates by time, everything else by its invariant text.</summary>
    private sealed class ValueOrder : IComparer<object?>
    {
        public static readonly ValueOrder Instance = new();

        public int Compare(object? a, object? b)
        {
            if (ResultShape.ToDouble(a) is { } x && ResultShape.ToDouble(b) is { } y)
                return x.CompareTo(y);
            if (a is IComparable ca && b is not null && a.GetType() == b.GetType())
                return ca.CompareTo(b);
            return string.CompareOrdinal(Text(a), Text(b));
        }
    }
}

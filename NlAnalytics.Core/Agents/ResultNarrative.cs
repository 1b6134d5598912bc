using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// A factual narrative computed from a result, with no model: the key figure, the leader and the
/// laggard, the trend of a time series, the row count and whether the row cap cut the result. The
/// offline path shows it as the answer; the LLM narrator gets it as verified facts.
/// </summary>
public static partial class ResultNarrative
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="sql">The statement that produced the result: a LIMIT in it means the rows are not the whole set.</param>
    /// <param name="today">The current day: a time series whose last period holds it calls that period partial.</param>
    public static string Describe(QueryResult result, ChartSpec chart, string? sql = null, DateOnly? today = null)
    {
        var shape = ResultShape.Of(result);
        var whole = !result.Truncated && (sql is null || !SqlRowLimit.LimitsRows(sql));
        var text = new StringBuilder();
        if (shape.RowCount == 0)
        {
            text.Append("The query returned no rows: nothing in the data matches the question as interpreted.");
            return text.ToString();
        }

        var body = chart.Kind switch
        {
            ChartKind.Kpi => DescribeKpi(shape),
            ChartKind.Line => DescribeTrend(shape, chart, today),
            ChartKind.Bar or ChartKind.Donut => DescribeRanking(shape, chart, whole),
            ChartKind.Scatter => DescribeRelation(shape, chart),
            _ => null,
        } ?? DescribeTable(shape);
        text.Append(body);

        if (chart.Kind != ChartKind.Kpi || shape.RowCount > 1)
            text.Append(' ').Append(CountSentence(shape));
        if (result.Truncated)
            text.Append(' ').Append(Invariant, $"The result was cut at the row cap of {shape.RowCount:N0} rows, so figures cover only the rows fetched.");
        return text.ToString();
    }

    private static string DescribeKpi(ResultShape shape)
    {
        var row = shape.Result.Rows[0];
        var parts = shape.Columns.Select(c => $"{c.Label}: {FormatValue(row[c.Index], c.Name)}").ToList();
        return parts.Count == 1 ? parts[0] + "." : string.Join("; ", parts) + ".";
    }

    private static string? DescribeTrend(ResultShape shape, ChartSpec chart, DateOnly? today)
    {
        var x = shape.Find(chart.X);
        var y = shape.Find(chart.Y.FirstOrDefault());
        if (x is null || y is null)
            return null;
        var series = shape.Find(chart.Series);
        if (series is not null)
            return DescribeSeries(shape, x, y, series, today);

        var points = Points(shape, x, y).OrderBy(p => p.Key, KeyComparer.Instance).ToList();
        if (points.Count == 0)
            return null;
        var format = DateFormatFor(points.Select(p => p.Key));
        string Key(object? key) => FormatKey(key, format);
        var text = new StringBuilder();
        // A period still running (this year, this month) has less in it than a finished one: say so, and
        // measure the change and the overall movement on the finished periods only.
        var partial = IsCurrentPeriod(points[^1].Key, x.Name, format, today);
        if (partial)
        {
            var running = points[^1];
            text.Append(Invariant, $"{y.Label} is {FormatNumber(running.Value, y.Name)} so far in {Key(running.Key)}, a period that is not over yet, so the figure is partial.");
            points = points[..^1];
            if (points.Count == 0)
                return text.ToString();
            text.Append(' ');
        }
        var last = points[^1];
        text.Append(Invariant, $"{y.Label} was {FormatNumber(last.Value, y.Name)} in {Key(last.Key)}{(partial ? ", the last complete period" : "")}");
        if (points.Count >= 2)
        {
            var previous = points[^2];
            text.Append(", ").Append(Change(last.Value, previous.Value)).Append(Invariant, $" on {Key(previous.Key)} ({FormatNumber(previous.Value, y.Name)})");
        }
        text.Append('.');
        if (points.Count >= 3)
        {
            var first = points[0];
            var peak = points.MaxBy(p => p.Value);
            var low = points.MinBy(p => p.Value);
            text.Append(Invariant, $" From {Key(first.Key)} to {Key(last.Key)} it {Movement(last.Value, first.Value)}");
            text.Append(Invariant, $"; the peak was {FormatNumber(peak.Value, y.Name)} in {Key(peak.Key)} and the low {FormatNumber(low.Value, y.Name)} in {Key(low.Key)}.");
        }
        return text.ToString();
    }

    /// <summary>Whether <paramref name="key"/> is the year or the month that holds <paramref name="today"/>.</summary>
    private static bool IsCurrentPeriod(object? key, string columnName, string dateFormat, DateOnly? today)
    {
        if (today is not { } day)
            return false;
        DateOnly? date = key switch { DateTime d => DateOnly.FromDateTime(d), DateOnly d => d, DateTimeOffset d => DateOnly.FromDateTime(d.UtcDateTime), _ => null };
        if (date is { } start)
            return dateFormat switch
            {
                "yyyy" => start.Year == day.Year,
                "MMM yyyy" => start.Year == day.Year && start.Month == day.Month,
                _ => false,
            };
        // A year as a number, in a column named for it.
        return YearName().IsMatch(columnName) && ResultShape.ToDouble(key) is { } year && Math.Abs(year - day.Year) < 1e-9;
    }

    private static string DescribeSeries(ResultShape shape, ShapedColumn x, ShapedColumn y, ShapedColumn series, DateOnly? today)
    {
        var rows = shape.Result.Rows
            .Where(r => ResultShape.ToDouble(r[y.Index]) is not null)
            .Select(r => (Key: r[x.Index], Series: Convert.ToString(r[series.Index], Invariant) ?? "(none)", Value: ResultShape.ToDouble(r[y.Index])!.Value))
            .ToList();
        if (rows.Count == 0)
            return $"{y.Label} has no values.";
        var lastKey = rows.Select(r => r.Key).Max(KeyComparer.Instance);
        var atLast = rows.Where(r => KeyComparer.Instance.Compare(r.Key, lastKey) == 0).OrderByDescending(r => r.Value).ToList();
        var seriesCount = rows.Select(r => r.Series).Distinct().Count();
        var text = new StringBuilder();
        text.Append(Invariant, $"{y.Label} by {series.Label} over {rows.Select(r => r.Key).Distinct().Count()} periods ({seriesCount} series).");
        var format = DateFormatFor(rows.Select(r => r.Key));
        var partial = IsCurrentPeriod(lastKey, x.Name, format, today) ? " (so far: the period is not over, so the figures are partial)" : "";
        text.Append(Invariant, $" In {FormatKey(lastKey, format)}{partial}, {atLast[0].Series} led with {FormatNumber(atLast[0].Value, y.Name)}");
        if (atLast.Count > 1)
            text.Append(Invariant, $" and {atLast[^1].Series} was lowest with {FormatNumber(atLast[^1].Value, y.Name)}");
        text.Append('.');
        return text.ToString();
    }

    private static string? DescribeRanking(ResultShape shape, ChartSpec chart, bool whole)
    {
        var x = shape.Find(chart.X);
        var y = shape.Find(chart.Y.FirstOrDefault());
        if (x is null || y is null)
            return null;
        if (shape.Find(chart.Series) is { } split)
            return DescribeSplit(shape, x, y, split, whole);
        var points = Points(shape, x, y).OrderByDescending(p => p.Value).ToList();
        if (points.Count == 0)
            return null;
        var total = points.Sum(p => p.Value);
        var top = points[0];
        var text = new StringBuilder();
        var shareOfTotal = total > 0 && points.All(p => p.Value >= 0) && !IsAverageLike(y.Name);
        text.Append(Invariant, $"{FormatKey(top.Key)} has the highest {Lower(y.Label)}: {FormatNumber(top.Value, y.Name)}");
        // A share is of the real total only when the rows are the whole set; of a top-N it is of the rows shown.
        if (shareOfTotal && points.Count > 1)
            text.Append(whole
                ? $" ({Percent(top.Value / total)} of the total {FormatNumber(total, y.Name)})"
                : string.Create(Invariant, $" ({Percent(top.Value / total)} of the {FormatNumber(total, y.Name)} in the {points.Count} rows shown, not of the grand total)"));
        text.Append('.');
        if (points.Count >= 3)
        {
            var second = points[1];
            text.Append(Invariant, $" Next is {FormatKey(second.Key)} with {FormatNumber(second.Value, y.Name)}");
            if (points.Count >= 3)
                text.Append(Invariant, $"; the lowest is {FormatKey(points[^1].Key)} with {FormatNumber(points[^1].Value, y.Name)}");
            text.Append('.');
        }
        else if (points.Count == 2)
        {
            text.Append(Invariant, $" {FormatKey(points[1].Key)} follows with {FormatNumber(points[1].Value, y.Name)}.");
        }
        if (chart.TopN is { } n && points.Count > n)
            text.Append(Invariant, $" The chart shows the top {n} of {points.Count}.");
        return text.ToString();
    }

    /// <summary>
    /// A measure by a category split by a second one ("students by faculty and sex"): the category with the
    /// most in all and its parts, the one with the least, and each part's whole. Averages and rates are never
    /// added up: for them only the highest and lowest single figures are named.
    /// </summary>
    private static string? DescribeSplit(ResultShape shape, ShapedColumn x, ShapedColumn y, ShapedColumn split, bool whole)
    {
        var rows = shape.Result.Rows
            .Where(r => ResultShape.ToDouble(r[y.Index]) is not null)
            .Select(r => (Key: FormatKey(r[x.Index]), Part: FormatKey(r[split.Index]), Value: ResultShape.ToDouble(r[y.Index])!.Value))
            .ToList();
        if (rows.Count == 0)
            return null;
        var measure = Lower(y.Label);
        var text = new StringBuilder();
        if (IsAverageLike(y.Name) || rows.Any(r => r.Value < 0))
        {
            var high = rows.MaxBy(r => r.Value);
            var low = rows.MinBy(r => r.Value);
            text.Append(Invariant, $"The highest {measure} is {FormatNumber(high.Value, y.Name)}, for {high.Key} ({high.Part}); the lowest is {FormatNumber(low.Value, y.Name)}, for {low.Key} ({low.Part}).");
            return text.ToString();
        }
        var keys = rows.GroupBy(r => r.Key).Select(g => (Key: g.Key, Total: g.Sum(r => r.Value), Parts: g.OrderByDescending(r => r.Value).ToList()))
            .OrderByDescending(g => g.Total).ToList();
        var top = keys[0];
        text.Append(Invariant, $"{top.Key} has the most {measure} in all: {FormatNumber(top.Total, y.Name)}");
        if (top.Parts.Count > 1)
            text.Append(" (").Append(JoinWords([.. top.Parts.Select(p => $"{FormatNumber(p.Value, y.Name)} {p.Part}")])).Append(')');
        text.Append('.');
        if (keys.Count > 1)
            text.Append(Invariant, $" {keys[^1].Key} has the fewest: {FormatNumber(keys[^1].Total, y.Name)}.");
        var parts = rows.GroupBy(r => r.Part).Select(g => (Part: g.Key, Total: g.Sum(r => r.Value))).OrderByDescending(p => p.Total).ToList();
        var total = parts.Sum(p => p.Total);
        if (parts.Count > 1 && total > 0)
        {
            var of = whole ? "" : " of the rows shown";
            text.Append(Invariant, $" By {Lower(split.Label)}{of}: ")
                .Append(JoinWords([.. parts.Select(p => $"{p.Part} {FormatNumber(p.Total, y.Name)} ({Percent(p.Total / total)})")]))
                .Append('.');
        }
        return text.ToString();
    }

    private static string? DescribeRelation(ResultShape shape, ChartSpec chart)
    {
        var x = shape.Find(chart.X);
        var y = shape.Find(chart.Y.FirstOrDefault());
        if (x is null || y is null)
            return null;
        var pairs = shape.Result.Rows
            .Select(r => (X: ResultShape.ToDouble(r[x.Index]), Y: ResultShape.ToDouble(r[y.Index])))
            .Where(p => p.X is not null && p.Y is not null)
            .Select(p => (X: p.X!.Value, Y: p.Y!.Value))
            .ToList();
        if (pairs.Count < 3)
            return null;
        var r = Correlation(pairs);
        if (double.IsNaN(r))
            return $"{y.Label} does not vary with {Lower(x.Label)} in this result.";
        var strength = Math.Abs(r) switch { >= 0.7 => "strongly", >= 0.4 => "moderately", >= 0.2 => "weakly", _ => null };
        return strength is null
            ? string.Create(Invariant, $"{x.Label} and {Lower(y.Label)} show no clear linear relation (r = {r:0.00}).")
            : string.Create(Invariant, $"{x.Label} and {Lower(y.Label)} are {strength} {(r > 0 ? "positively" : "negatively")} correlated (r = {r:0.00}).");
    }

    /// <summary>A listing, in words: what each row is, what it shows, and the first row read out.</summary>
    private static string DescribeTable(ResultShape shape)
    {
        var columns = shape.Columns.ToList();
        var first = shape.Result.Rows[0];
        var text = new StringBuilder();
        var what = columns.Count == 1
            ? Lower(columns[0].Label)
            : $"{Lower(columns[0].Label)} with {JoinWords(columns.Skip(1).Take(4).Select(c => Lower(c.Label)).ToList())}{(columns.Count > 5 ? " and more" : "")}";
        text.Append(Invariant, $"The result lists {(shape.RowCount == 1 ? "one row" : $"{shape.RowCount:N0} rows")} of {what}.");
        var readOut = columns.Take(4).Select(c => $"{Lower(c.Label)} {FormatValue(first[c.Index], c.Name)}").ToList();
        text.Append(Invariant, $" {(shape.RowCount == 1 ? "It has" : "The first has")} {JoinWords(readOut)}.");
        return text.ToString();
    }

    private static string JoinWords(IReadOnlyList<string> words) => words.Count switch
    {
        0 => "",
        1 => words[0],
        _ => string.Join(", ", words.Take(words.Count - 1)) + " and " + words[^1],
    };

    private static string CountSentence(ResultShape shape) =>
        shape.RowCount == 1 ? "Based on 1 row." : string.Create(Invariant, $"Based on {shape.RowCount:N0} rows.");

    private static List<(object? Key, double Value)> Points(ResultShape shape, ShapedColumn x, ShapedColumn y) =>
        shape.Result.Rows
            .Where(r => ResultShape.ToDouble(r[y.Index]) is not null)
            .Select(r => (r[x.Index], ResultShape.ToDouble(r[y.Index])!.Value))
            .ToList();

    private static string Change(double now, double before)
    {
        if (before == 0)
            return now == 0 ? "unchanged" : "up from zero";
        var change = (now - before) / Math.Abs(before);
        if (Math.Abs(change) < 0.0005)
            return "unchanged";
        return (change > 0 ? "up " : "down ") + Percent(Math.Abs(change));
    }

    /// <summary>0.083 reads as "8.3%", 0.42 as "42%".</summary>
    private static string Percent(double fraction)
    {
        var percent = fraction * 100;
        return percent.ToString(Math.Abs(percent) < 10 ? "0.#" : "#,0", Invariant) + "%";
    }

    private static string Movement(double last, double first)
    {
        var change = Change(last, first);
        return change switch
        {
            "unchanged" => "ended where it started",
            "up from zero" => "rose from zero",
            _ when change.StartsWith("up", StringComparison.Ordinal) => "rose " + change[3..] + " overall",
            _ => "fell " + change[5..] + " overall",
        };
    }

    private static double Correlation(List<(double X, double Y)> pairs)
    {
        var mx = pairs.Average(p => p.X);
        var my = pairs.Average(p => p.Y);
        double sxy = 0, sxx = 0, syy = 0;
        foreach (var (x, y) in pairs)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Formats any result value for a sentence.</summary>
    public static string FormatValue(object? value, string columnName) => value switch
    {
        null or DBNull => "none",
        _ when ResultShape.ToDouble(value) is { } number => FormatNumber(number, columnName),
        _ => FormatKey(value),
    };

    /// <summary>12345678 reads as "12.3M"; a column named like a currency gets its code; percentages get a % sign.</summary>
    public static string FormatNumber(double value, string columnName)
    {
        if (PercentName().IsMatch(columnName))
            return value.ToString(Math.Abs(value) >= 100 ? "N0" : "0.#", Invariant) + "%";
        var abs = Math.Abs(value);
        var number = abs switch
        {
            >= 1e9 => (value / 1e9).ToString(abs >= 1e11 ? "0" : "0.##", Invariant) + "B",
            >= 1e6 => (value / 1e6).ToString(abs >= 1e8 ? "0" : "0.#", Invariant) + "M",
            >= 10_000 => value.ToString("N0", Invariant),
            _ when Math.Abs(value - Math.Round(value)) < 1e-9 => value.ToString("N0", Invariant),
            _ => value.ToString("#,0.##", Invariant),
        };
        var currency = CurrencyName().Match(columnName);
        return currency.Success ? currency.Value.ToUpperInvariant() + " " + number : number;
    }

    /// <summary>Dates read at the coarsest grain that holds for the whole column: "2025", "Mar 2025" or "2025-03-14".</summary>
    private static string FormatKey(object? key, string dateFormat = "yyyy-MM-dd") => key switch
    {
        null or DBNull => "(none)",
        DateTime d => d.ToString(d.TimeOfDay.Ticks == 0 ? dateFormat : "yyyy-MM-dd HH:mm", Invariant),
        DateOnly d => d.ToString(dateFormat, Invariant),
        DateTimeOffset d => d.ToString("yyyy-MM-dd HH:mm", Invariant),
        _ when ResultShape.IsNumber(key) => Convert.ToString(key, Invariant) ?? "",
        string s => Clip(s),
        _ => Clip(Convert.ToString(key, Invariant) ?? ""),
    };

    private static string DateFormatFor(IEnumerable<object?> keys)
    {
        var dates = keys.Select(k => k switch { DateTime d => (DateOnly?)DateOnly.FromDateTime(d), DateOnly d => d, _ => null })
            .Where(d => d is not null).Select(d => d!.Value).ToList();
        if (dates.Count < 2)
            return "yyyy-MM-dd";
        if (dates.All(d => d is { Month: 1, Day: 1 }))
            return "yyyy";
        return dates.All(d => d.Day == 1) ? "MMM yyyy" : "yyyy-MM-dd";
    }

    private static string Clip(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private static string Lower(string label) =>
        label.Length > 1 && char.IsUpper(label[0]) && !char.IsUpper(label[1]) ? char.ToLowerInvariant(label[0]) + label[1..] : label;

    private static bool IsAverageLike(string name) => AverageName().IsMatch(name);

    /// <summary>Orders keys of mixed CLR types the way a reader expects: numbers and dates by value, text ordinally.</summary>
    private sealed class KeyComparer : IComparer<object?>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(object? a, object? b)
        {
            if (a is null || b is null)
                return (a is null).CompareTo(b is null) * -1;
            if (ResultShape.ToDouble(a) is { } da && ResultShape.ToDouble(b) is { } db)
                return da.CompareTo(db);
            if (a is IComparable ca && a.GetType() == b.GetType())
                return ca.CompareTo(b);
            return string.CompareOrdinal(Convert.ToString(a, Invariant), Convert.ToString(b, Invariant));
        }
    }

    [GeneratedRegex(@"(^|_)(year|yr)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex YearName();

    [GeneratedRegex(@"pct|percent|percentage", RegexOptions.IgnoreCase)]
    private static partial Regex PercentName();

    [GeneratedRegex(@"(?<=^|_)(chf|eur|usd|gbp)(?=$|_)", RegexOptions.IgnoreCase)]
    private static partial Regex CurrencyName();

    [GeneratedRegex(@"(^|_)(avg|average|mean|median|rate|ratio|share|pct|percent|percentage|min|max|per)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex AverageName();
}

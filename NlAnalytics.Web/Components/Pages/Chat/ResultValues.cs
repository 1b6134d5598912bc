using System.Globalization;
using System.Text.Json;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>
/// How a result column is shown: numbers right-aligned with separators, dates as dates, the rest as text.
/// <see cref="Code"/> is a number that names something (a year, an id, a code): right-aligned, but "2011", never "2,011".
/// </summary>
public enum CellKind { Text, Number, Date, Boolean, Code }

/// <summary>Reads stored result values (JSON) back into typed values for the grid, the chart advisor and the CSV.</summary>
public static class ResultValues
{
    /// <summary>A column is numeric or a date when every non-null value is; otherwise text.</summary>
    public static CellKind KindOf(ResultSnapshot result, int column)
    {
        CellKind? kind = null;
        foreach (var row in result.Rows)
        {
            var value = row[column];
            var cell = value.ValueKind switch
            {
                JsonValueKind.Number => CellKind.Number,
                JsonValueKind.True or JsonValueKind.False => CellKind.Boolean,
                JsonValueKind.String when LooksLikeDate(value.GetString()) => CellKind.Date,
                JsonValueKind.Null or JsonValueKind.Undefined => (CellKind?)null,
                _ => CellKind.Text,
            };
            if (cell is null)
                continue;
            if (kind is not null && kind != cell)
                return CellKind.Text;
            kind = cell;
        }
        return kind ?? (IsNumericType(result.Columns[column].DataType) ? CellKind.Number : CellKind.Text);
    }

    /// <summary>
    /// The kind of every column: <see cref="KindOf"/>, with numeric columns that the chart advisor reads as time
    /// (an integer "year") or as identifiers ("store_id") shown as codes.
    /// </summary>
    public static CellKind[] KindsOf(ResultSnapshot result)
    {
        var kinds = Enumerable.Range(0, result.Columns.Count).Select(i => KindOf(result, i)).ToArray();
        if (!kinds.Contains(CellKind.Number))
            return kinds;
        var shape = ResultShape.Of(ToQueryResult(result, kinds));
        for (var i = 0; i < kinds.Length; i++)
            if (kinds[i] == CellKind.Number && shape.Columns[i] is { } column && (column.Role == ColumnRole.Temporal || column.IsIdentifier))
                kinds[i] = CellKind.Code;
        return kinds;
    }

    /// <summary>The CLR value of a stored cell: long or decimal for numbers, DateTime for dates, string otherwise.</summary>
    public static object? ToValue(JsonElement value, CellKind kind) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number when value.TryGetDecimal(out var exact) => exact,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when kind == CellKind.Date && TryParseDate(value.GetString(), out var date) => date,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };

    /// <summary>A number for sorting a numeric column (null stays null).</summary>
    public static decimal? ToDecimal(JsonElement value) => value.ValueKind == JsonValueKind.Number
        ? value.TryGetDecimal(out var d) ? d : (decimal)Math.Clamp(value.GetDouble(), (double)decimal.MinValue, (double)decimal.MaxValue)
        : null;

    /// <summary>What a grid cell shows: "1,234,567", "1,234.57", "2024-03-01", or the text as it is.</summary>
    public static string Format(JsonElement value, CellKind kind, CultureInfo? culture = null)
    {
        culture ??= CultureInfo.InvariantCulture;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return "";
            case JsonValueKind.Number when kind == CellKind.Code:
                return value.GetRawText();
            case JsonValueKind.Number when value.TryGetInt64(out var whole):
                return whole.ToString("N0", culture);
            case JsonValueKind.Number:
                var number = value.GetDouble();
                var magnitude = Math.Abs(number);
                return number.ToString(magnitude >= 1 ? "#,##0.##" : "0.####", culture);
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
            case JsonValueKind.String:
                var text = value.GetString() ?? "";
                if (kind == CellKind.Date && TryParseDate(text, out var date))
                    return date.TimeOfDay == TimeSpan.Zero ? date.ToString("yyyy-MM-dd", culture) : date.ToString("yyyy-MM-dd HH:mm", culture);
                return text;
            default:
                return value.GetRawText();
        }
    }

    /// <summary>The stored snapshot as a <see cref="QueryResult"/>, for the chart advisor (type switcher).</summary>
    public static QueryResult ToQueryResult(ResultSnapshot snapshot) =>
        ToQueryResult(snapshot, [.. Enumerable.Range(0, snapshot.Columns.Count).Select(i => KindOf(snapshot, i))]);

    private static QueryResult ToQueryResult(ResultSnapshot snapshot, CellKind[] kinds)
    {
        var rows = snapshot.Rows.Select(row => row.Select((v, i) => ToValue(v, kinds[i])).ToArray()).ToList();
        return new QueryResult(snapshot.Columns, rows, snapshot.Truncated, TimeSpan.FromMilliseconds(snapshot.ElapsedMs));
    }

    private static bool LooksLikeDate(string? text) =>
        text is { Length: >= 10 } && char.IsAsciiDigit(text[0]) && text[4] == '-' && text[7] == '-' && TryParseDate(text, out _);

    private static bool TryParseDate(string? text, out DateTime date) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out date);

    private static bool IsNumericType(string type) =>
        type is "smallint" or "integer" or "bigint" or "numeric" or "real" or "double precision" or "money" or "Int16" or "Int32" or "Int64" or "Decimal" or "Double" or "Single";
}

using System.Globalization;
using System.Text.RegularExpressions;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Charts;

/// <summary>What a result column is for charting and narration.</summary>
public enum ColumnRole { Temporal, Measure, Category }

/// <summary>One result column with its role.</summary>
public sealed record ShapedColumn(int Index, string Name, ColumnRole Role, bool IsIdentifier)
{
    /// <summary>"total_sales" reads as "Total sales".</summary>
    public string Label => ResultShape.Humanize(Name);
}

/// <summary>
/// The shape of a query result: which columns are time, measures and categories. Decided from the
/// values first (the executor's type names vary by driver) and the column names second, because
/// "year" as an integer is an axis, not a quantity to add up.
/// </summary>
public sealed partial record ResultShape(QueryResult Result, IReadOnlyList<ShapedColumn> Columns)
{
    public IEnumerable<ShapedColumn> Temporal => Columns.Where(c => c.Role == ColumnRole.Temporal);
    public IEnumerable<ShapedColumn> Measures => Columns.Where(c => c.Role == ColumnRole.Measure);
    public IEnumerable<ShapedColumn> Categories => Columns.Where(c => c.Role == ColumnRole.Category);
    public int RowCount => Result.Rows.Count;

    public static ResultShape Of(QueryResult result)
    {
        var columns = result.Columns.Select((c, i) => Classify(result, c, i)).ToList();
        return new ResultShape(result, columns);
    }

    public ShapedColumn? Find(string? name) =>
        name is null ? null : Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    public int DistinctCount(ShapedColumn column) =>
        Result.Rows.Select(r => r[column.Index]).Distinct().Count();

    private static ShapedColumn Classify(QueryResult result, ResultColumn column, int index)
    {
        var sample = result.Rows.Select(r => r[index]).FirstOrDefault(v => v is not null and not DBNull);
        var type = column.DataType.ToLowerInvariant();
        var timeName = TimeWordName().IsMatch(column.Name);
        var identifier = IdentifierName().IsMatch(column.Name);

        if (sample is DateTime or DateOnly or DateTimeOffset || IsTemporalType(type))
            return new(index, column.Name, ColumnRole.Temporal, false);

        if (sample is not null ? IsNumber(sample) : IsNumericType(type))
        {
            if (timeName && result.Rows.All(r => r[index] is null or DBNull || IsWholeNumber(r[index]!)))
                return new(index, column.Name, ColumnRole.Temporal, false);
            return identifier
                ? new(index, column.Name, ColumnRole.Category, true)
                : new(index, column.Name, ColumnRole.Measure, false);
        }

        // Periods rendered as text ("2024-03", "2024-Q1") still order and plot as time.
        if (sample is string text && (timeName || PeriodText().IsMatch(text))
            && result.Rows.All(r => r[index] is not string s || PeriodText().IsMatch(s)))
            return new(index, column.Name, ColumnRole.Temporal, false);

        return new(index, column.Name, ColumnRole.Category, identifier);
    }

    private static bool IsTemporalType(string type) =>
        type is "date" or "interval" || type.StartsWith("timestamp", StringComparison.Ordinal)
        || type is "datetime" or "dateonly" or "datetimeoffset";

    private static bool IsNumericType(string type) =>
        type is "smallint" or "integer" or "bigint" or "numeric" or "real" or "double precision" or "money"
            or "int16" or "int32" or "int64" or "decimal" or "double" or "single"
        || type.StartsWith("numeric", StringComparison.Ordinal);

    public static bool IsNumber(object value) =>
        value is byte or short or int or long or decimal or double or float or sbyte or ushort or uint or ulong;

    private static bool IsWholeNumber(object value) => value switch
    {
        byte or short or int or long or sbyte or ushort or uint or ulong => true,
        decimal d => d == decimal.Truncate(d),
        double d => Math.Abs(d - Math.Truncate(d)) < 1e-9,
        float f => Math.Abs(f - MathF.Truncate(f)) < 1e-6,
        _ => false,
    };

    /// <summary>The value as a double when it is a number, otherwise null.</summary>
    public static double? ToDouble(object? value) =>
        value is not null && IsNumber(value) ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : null;

    public static string Humanize(string name)
    {
        var words = name.Replace('_', ' ').Trim();
        if (words.Length == 0)
            return name;
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    [GeneratedRegex(@"(^|_)(year|yr|month|quarter|week|day|hour|period|date|yyyy)s?($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex TimeWordName();

    [GeneratedRegex(@"(^|_)id$|^id$|_code$", RegexOptions.IgnoreCase)]
    private static partial Regex IdentifierName();

    [GeneratedRegex(@"^\d{4}(-(\d{2}|Q[1-4]|W\d{2})(-\d{2})?)?$", RegexOptions.IgnoreCase)]
    private static partial Regex PeriodText();
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NpgsqlTypes;

namespace NlAnalytics.Core.Uploads;

/// <summary>The column types an upload can have; <see cref="Year"/> is an integer that names a year (shown "2011", charted as time).</summary>
public enum UploadColumnType { Integer, Decimal, Year, Boolean, Date, Timestamp, Text }

/// <summary>
/// A column of an upload: its header as written, its SQL name, its type (inferred or chosen), how many cells are blank,
/// and what the uploader said it means ("women" for femmes), which becomes its COMMENT and so what the analyst grounds on.
/// </summary>
public sealed record UploadColumn(string Header, string Name, UploadColumnType Type, int BlankCells = 0, string? Description = null);

/// <summary>
/// Turns headers into SQL column names and infers each column's type from every cell: the narrowest of integer,
/// decimal, boolean, date, timestamp that all non-blank cells parse as, else text. Then converts cells for COPY.
/// </summary>
public static partial class UploadColumns
{
    /// <summary>Header words that make an integer column of plausible years a year (closed-class time words, English and French).</summary>
    private static readonly HashSet<string> YearWords = new(StringComparer.OrdinalIgnoreCase) { "year", "yr", "annee", "an", "annees", "exercice", "jahr", "anno", "ano", "fiscal_year" };

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd.MM.yyyy", "d.M.yyyy", "dd/MM/yyyy", "d/M/yyyy", "yyyy/MM/dd"];

    private static readonly string[] TimestampFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fff", "yyyy-MM-ddTHH:mm:ss.fffZ", "dd.MM.yyyy HH:mm", "dd/MM/yyyy HH:mm", "dd.MM.yyyy HH:mm:ss", "dd/MM/yyyy HH:mm:ss"];

    private static readonly HashSet<string> TrueWords = new(StringComparer.OrdinalIgnoreCase) { "true", "yes", "oui", "vrai", "y" };
    private static readonly HashSet<string> FalseWords = new(StringComparer.OrdinalIgnoreCase) { "false", "no", "non", "faux", "n" };

    /// <summary>SQL names for the headers: lower case ASCII words joined by '_', at most 63 characters. Two headers with one name are refused.</summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<string> headers)
    {
        var names = new List<string>(headers.Count);
        for (var i = 0; i < headers.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(headers[i]))
                throw new UploadException($"Column {i + 1} of the header has no name; every column needs one.", 1);
            var name = SqlName(headers[i]);
            var earlier = names.IndexOf(name);
            if (earlier >= 0)
                throw new UploadException(
                    headers[earlier].Equals(headers[i], StringComparison.OrdinalIgnoreCase)
                        ? $"Line 1 names two columns '{headers[i]}' (columns {earlier + 1} and {i + 1}); rename one of them."
                        : $"Line 1: columns {earlier + 1} ('{headers[earlier]}') and {i + 1} ('{headers[i]}') both become the column name '{name}'; rename one of them.", 1);
            names.Add(name);
        }
        return names;
    }

    /// <summary>"Date de naissance" → date_de_naissance, "Étranger" → etranger, "2020" → c_2020.</summary>
    public static string SqlName(string header)
    {
        var folded = new StringBuilder(header.Length);
        foreach (var c in header.Normalize(NormalizationForm.FormD))
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                folded.Append(char.ToLowerInvariant(c));
        var name = NonWord().Replace(folded.ToString(), "_").Trim('_');
        if (name.Length == 0 || !char.IsAsciiLetter(name[0]))
            name = "c_" + name;
        return name.Length > 63 ? name[..63].TrimEnd('_') : name;
    }

    /// <summary>Infers the type of every column from all rows (each row has as many cells as there are headers).</summary>
    public static IReadOnlyList<UploadColumn> Infer(IReadOnlyList<string> headers, IEnumerable<TabularRow> rows, char? separator, out int rowCount)
    {
        var names = Names(headers);
        var states = headers.Select(_ => new Candidate()).ToArray();
        rowCount = 0;
        foreach (var row in rows)
        {
            rowCount++;
            for (var i = 0; i < states.Length; i++)
                states[i].See(row.Cells[i], separator);
        }
        return [.. headers.Select((header, i) => new UploadColumn(header, names[i], states[i].Type(header), states[i].Blank))];
    }

    /// <summary>The cell as the value COPY writes for <paramref name="type"/>, or an error naming the line and column.</summary>
    public static object? Convert(string? cell, UploadColumn column, int line, char? separator)
    {
        if (cell is null)
            return null;
        object? value = column.Type switch
        {
            UploadColumnType.Integer or UploadColumnType.Year => ParseInteger(cell),
            UploadColumnType.Decimal => ParseDecimal(cell, separator),
            UploadColumnType.Boolean => ParseBoolean(cell),
            UploadColumnType.Date => ParseDate(cell) is { } d ? d : null,
            UploadColumnType.Timestamp => ParseTimestamp(cell) is { } t ? t : ParseDate(cell) is { } d2 ? d2.ToDateTime(TimeOnly.MinValue) : null,
            _ => cell,
        };
        return value ?? throw new UploadException(
            $"Line {line.ToString(CultureInfo.InvariantCulture)}, column '{column.Header}': '{Shorten(cell)}' is not {Describe(column.Type)}. Correct the cell, or make the column text.", line);
    }

    public static NpgsqlDbType DbType(UploadColumnType type) => type switch
    {
        UploadColumnType.Integer or UploadColumnType.Year => NpgsqlDbType.Bigint,
        UploadColumnType.Decimal => NpgsqlDbType.Numeric,
        UploadColumnType.Boolean => NpgsqlDbType.Boolean,
        UploadColumnType.Date => NpgsqlDbType.Date,
        UploadColumnType.Timestamp => NpgsqlDbType.Timestamp,
        _ => NpgsqlDbType.Text,
    };

    public static string SqlType(UploadColumnType type) => type switch
    {
        UploadColumnType.Integer or UploadColumnType.Year => "bigint",
        UploadColumnType.Decimal => "numeric",
        UploadColumnType.Boolean => "boolean",
        UploadColumnType.Date => "date",
        UploadColumnType.Timestamp => "timestamp",
        _ => "text",
    };

    public static string Describe(UploadColumnType type) => type switch
    {
        UploadColumnType.Integer => "a whole number",
        UploadColumnType.Year => "a year",
        UploadColumnType.Decimal => "a number",
        UploadColumnType.Boolean => "yes/no (true, false, yes, no, oui, non)",
        UploadColumnType.Date => "a date (2024-03-31, 31.03.2024 or 31/03/2024)",
        UploadColumnType.Timestamp => "a date and time",
        _ => "text",
    };

    private static long? ParseInteger(string cell) =>
        long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A point is the decimal mark; so is a comma when the file's separator is not a comma ("1,5" in a semicolon file).</summary>
    private static decimal? ParseDecimal(string cell, char? separator)
    {
        var text = separator != ',' && cell.Count(c => c == ',') == 1 && !cell.Contains('.') ? cell.Replace(',', '.') : cell;
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static bool? ParseBoolean(string cell) => TrueWords.Contains(cell) ? true : FalseWords.Contains(cell) ? false : null;

    private static DateOnly? ParseDate(string cell) =>
        DateOnly.TryParseExact(cell, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private static DateTime? ParseTimestamp(string cell) =>
        DateTime.TryParseExact(cell, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value)
            ? DateTime.SpecifyKind(value, DateTimeKind.Unspecified) : null;

    private static string Shorten(string cell) => cell.Length > 40 ? cell[..40] + "…" : cell;

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonWord();

    /// <summary>What every non-blank cell of a column seen so far parses as.</summary>
    private sealed class Candidate
    {
        private bool _integer = true, _decimal = true, _boolean = true, _date = true, _timestamp = true, _years = true;
        private int _values;

        public int Blank { get; private set; }

        public void See(string? cell, char? separator)
        {
            if (cell is null)
            {
                Blank++;
                return;
            }
            _values++;
            if (_integer)
            {
                var whole = ParseInteger(cell);
                if (whole is null)
                    _integer = false;
                else if (whole is < 1000 or > 2999)
                    _years = false;
            }
            if (_decimal && ParseDecimal(cell, separator) is null)
                _decimal = false;
            if (_boolean && ParseBoolean(cell) is null)
                _boolean = false;
            if (_date && ParseDate(cell) is null)
                _date = false;
            if (_timestamp && ParseTimestamp(cell) is null && ParseDate(cell) is null)
                _timestamp = false;
        }

        public UploadColumnType Type(string header)
        {
            if (_values == 0)
                return UploadColumnType.Text;
            if (_integer)
                return _years && IsYearHeader(header) ? UploadColumnType.Year : UploadColumnType.Integer;
            if (_decimal)
                return UploadColumnType.Decimal;
            if (_boolean)
                return UploadColumnType.Boolean;
            if (_date)
                return UploadColumnType.Date;
            return _timestamp ? UploadColumnType.Timestamp : UploadColumnType.Text;
        }

        private static bool IsYearHeader(string header) => SqlName(header).Split('_').Any(YearWords.Contains);
    }
}

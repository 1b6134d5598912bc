using System.Globalization;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Evaluation;

/// <summary>The verdict of comparing a generated result with the gold result; <see cref="Reason"/> says why they differ.</summary>
public sealed record ComparisonOutcome(bool Match, string? Reason)
{
    public static readonly ComparisonOutcome Matched = new(true, null);

    public static ComparisonOutcome Mismatch(string reason) => new(false, reason);
}

/// <summary>
/// Execution-match in the manner of Defog's sql-eval: a generated result is correct when every gold column's
/// values appear, row for row, in some generated column. Column names and order do not matter, extra
/// generated columns are tolerated, rows are compared as a multiset unless the gold SQL has a top-level
/// ORDER BY, numbers are equal within a small relative tolerance, dates and strings are normalised.
/// </summary>
public static class ResultComparer
{
    /// <summary>Relative tolerance for numbers: 0.01% absorbs float/numeric rounding, not a wrong aggregate.</summary>
    public const double DefaultRelativeTolerance = 1e-4;

    // Above this many column pairings the search would be slow; real results never get near it.
    private const int MaxAssignmentsTried = 5000;

    public static ComparisonOutcome Compare(QueryResult gold, QueryResult generated, bool orderMatters, double relativeTolerance = DefaultRelativeTolerance)
    {
        var outcome = CompareCore(gold, generated, orderMatters, relativeTolerance);
        if (!outcome.Match && orderMatters && CompareCore(gold, generated, orderMatters: false, relativeTolerance).Match)
            return ComparisonOutcome.Mismatch("the rows are right but not in the order the gold ORDER BY requires");
        return outcome;
    }

    private static ComparisonOutcome CompareCore(QueryResult gold, QueryResult generated, bool orderMatters, double relativeTolerance)
    {
        if (gold.Rows.Count != generated.Rows.Count)
            return ComparisonOutcome.Mismatch($"row count differs: expected {gold.Rows.Count}, got {generated.Rows.Count}");
        if (gold.Rows.Count == 0)
            return ComparisonOutcome.Matched;

        var goldColumns = Columns(gold);
        var generatedColumns = Columns(generated);
        if (generatedColumns.Length < goldColumns.Length)
            return ComparisonOutcome.Mismatch($"too few columns: expected at least {goldColumns.Length}, got {generatedColumns.Length}");

        // For each gold column, the generated columns holding the same values (as a multiset, or in order).
        var candidates = new List<int>[goldColumns.Length];
        for (var g = 0; g < goldColumns.Length; g++)
        {
            candidates[g] = [];
            for (var c = 0; c < generatedColumns.Length; c++)
                if (SameColumn(goldColumns[g], generatedColumns[c], orderMatters, relativeTolerance))
                    candidates[g].Add(c);
            if (candidates[g].Count == 0)
            {
                var name = gold.Columns.Count > g ? gold.Columns[g].Name : $"#{g + 1}";
                return ComparisonOutcome.Mismatch($"no generated column has the values of gold column \"{name}\"");
            }
        }

        // Columns can match one by one yet pair up differently across rows; try assignments until the rows agree.
        var assignment = new int[goldColumns.Length];
        var used = new bool[generatedColumns.Length];
        var tried = 0;
        bool Search(int g)
        {
            if (g == goldColumns.Length)
            {
                tried++;
                return SameRows(gold, generated, assignment, orderMatters, relativeTolerance);
            }
            foreach (var c in candidates[g])
            {
                if (used[c])
                    continue;
                used[c] = true;
                assignment[g] = c;
                if (Search(g + 1))
                    return true;
                used[c] = false;
                if (tried >= MaxAssignmentsTried)
                    return false;
            }
            return false;
        }

        return Search(0)
            ? ComparisonOutcome.Matched
            : ComparisonOutcome.Mismatch("every column has matching values, but they are combined into different rows");
    }

    /// <summary>True when the statement has an ORDER BY outside any parentheses (so not in a subquery, window or aggregate).</summary>
    public static bool HasTopLevelOrderBy(string sql)
    {
        var depth = 0;
        string? previousWord = null;
        var i = 0;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (ch == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n') i++;
                continue;
            }
            if (ch == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
                continue;
            }
            if (ch is '\'' or '"')
            {
                i++;
                while (i < sql.Length)
                {
                    if (sql[i] == ch)
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == ch) { i += 2; continue; }
                        break;
                    }
                    i++;
                }
                i++;
                previousWord = null;
                continue;
            }
            if (ch == '$')
            {
                // Dollar-quoted string: $tag$ ... $tag$
                var close = sql.IndexOf('$', i + 1);
                if (close > i && sql[(i + 1)..close].All(c => char.IsLetterOrDigit(c) || c == '_'))
                {
                    var tag = sql[i..(close + 1)];
                    var end = sql.IndexOf(tag, close + 1, StringComparison.Ordinal);
                    i = end < 0 ? sql.Length : end + tag.Length;
                    previousWord = null;
                    continue;
                }
            }
            if (ch == '(') { depth++; i++; previousWord = null; continue; }
            if (ch == ')') { depth--; i++; previousWord = null; continue; }
            if (char.IsLetter(ch) || ch == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_' || sql[i] == '$')) i++;
                var word = sql[start..i];
                if (depth == 0 && word.Equals("by", StringComparison.OrdinalIgnoreCase)
                    && string.Equals(previousWord, "order", StringComparison.OrdinalIgnoreCase))
                    return true;
                previousWord = word;
                continue;
            }
            if (!char.IsWhiteSpace(ch))
                previousWord = null;
            i++;
        }
        return false;
    }

    private static NormalizedValue[][] Columns(QueryResult result)
    {
        var width = result.Columns.Count > 0 ? result.Columns.Count : result.Rows.Count > 0 ? result.Rows[0].Length : 0;
        var columns = new NormalizedValue[width][];
        for (var c = 0; c < width; c++)
        {
            columns[c] = new NormalizedValue[result.Rows.Count];
            for (var r = 0; r < result.Rows.Count; r++)
                columns[c][r] = NormalizedValue.From(c < result.Rows[r].Length ? result.Rows[r][c] : null);
        }
        return columns;
    }

    private static bool SameColumn(NormalizedValue[] gold, NormalizedValue[] generated, bool orderMatters, double tolerance)
    {
        if (!orderMatters)
        {
            gold = [.. gold.Order(NormalizedValue.SortOrder)];
            generated = [.. generated.Order(NormalizedValue.SortOrder)];
        }
        for (var i = 0; i < gold.Length; i++)
            if (!gold[i].EqualsWithin(generated[i], tolerance))
                return false;
        return true;
    }

    private static bool SameRows(QueryResult gold, QueryResult generated, int[] assignment, bool orderMatters, double tolerance)
    {
        var goldRows = gold.Rows.Select(row => assignment.Select((_, g) => NormalizedValue.From(g < row.Length ? row[g] : null)).ToArray()).ToList();
        var generatedRows = generated.Rows.Select(row => assignment.Select(c => NormalizedValue.From(c < row.Length ? row[c] : null)).ToArray()).ToList();
        if (orderMatters)
            return goldRows.Zip(generatedRows).All(pair => SameRow(pair.First, pair.Second, tolerance));

        var comparer = Comparer<NormalizedValue[]>.Create(CompareRows);
        goldRows.Sort(comparer);
        generatedRows.Sort(comparer);
        if (goldRows.Zip(generatedRows).All(pair => SameRow(pair.First, pair.Second, tolerance)))
            return true;

        // Sorting can separate rows whose numbers differ only within tolerance; match them one by one instead.
        if (goldRows.Count > 2000)
            return false;
        var remaining = new List<NormalizedValue[]>(generatedRows);
        foreach (var row in goldRows)
        {
            var index = remaining.FindIndex(candidate => SameRow(row, candidate, tolerance));
            if (index < 0)
                return false;
            remaining.RemoveAt(index);
        }
        return true;
    }

    private static bool SameRow(NormalizedValue[] a, NormalizedValue[] b, double tolerance)
    {
        for (var i = 0; i < a.Length; i++)
            if (!a[i].EqualsWithin(b[i], tolerance))
                return false;
        return true;
    }

    private static int CompareRows(NormalizedValue[] a, NormalizedValue[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var order = NormalizedValue.SortOrder.Compare(a[i], b[i]);
            if (order != 0)
                return order;
        }
        return 0;
    }

    /// <summary>A cell reduced to what matters for equality: null, a number, a boolean or a normalised text.</summary>
    private readonly record struct NormalizedValue(int Kind, double Number, string? Text)
    {
        private const int NullKind = 0, NumberKind = 1, BoolKind = 2, TextKind = 3;

        public static readonly IComparer<NormalizedValue> SortOrder = Comparer<NormalizedValue>.Create((a, b) =>
        {
            if (a.Kind != b.Kind)
                return a.Kind.CompareTo(b.Kind);
            return a.Kind switch
            {
                NumberKind or BoolKind => a.Number.CompareTo(b.Number),
                TextKind => string.CompareOrdinal(a.Text, b.Text),
                _ => 0,
            };
        });

        public static NormalizedValue From(object? value) => value switch
        {
            null or DBNull => new(NullKind, 0, null),
            bool b => new(BoolKind, b ? 1 : 0, null),
            byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal
                => new(NumberKind, Convert.ToDouble(value, CultureInfo.InvariantCulture), null),
            System.Numerics.BigInteger big => new(NumberKind, (double)big, null),
            DateOnly date => OfText(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            DateTime dateTime => OfText(FormatDateTime(dateTime)),
            DateTimeOffset offset => OfText(FormatDateTime(offset.UtcDateTime)),
            TimeSpan span => new(NumberKind, span.TotalSeconds, null),
            string s => OfText(NormalizeString(s)),
            _ => OfText(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
        };

        private static NormalizedValue OfText(string text) => new(TextKind, 0, text);

        private static string FormatDateTime(DateTime value) => value.TimeOfDay == TimeSpan.Zero
            ? value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFF", CultureInfo.InvariantCulture);

        // A text that is really a date ('2021-03-01' or '2021-03-01 00:00:00') equals the date; otherwise case and padding do not matter.
        private static string NormalizeString(string s)
        {
            var trimmed = s.Trim();
            if (trimmed.Length is >= 10 and <= 32 && char.IsDigit(trimmed[0])
                && DateTime.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.RoundtripKind, out var parsed)
                && trimmed[4] == '-')
                return FormatDateTime(parsed);
            return trimmed.ToLowerInvariant();
        }

        public bool EqualsWithin(NormalizedValue other, double tolerance)
        {
            if (Kind != other.Kind)
                return false;
            return Kind switch
            {
                NullKind => true,
                BoolKind => Number == other.Number,
                NumberKind => CloseEnough(Number, other.Number, tolerance),
                _ => string.Equals(Text, other.Text, StringComparison.Ordinal),
            };
        }

        private static bool CloseEnough(double a, double b, double tolerance)
        {
            if (a == b)
                return true;
            if (double.IsNaN(a) || double.IsNaN(b))
                return double.IsNaN(a) && double.IsNaN(b);
            return Math.Abs(a - b) <= tolerance * Math.Max(Math.Abs(a), Math.Abs(b)) || Math.Abs(a - b) < 1e-9;
        }
    }
}

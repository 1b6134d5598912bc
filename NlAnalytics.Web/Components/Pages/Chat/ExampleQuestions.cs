using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>
/// Example questions for an empty thread, drawn from the data source's catalog alone: a measure column
/// ("amount", "price") grouped by a category column or a value from the value index, over time when the
/// table has a date. Nothing here knows the demo schema.
/// </summary>
public static class ExampleQuestions
{
    public static IReadOnlyList<string> From(DatabaseCatalog catalog, int count = 4)
    {
        var questions = new List<string>();
        // Fact-like tables first (many rows, a measure): one "measure by dimension" from each, so the examples cover the source.
        var facts = catalog.Tables.Where(t => Measures(t).Any()).OrderByDescending(t => t.RowEstimate).ToList();
        string? filter = null;
        foreach (var table in facts)
        {
            if (Dimension(catalog, table) is not { } dimension)
                continue;
            var measure = Words(Measures(table).First().Name);
            questions.Add($"Total {measure} by {Words(dimension.Name)}");
            // A value from the value index, as an analyst would name it ("for Online").
            if (filter is null && dimension.DistinctValues is { Count: > 1 } values && values[0].Length <= 30)
                filter = $"Total {measure} for {values[0]}";
            if (questions.Count >= count - 2)
                break;
        }
        if (facts.FirstOrDefault(t => t.Columns.Any(c => c.IsTemporal)) is { } dated)
            questions.Add($"Total {Words(Measures(dated).First().Name)} by month");
        if (filter is not null)
            questions.Add(filter);
        foreach (var table in catalog.Tables.OrderByDescending(t => t.RowEstimate))
        {
            if (questions.Count >= count)
                break;
            questions.Add($"How many {Words(table.Name)} are there?");
        }
        return [.. questions.Distinct(StringComparer.OrdinalIgnoreCase).Take(count)];
    }

    /// <summary>Numeric columns that are quantities, not keys, codes or years.</summary>
    private static IEnumerable<ColumnInfo> Measures(TableInfo table) => table.Columns
        .Where(c => c.IsNumeric && !c.IsPrimaryKey && !IsKeyName(c.Name)
            && !table.ForeignKeys.Any(f => f.Columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase))
            && !c.Name.Contains("year", StringComparison.OrdinalIgnoreCase))
        // Money reads better in an example than a count of items.
        .OrderBy(c => MoneyWords.Any(w => c.Name.Contains(w, StringComparison.OrdinalIgnoreCase)) ? 0 : 1);

    private static readonly string[] MoneyWords = ["amount", "revenue", "sales", "cost", "total", "value", "fee"];

    /// <summary>A text column to group by: in the table itself, or the name of a table it references.</summary>
    private static ColumnInfo? Dimension(DatabaseCatalog catalog, TableInfo table)
    {
        var own = table.Columns.FirstOrDefault(c => c.IsText && c.DistinctValues is { Count: > 1 and <= 50 } && !IsKeyName(c.Name));
        if (own is not null)
            return own;
        foreach (var key in table.ForeignKeys)
        {
            var referenced = catalog.Find(key.ReferencedQualifiedName);
            var text = referenced?.Columns.FirstOrDefault(c => c.IsText && c.DistinctValues is { Count: > 1 })
                ?? referenced?.Columns.FirstOrDefault(c => c.IsText && !c.IsPrimaryKey);
            if (text is not null)
                return text with { Name = text.Name is "name" or "title" or "label" ? referenced!.Name : text.Name };
        }
        return null;
    }

    private static bool IsKeyName(string name) =>
        name.Equals("id", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_id", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("_code", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_no", StringComparison.OrdinalIgnoreCase);

    /// <summary>"unit_price" reads "unit price"; "tbl_orders" reads "orders".</summary>
    private static string Words(string name)
    {
        var words = name.Replace('_', ' ').Trim();
        if (words.StartsWith("tbl ", StringComparison.OrdinalIgnoreCase))
            words = words[4..];
        return words.ToLowerInvariant();
    }
}

using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>The names the SQL editor completes: each table and view of the catalog ("schema.table") with its columns.</summary>
public static class SqlCompletions
{
    public static IReadOnlyDictionary<string, string[]> From(DatabaseCatalog catalog) =>
        catalog.Tables
            .GroupBy(t => t.QualifiedName, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Columns.Select(c => c.Name).ToArray(), StringComparer.OrdinalIgnoreCase);
}

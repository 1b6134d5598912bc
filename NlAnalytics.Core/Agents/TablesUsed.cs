using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Agents;

/// <summary>"Tables used": the tables the SQL reads, not the ones retrieval offered the writer.</summary>
public static class TablesUsed
{
    public const string ReadBySql = "read by the SQL";

    /// <param name="retrieved">What retrieval offered, whose reasons are kept for the tables the SQL reads.</param>
    /// <param name="catalog">Resolves an unqualified name to its schema when exactly one table has it.</param>
    public static IReadOnlyList<RetrievedTable> From(string sql, IReadOnlyList<RetrievedTable> retrieved, DatabaseCatalog? catalog)
    {
        var tables = new List<RetrievedTable>();
        foreach (var name in SqlTableReferences.Read(sql))
        {
            var qualified = name;
            if (!name.Contains('.') && catalog?.Tables.Where(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)).ToList() is [var only])
                qualified = only.QualifiedName;
            else if (catalog?.Find(name) is { } known)
                qualified = known.QualifiedName;
            if (tables.Any(t => string.Equals(t.QualifiedName, qualified, StringComparison.OrdinalIgnoreCase)))
                continue;
            var offered = retrieved.FirstOrDefault(t => string.Equals(t.QualifiedName, qualified, StringComparison.OrdinalIgnoreCase));
            tables.Add(offered ?? new RetrievedTable(qualified, 0, ReadBySql));
        }
        return tables;
    }
}

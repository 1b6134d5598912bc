using System.Text;

namespace NlAnalytics.Core.Catalog;

/// <summary>
/// Join keys a database does not declare (most real ones declare none), inferred from names and types and
/// confirmed on values (docs/decisions/0015). A column is a candidate when it is not already a declared key and
/// <list type="bullet">
/// <item>has the same name as another table's single-column primary key and looks like a key (<c>customer_id</c>
/// in orders and customers: identically named key columns), or</item>
/// <item>is named after another table and ends in "id" (<c>author_id</c> or <c>AuthorId</c> to <c>authors.id</c>),</item>
/// </list>
/// with a type of the same family, pointing at exactly one table (two candidate targets are a guess, not a key).
/// A link table's two key columns each qualify on their own. Each candidate is then checked by value inclusion on
/// a bounded sample of the column (<see cref="InclusionSql"/>): a key whose values are missing from the target is a
/// coincidence of names.
/// </summary>
public static class JoinKeyInference
{
    /// <summary>Values of a candidate column read to confirm it: enough to catch a coincidence, bounded on any table.</summary>
    public const int SampleRows = 1000;

    /// <summary>At most this many candidates are checked (one bounded query for all of them).</summary>
    public const int MaxCandidates = 2000;

    /// <summary>Share of sampled values allowed to be missing from the target (orphans left by deletes in real data).</summary>
    public const double MaxOrphanShare = 0.01;

    /// <summary>A proposed key: <see cref="Column"/> of <see cref="Table"/> referencing <see cref="TargetColumn"/> of <see cref="Target"/>.</summary>
    public sealed record Candidate(TableInfo Table, ColumnInfo Column, TableInfo Target, ColumnInfo TargetColumn)
    {
        public ForeignKeyInfo ToForeignKey() =>
            new($"inferred_{Table.Name}_{Column.Name}", [Column.Name], Target.Schema, Target.Name, [TargetColumn.Name], Inferred: true);
    }

    // Last identifier words that mark a key column when another table's key has the same name.
    private static readonly HashSet<string> KeyWords = new(StringComparer.Ordinal) { "id", "key", "code" };

    /// <summary>The candidates among <paramref name="tables"/> (stored tables only), before any value is read.</summary>
    public static IReadOnlyList<Candidate> Propose(IReadOnlyList<TableInfo> tables, Func<TableInfo, bool>? readable = null)
    {
        bool Usable(TableInfo t) => t.Kind is TableKind.Table or TableKind.PartitionedTable or TableKind.MaterializedView && (readable?.Invoke(t) ?? true);
        var targets = tables.Where(Usable)
            .Select(t => (Table: t, Key: t.PrimaryKey.ToList()))
            .Where(t => t.Key.Count == 1)
            .Select(t => (t.Table, Key: t.Key[0]))
            .ToList();
        var byKeyName = targets.ToLookup(t => t.Key.Name, StringComparer.OrdinalIgnoreCase);
        var byEntity = targets.ToLookup(t => Entity(Words(t.Table.Name)), StringComparer.Ordinal);

        var candidates = new List<Candidate>();
        foreach (var table in tables.Where(Usable))
        {
            var declared = table.ForeignKeys.SelectMany(f => f.Columns).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var primaryKey = table.PrimaryKey.Select(c => c.Name).ToList();
            foreach (var column in table.Columns)
            {
                // A table's own single-column key is its identity, not a reference.
                if (declared.Contains(column.Name) || primaryKey is [var only] && string.Equals(only, column.Name, StringComparison.OrdinalIgnoreCase))
                    continue;
                var words = Words(column.Name);
                if (words.Count == 0 || !KeyWords.Contains(words[^1]))
                    continue;
                var found = new List<(TableInfo Table, ColumnInfo Key)>();
                // A bare "id" names every table's own key: the same name says nothing about which one it references.
                if (words.Count > 1)
                    found.AddRange(byKeyName[column.Name].Where(t => !ReferenceEquals(t.Table, table)));
                if (words is [.. var entity, "id"] && entity.Count > 0)
                    found.AddRange(byEntity[Entity(entity)].Where(t => !ReferenceEquals(t.Table, table)));
                var distinct = found.DistinctBy(t => t.Table.QualifiedName, StringComparer.OrdinalIgnoreCase).ToList();
                if (distinct is [var target] && Compatible(column, target.Key))
                    candidates.Add(new Candidate(table, column, target.Table, target.Key));
            }
        }
        return candidates.Count > MaxCandidates ? candidates[..MaxCandidates] : candidates;
    }

    /// <summary>
    /// One read-only query for all candidates: row i gives (i, values sampled, values missing from the target).
    /// Each sample is bounded by LIMIT and each lookup goes through the target's primary-key index.
    /// </summary>
    public static string InclusionSql(IReadOnlyList<Candidate> candidates)
    {
        var sql = new StringBuilder();
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var column = Quote(c.Column.Name);
            if (i > 0)
                sql.Append("\nUNION ALL ");
            sql.Append($"SELECT {i}, count(*)::bigint, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM {Quote(c.Target.Schema)}.{Quote(c.Target.Name)} x ")
               .Append($"WHERE x.{Quote(c.TargetColumn.Name)} = s.v))::bigint FROM (SELECT {column} AS v FROM {Quote(c.Table.Schema)}.{Quote(c.Table.Name)} ")
               .Append($"WHERE {column} IS NOT NULL LIMIT {SampleRows}) s");
        }
        return sql.ToString();
    }

    /// <summary>A candidate is confirmed when its sample held values and (nearly) all of them exist in the target.</summary>
    public static bool Confirmed(long sampled, long missing) => sampled > 0 && missing <= sampled * MaxOrphanShare;

    /// <summary>Both integers, both strings, or the same type: a join across families would need a cast and is rarely meant.</summary>
    internal static bool Compatible(ColumnInfo a, ColumnInfo b) =>
        a.DataType == b.DataType
        || a.DataType is "smallint" or "integer" or "bigint" && b.DataType is "smallint" or "integer" or "bigint"
        || a.IsText && b.IsText;

    /// <summary>Identifier words, lowercase: snake_case and camelCase ("ArtistId" is artist, id).</summary>
    internal static List<string> Words(string identifier) => IdentifierWords.Split(identifier).ConvertAll(w => w.ToLowerInvariant());

    /// <summary>
    /// What a table's rows are, as the words of a key column would name it: the last word made singular
    /// ("order_details" and "order_detail_id" meet). English identifier plurals only: this compares identifiers
    /// with identifiers, which is why it is not the offline analyst's stemmer (Catalog cannot depend on Offline).
    /// </summary>
    internal static string Entity(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
            return "";
        var last = words[^1];
        var singular = last.Length <= 3 ? last
            : last.EndsWith("ies", StringComparison.Ordinal) ? last[..^3] + "y"
            : last.EndsWith("sses", StringComparison.Ordinal) || last.EndsWith("xes", StringComparison.Ordinal)
              || last.EndsWith("ches", StringComparison.Ordinal) || last.EndsWith("shes", StringComparison.Ordinal) ? last[..^2]
            : last[^1] == 's' && last[^2] is not ('s' or 'u' or 'i') ? last[..^1]
            : last;
        return string.Join('_', words.Take(words.Count - 1).Append(singular));
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

using System.Runtime.CompilerServices;
using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Offline;

/// <summary>A table as the offline writer sees it: its words, alias, label column and typed columns.</summary>
internal sealed class TableNode(TableInfo info, string alias)
{
    public TableInfo Info { get; } = info;
    public string Alias { get; } = alias;
    public List<ColumnNode> Columns { get; } = [];
    public List<string> NameWords { get; init; } = [];
    public ColumnNode? Key { get; set; }
    public ColumnNode? Label { get; set; }
    /// <summary>Rows that hold counts rather than things ("number of visitors per year and city"): counting means summing the count column.</summary>
    public ColumnNode? PreCounted { get; set; }
    public List<(JoinEdge Edge, TableNode Other)> Edges { get; } = [];

    /// <summary>"loan items" for loan_items: how a person would call the table.</summary>
    public string Noun => string.Join(' ', NameWords);
    public string Singular => TextNormalizer.SplitIdentifier(Info.Name) is { Count: > 0 } words
        ? string.Join(' ', words.Take(words.Count - 1).Append(Singularize(words[^1]))) : Info.Name;

    private static string Singularize(string word) =>
        word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "y"
        : word.EndsWith("sses", StringComparison.Ordinal) ? word[..^2]
        : word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1] : word;

    public override string ToString() => Info.QualifiedName;
}

internal sealed class ColumnNode(TableNode table, ColumnInfo info)
{
    public TableNode Table { get; } = table;
    public ColumnInfo Info { get; } = info;
    public string Name => Info.Name;
    public List<string> NameStems { get; init; } = [];
    public HashSet<string> CommentStems { get; init; } = [];
    public bool IsKey { get; set; }
    public bool IsForeignKey { get; set; }
    public bool IsYear { get; set; }
    public bool IsDate => Info.IsTemporal;
    public bool IsMeasure => Info.IsNumeric && !IsKey && !IsYear;
    /// <summary>An integer column that already holds a count ("number of visitors"): "how many" sums it.</summary>
    public bool IsCountLike { get; set; }
    public bool IsNonAdditive { get; set; }
    public bool IsDimension => !Info.IsNumeric && !IsDate && (Info.IsText || Info.IsBoolean) || (IsKey && Info.DistinctValues is not null);
    public override string ToString() => $"{Table.Info.Name}.{Name}";
}

internal sealed record ValueRef(ColumnNode Column, string Value);

internal sealed record SchemaRef(TableNode Table, ColumnNode? Column, double Score);

/// <summary>A foreign key seen from <see cref="From"/>: <see cref="ManyToOne"/> when From holds the key columns.</summary>
internal sealed record JoinEdge(TableNode From, TableNode To, IReadOnlyList<string> FromColumns, IReadOnlyList<string> ToColumns, bool ManyToOne);

/// <summary>
/// Everything the offline writer precomputes for one catalog: word → table/column, value → column,
/// the foreign-key graph. Built once per <see cref="DatabaseCatalog"/> instance and cached with it.
/// </summary>
internal sealed class CatalogIndex
{
    private static readonly ConditionalWeakTable<DatabaseCatalog, CatalogIndex> Cache = [];
    private static readonly HashSet<string> GenericWords = ["id", "code", "name", "date", "on", "at", "of", "is", "no", "nr", "num", "key", "ref", "the", "a", "an", "by", "in", "to", "and", "uuid", "value", "type", "flag"];
    private static readonly string[] LabelNames = ["name", "title", "label", "full_name", "display_name", "description"];

    /// <summary>Score of a reference that only says which tables are in play.</summary>
    public const double ContextScore = 0.3;

    /// <summary>Score of a column named together with its table.</summary>
    public const double QualifiedScore = 1.05;

    public Lexicon Lexicon { get; }
    public DatabaseCatalog Catalog { get; }
    public List<TableNode> Tables { get; } = [];
    public Dictionary<string, List<ValueRef>> Values { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<SchemaRef>> Schema { get; } = new(StringComparer.Ordinal);
    public int MaxValueWords { get; private set; } = 1;
    public int MaxSchemaWords { get; private set; } = 1;

    public static CatalogIndex For(DatabaseCatalog catalog, Lexicon lexicon) => Cache.GetValue(catalog, c => new CatalogIndex(c, lexicon));

    private CatalogIndex(DatabaseCatalog catalog, Lexicon lexicon)
    {
        Catalog = catalog;
        Lexicon = lexicon;
        var aliases = new HashSet<string>();
        foreach (var table in catalog.Tables)
        {
            var words = TextNormalizer.SplitIdentifier(table.Name);
            var alias = new string(words.Where(w => w.Length > 0 && char.IsLetter(w[0])).Select(w => w[0]).ToArray());
            if (alias.Length == 0) alias = "t";
            var unique = alias;
            for (var n = 2; !aliases.Add(unique) || SqlText.IsReserved(unique); n++) unique = alias + n;
            var node = new TableNode(table, unique) { NameWords = words };
            var fkColumns = table.ForeignKeys.SelectMany(f => f.Columns).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var column in table.Columns)
            {
                var nameWords = TextNormalizer.SplitIdentifier(column.Name);
                var commentWords = column.Comment is null ? [] : TextNormalizer.Words(column.Comment);
                var foldedComment = column.Comment is null ? "" : TextNormalizer.Fold(column.Comment);
                var col = new ColumnNode(node, column)
                {
                    NameStems = nameWords.Select(TextNormalizer.Stem).ToList(),
                    CommentStems = commentWords.Where(w => !lexicon.Stopwords.Contains(w)).Select(TextNormalizer.Stem).ToHashSet(),
                    IsForeignKey = fkColumns.Contains(column.Name),
                };
                col.IsKey = column.IsPrimaryKey || col.IsForeignKey || nameWords is [.., "id"] || column.Name.EndsWith("Id", StringComparison.Ordinal);
                col.IsYear = column.DataType is "smallint" or "integer" or "bigint" && (nameWords.Contains("year") || nameWords.Contains("annee") || nameWords.Contains("yr"))
                    || (column.DataType is "smallint" or "integer" && foldedComment.StartsWith("year", StringComparison.Ordinal));
                col.IsCountLike = column.DataType is "smallint" or "integer" or "bigint" && !col.IsKey && !col.IsYear
                    && (lexicon.CountCommentMarkers.Any(m => foldedComment.Contains(m, StringComparison.Ordinal))
                        || nameWords.Any(w => w is "count" or "cnt" or "num" or "number" or "nb" or "headcount" or "total"));
                col.IsNonAdditive = nameWords.Any(w => lexicon.NonAdditive.Contains(w) || lexicon.NonAdditive.Contains(TextNormalizer.Stem(w)));
                node.Columns.Add(col);
            }
            var pk = node.Columns.Where(c => c.Info.IsPrimaryKey).ToList();
            node.Key = pk.Count == 1 ? pk[0] : null;
            node.Label = LabelNames.Select(n => node.Columns.FirstOrDefault(c => c.Info.IsText && string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(c => c is not null)
                ?? node.Columns.FirstOrDefault(c => c.Info.IsText && c.Name.EndsWith("name", StringComparison.OrdinalIgnoreCase))
                ?? node.Columns.FirstOrDefault(c => c.Info.IsText && !c.IsKey)
                ?? node.Key;
            var tableComment = table.Comment is null ? "" : TextNormalizer.Fold(table.Comment);
            var counts = node.Columns.Where(c => c.IsCountLike).ToList();
            if (counts.Count == 1 && (lexicon.CountCommentMarkers.Any(m => tableComment.StartsWith(m, StringComparison.Ordinal))
                || words.Any(w => lexicon.AggregateTableWords.Contains(w))))
                node.PreCounted = counts[0];
            Tables.Add(node);
        }

        var byName = Tables.ToDictionary(t => t.Info.QualifiedName, StringComparer.OrdinalIgnoreCase);
        foreach (var table in Tables)
        {
            foreach (var fk in table.Info.ForeignKeys)
            {
                if (!byName.TryGetValue(fk.ReferencedQualifiedName, out var target)) continue;
                table.Edges.Add((new JoinEdge(table, target, fk.Columns, fk.ReferencedColumns, ManyToOne: true), target));
                if (!ReferenceEquals(target, table))
                    target.Edges.Add((new JoinEdge(target, table, fk.ReferencedColumns, fk.Columns, ManyToOne: false), table));
            }
        }

        foreach (var table in Tables) IndexTable(table);
        // A schema's name ("university") is weak context for every table in it, never a table by itself.
        foreach (var group in Tables.GroupBy(t => t.Info.Schema).Where(g => !string.Equals(g.Key, "public", StringComparison.OrdinalIgnoreCase)))
        {
            var stems = TextNormalizer.SplitIdentifier(group.Key).Select(TextNormalizer.Stem).ToList();
            if (stems.Count > 0 && !Schema.ContainsKey(TextNormalizer.Phrase(stems)))
                foreach (var table in group) AddSchema(stems, new SchemaRef(table, null, ContextScore));
        }
        // Comment words come last and only where no table or column is named that way: a comment saying
        // "number of visitors per city" must not make "city" mean the visitors column.
        var named = Schema.Keys.ToHashSet();
        foreach (var column in Tables.SelectMany(t => t.Columns).Where(c => c.IsMeasure))
            foreach (var word in column.CommentStems.Where(w => w.Length > 3 && !GenericWords.Contains(w) && !Lexicon.Cues.ContainsKey(w) && !named.Contains(w)))
                AddSchema([word], new SchemaRef(column.Table, column, 0.35));
    }

    private void IndexTable(TableNode table)
    {
        var tableStems = table.NameWords.Select(TextNormalizer.Stem).ToList();
        AddSchema(tableStems, new SchemaRef(table, null, 1.0));
        if (tableStems.Count > 1)
        {
            AddSchema([tableStems[^1]], new SchemaRef(table, null, 0.6));
            AddSchema(tableStems.Take(tableStems.Count - 1).ToList(), new SchemaRef(table, null, 0.4));
        }

        foreach (var column in table.Columns)
        {
            var meaningful = column.NameStems.Where(s => !GenericWords.Contains(s)).ToList();
            if (!column.IsKey || column.Info.DistinctValues is not null)
            {
                if (meaningful.Count > 0 || column == table.Label)
                    AddSchema(column.NameStems, new SchemaRef(table, column, column.IsKey ? 0.7 : 1.0));
                // Table-qualified phrases ("campaign channel") score a little higher: they name exactly one column.
                AddSchema([.. tableStems, .. column.NameStems], new SchemaRef(table, column, QualifiedScore));
                AddSchema([tableStems[^1], .. column.NameStems], new SchemaRef(table, column, QualifiedScore));
                if (column.NameStems.Count > 1 && !column.IsKey)
                    foreach (var word in meaningful.Distinct())
                        AddSchema([word], new SchemaRef(table, column, 0.55));
            }
            if (column.Info.DistinctValues is { } values)
                foreach (var value in values) AddValue(column, value);
        }
    }

    private void AddSchema(List<string> stems, SchemaRef reference)
    {
        if (stems.Count == 0) return;
        var key = TextNormalizer.Phrase(stems);
        if (!Schema.TryGetValue(key, out var list)) Schema[key] = list = [];
        var existing = list.FindIndex(r => r.Table == reference.Table && r.Column == reference.Column);
        if (existing >= 0)
        {
            if (list[existing].Score < reference.Score) list[existing] = reference;
            return;
        }
        list.Add(reference);
        MaxSchemaWords = Math.Max(MaxSchemaWords, stems.Count);
    }

    private void AddValue(ColumnNode column, string value)
    {
        var words = TextNormalizer.Words(value);
        if (words.Count == 0 || words.Count > 8) return;
        if (words.All(w => w.All(char.IsDigit))) return;
        if (words.Count == 1 && (Lexicon.Stopwords.Contains(words[0]) || Lexicon.Cues.ContainsKey(words[0]) || words[0].Length < 2)) return;
        foreach (var key in new[] { TextNormalizer.Phrase(words), TextNormalizer.Phrase(words.Select(TextNormalizer.Stem)) }.Distinct())
        {
            if (!Values.TryGetValue(key, out var list)) Values[key] = list = [];
            if (!list.Any(r => r.Column == column && r.Value == value)) list.Add(new ValueRef(column, value));
        }
        MaxValueWords = Math.Max(MaxValueWords, words.Count);
    }

    public TableNode? Table(string qualifiedName) => Tables.FirstOrDefault(t => string.Equals(t.Info.QualifiedName, qualifiedName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Shortest join path from any table in <paramref name="from"/> to <paramref name="target"/>; many-to-one steps cost less than one-to-many steps.</summary>
    public List<JoinEdge>? PathTo(IReadOnlyCollection<TableNode> from, TableNode target)
    {
        if (from.Contains(target)) return [];
        var cost = new Dictionary<TableNode, double>();
        var back = new Dictionary<TableNode, JoinEdge>();
        var queue = new PriorityQueue<TableNode, double>();
        foreach (var start in from)
        {
            cost[start] = 0;
            queue.Enqueue(start, 0);
        }
        while (queue.TryDequeue(out var node, out var c))
        {
            if (c > cost[node]) continue;
            if (node == target) break;
            foreach (var (edge, other) in node.Edges)
            {
                var next = c + (edge.ManyToOne ? 1.0 : 1.25);
                if (cost.TryGetValue(other, out var known) && known <= next) continue;
                cost[other] = next;
                back[other] = edge;
                queue.Enqueue(other, next);
            }
        }
        if (!cost.ContainsKey(target)) return null;
        var path = new List<JoinEdge>();
        for (var node = target; !from.Contains(node); node = back[node].From) path.Add(back[node]);
        path.Reverse();
        return path;
    }

    public double Distance(IReadOnlyCollection<TableNode> from, TableNode target) =>
        PathTo(from, target) is { } path ? path.Sum(e => e.ManyToOne ? 1.0 : 1.25) : double.PositiveInfinity;
}

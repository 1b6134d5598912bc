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
    /// <summary>The identifier's own words before abbreviations were read ("shpmt" for the shipments table).</summary>
    public List<string> RawWords { get; init; } = [];
    public IReadOnlyList<string> CommentWords { get; init; } = [];
    public ColumnNode? Key { get; set; }
    public ColumnNode? Label { get; set; }
    /// <summary>Rows that hold counts rather than things ("number of visitors per year and city"): counting means summing the count column.</summary>
    public ColumnNode? PreCounted { get; set; }
    public List<(JoinEdge Edge, TableNode Other)> Edges { get; } = [];

    /// <summary>"loan items" for loan_items: how a person would call the table.</summary>
    public string Noun => string.Join(' ', NameWords);
    public string Singular => NameWords is { Count: > 0 } words
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
    /// <summary>Stems of the identifier as written, before abbreviations were read.</summary>
    public List<string> RawStems { get; init; } = [];
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
/// <summary>One step of a join path; <see cref="Inferred"/>: along a key the database does not declare (see JoinKeyInference).</summary>
internal sealed record JoinEdge(TableNode From, TableNode To, IReadOnlyList<string> FromColumns, IReadOnlyList<string> ToColumns, bool ManyToOne, bool Inferred = false);

/// <summary>
/// Everything the offline writer precomputes for one catalog: word → table/column, value → column,
/// the foreign-key graph. Built once per <see cref="DatabaseCatalog"/> instance and cached with it.
/// </summary>
internal sealed partial class CatalogIndex
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
        var tableCommentWords = catalog.Tables.ToDictionary(t => t.QualifiedName, t => CommentWords(t.Comment), StringComparer.OrdinalIgnoreCase);
        var schemaWords = catalog.Tables.GroupBy(t => t.Schema).ToDictionary(g => g.Key,
            g => (IReadOnlyList<string>)g.SelectMany(t => t.Columns.Select(c => c.Comment).Append(t.Comment)).SelectMany(CommentWords).Distinct().ToList());
        foreach (var table in catalog.Tables)
        {
            var tableComment = tableCommentWords[table.QualifiedName];
            var rawWords = Abbreviations.StripTablePrefix(TextNormalizer.SplitIdentifier(table.Name));
            // "tbl_shpmt" commented "Shipments: one row per ..." is the shipments table.
            var words = Abbreviations.Expand(rawWords, [tableComment, schemaWords[table.Schema]], lexicon.Stopwords);
            var alias = new string(words.Where(w => w.Length > 0 && char.IsLetter(w[0])).Select(w => w[0]).ToArray());
            if (alias.Length == 0) alias = "t";
            var unique = alias;
            for (var n = 2; !aliases.Add(unique) || SqlText.IsReserved(unique); n++) unique = alias + n;
            var node = new TableNode(table, unique) { NameWords = words, RawWords = rawWords, CommentWords = tableComment };
            var fkColumns = table.ForeignKeys.SelectMany(f => f.Columns).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var column in table.Columns)
            {
                var rawColumnWords = TextNormalizer.SplitIdentifier(column.Name);
                var ownComment = CommentWords(column.Comment);
                var referenced = table.ForeignKeys.Where(f => f.Columns.Contains(column.Name, StringComparer.OrdinalIgnoreCase))
                    .Select(f => tableCommentWords.GetValueOrDefault(f.ReferencedQualifiedName) ?? []).FirstOrDefault() ?? [];
                var nameWords = Abbreviations.Expand(rawColumnWords, [ownComment, tableComment, referenced, schemaWords[table.Schema]], lexicon.Stopwords);
                var commentWords = ownComment;
                var foldedComment = column.Comment is null ? "" : TextNormalizer.Fold(column.Comment);
                var col = new ColumnNode(node, column)
                {
                    NameStems = nameWords.Select(TextNormalizer.Stem).ToList(),
                    RawStems = rawColumnWords.Select(TextNormalizer.Stem).ToList(),
                    CommentStems = commentWords.Where(w => !lexicon.Stopwords.Contains(w)).Select(TextNormalizer.Stem).ToHashSet(),
                    IsForeignKey = fkColumns.Contains(column.Name),
                };
                col.IsKey = column.IsPrimaryKey || col.IsForeignKey || nameWords is [.., "id"] || column.Name.EndsWith("Id", StringComparison.Ordinal);
                col.IsYear = column.DataType is "smallint" or "integer" or "bigint" && (nameWords.Contains("year") || nameWords.Contains("annee") || nameWords.Contains("yr"))
                    || (column.DataType is "smallint" or "integer" && foldedComment.StartsWith("year", StringComparison.Ordinal));
                col.IsCountLike = column.DataType is "smallint" or "integer" or "bigint" && !col.IsKey && !col.IsYear
                    && (lexicon.CountCommentMarkers.Any(m => foldedComment.Contains(m, StringComparison.Ordinal))
                        || nameWords.Any(w => w is "count" or "cnt" or "num" or "number" or "nb" or "headcount" or "total"));
                // By its name, or by what its comment first says it is ("Discount as a fraction, e.g. 0.150").
                var commentLead = column.Comment is null ? [] : TextNormalizer.Words(column.Comment.Split([',', '.', ':', ';', '('], 2)[0]);
                col.IsNonAdditive = nameWords.Concat(commentLead).Any(w => lexicon.NonAdditive.Contains(w) || lexicon.NonAdditive.Contains(TextNormalizer.Stem(w)));
                node.Columns.Add(col);
            }
            var pk = node.Columns.Where(c => c.Info.IsPrimaryKey).ToList();
            node.Key = pk.Count == 1 ? pk[0] : null;
            var tableStems = words.Select(TextNormalizer.Stem).ToHashSet();
            node.Label = LabelNames.Select(n => node.Columns.FirstOrDefault(c => c.Info.IsText && string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(c => c is not null)
                ?? LabelNames.Select(n => node.Columns.FirstOrDefault(c => c.Info.IsText && string.Join('_', c.NameStems) == n)).FirstOrDefault(c => c is not null)
                ?? node.Columns.FirstOrDefault(c => c.Info.IsText && c.Name.EndsWith("name", StringComparison.OrdinalIgnoreCase))
                // "whse_nm" read as "warehouse name" labels the warehouses; "dest_city_nm" names a city, not the row.
                ?? node.Columns.FirstOrDefault(c => c.Info.IsText && c.NameStems is [.. var rest, "name"] && rest.All(tableStems.Contains))
                // A name of something else ("destination city name") does not label the rows: the key does.
                ?? (node.Key is not null && node.Columns.Any(c => c.Info.IsText && c.NameStems is [.., "name"]) ? node.Key : null)
                // A code with a handful of values over many rows ("std", "exp") is a category, not what the rows are called.
                ?? node.Columns.FirstOrDefault(c => c.Info.IsText && !c.IsKey && !(node.Key is not null && (c.Info.DistinctValues is { } few && few.Count * 4 < table.RowEstimate || c.NameStems is [.., "code" or "type" or "status" or "flag"])))
                ?? node.Key
                ?? node.Columns.FirstOrDefault(c => c.Info.IsText && !c.IsKey);
            var foldedTableComment = table.Comment is null ? "" : TextNormalizer.Fold(table.Comment);
            var counts = node.Columns.Where(c => c.IsCountLike).ToList();
            if (counts.Count == 1 && (lexicon.CountCommentMarkers.Any(m => foldedTableComment.StartsWith(m, StringComparison.Ordinal))
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
                table.Edges.Add((new JoinEdge(table, target, fk.Columns, fk.ReferencedColumns, ManyToOne: true, fk.Inferred), target));
                if (!ReferenceEquals(target, table))
                    target.Edges.Add((new JoinEdge(target, table, fk.ReferencedColumns, fk.Columns, ManyToOne: false, fk.Inferred), table));
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
        // What comments call a table ("Customer accounts (shippers, clients) ...") and what codes mean ("dlv (delivered)"),
        // only where no identifier already says it.
        var identified = Schema.Keys.ToHashSet();
        foreach (var table in Tables) IndexComments(table, identified);
        foreach (var table in Tables) IndexDefinedMeasures(table);
        foreach (var table in Tables) IndexOtherNames(table);
        var spelled = Schema.Keys.ToHashSet();
        foreach (var table in Tables) IndexCommentVerbs(table, spelled);
        // Comment words come last and only where no table or column is named that way: a comment saying
        // "number of visitors per city" must not make "city" mean the visitors column.
        var named = Schema.Keys.ToHashSet();
        foreach (var column in Tables.SelectMany(t => t.Columns).Where(c => c.IsMeasure))
            foreach (var word in column.CommentStems.Where(w => w.Length > 3 && !GenericWords.Contains(w) && !Lexicon.Cues.ContainsKey(w) && !named.Contains(w)))
                AddSchema([word], new SchemaRef(column.Table, column, 0.35));
    }

    /// <summary>Identifier words as written ("actv") that no comment explained: a question word they abbreviate may still mean them.</summary>
    public Dictionary<string, List<SchemaRef>> Unexplained { get; } = new(StringComparer.Ordinal);

    private void IndexComments(TableNode table, HashSet<string> identified)
    {
        if (table.Info.Comment is { } comment)
        {
            // The comment's first clause names the rows: its leading words, then synonyms in parentheses.
            var clause = comment.Split(['.', ':', ';'], 2)[0];
            var open = clause.IndexOf('(', StringComparison.Ordinal);
            var lead = TextNormalizer.Words(open >= 0 ? clause[..open] : clause).TakeWhile(w => !Lexicon.Stopwords.Contains(w) && !Lexicon.Cues.ContainsKey(w)).ToList();
            // "Member loans" where members is a table of its own: "members loaned" must keep meaning the members.
            if (lead.Count is > 0 and <= 3 && !(lead.Count > 1 && identified.Contains(TextNormalizer.Stem(lead[0]))))
            {
                AddAlias(lead.Select(TextNormalizer.Stem).ToList(), new SchemaRef(table, null, 1.0));
                foreach (var word in lead.Where(w => w.Length > 3))
                    AddAlias([TextNormalizer.Stem(word)], new SchemaRef(table, null, word == lead[^1] ? 0.8 : 0.6));
            }
            if (open >= 0 && clause.IndexOf(')', open) is var close and > 0)
                foreach (var synonym in clause[(open + 1)..close].Split([',', '/']))
                {
                    var stems = TextNormalizer.Words(synonym).Where(w => !Lexicon.Stopwords.Contains(w)).Select(TextNormalizer.Stem).ToList();
                    if (stems.Count is > 0 and <= 3) AddAlias(stems, new SchemaRef(table, null, 0.8));
                }
        }
        foreach (var column in table.Columns)
        {
            // A column's comment often starts with what it is ("Transport mode: road, rail"): that phrase names it.
            if (column.Info.Comment is { } leadComment && (!column.IsKey || column.Info.DistinctValues is not null))
            {
                var lead = TextNormalizer.Words(leadComment.Split(['.', ':', ';', ',', '('], 2)[0]);
                if (lead.Count is > 1 and <= 3 && lead.All(w => !Lexicon.Stopwords.Contains(w) && !Lexicon.Cues.ContainsKey(w)))
                    AddAlias(lead.Select(TextNormalizer.Stem).ToList(), new SchemaRef(table, column, 1.0));
            }
            if (column.Info.DistinctValues is { } values && column.Info.Comment is { } columnComment)
            {
                // "dlv (delivered)", "A = active": the words after a code say what it means.
                var folded = TextNormalizer.Fold(columnComment);
                foreach (var value in values)
                {
                    var code = TextNormalizer.Fold(value);
                    if (code.Length == 0) continue;
                    // Every mention counts: a glossary term adds "cancelled (void)" after the comment's own "cancelled (order withdrawn)".
                    foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(folded, $@"(?<![\w]){System.Text.RegularExpressions.Regex.Escape(code)}\s*(?:\(([^)]*)\)|=\s*([^,;.)]*))"))
                    {
                        var meaning = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
                        var words = TextNormalizer.Words(meaning).Where(w => !Lexicon.Stopwords.Contains(w)).ToList();
                        if (words.Count is 0 or > 3) continue;
                        foreach (var key in new[] { TextNormalizer.Phrase(words), TextNormalizer.Phrase(words.Select(TextNormalizer.Stem)) }.Distinct())
                        {
                            if (identified.Contains(key) || Lexicon.Cues.ContainsKey(key)) continue;
                            if (!Values.TryGetValue(key, out var list)) Values[key] = list = [];
                            if (!list.Any(r => r.Column == column && r.Value == value)) list.Add(new ValueRef(column, value));
                            MaxValueWords = Math.Max(MaxValueWords, words.Count);
                        }
                    }
                }
            }
            foreach (var (raw, read) in column.RawStems.Zip(column.NameStems))
                if (raw == read && raw.Length >= 3 && !GenericWords.Contains(raw) && !column.CommentStems.Contains(raw) && !column.IsKey)
                {
                    if (!Unexplained.TryGetValue(raw, out var list)) Unexplained[raw] = list = [];
                    list.Add(new SchemaRef(table, column, 0.6));
                }
        }

        void AddAlias(List<string> stems, SchemaRef reference)
        {
            var key = TextNormalizer.Phrase(stems);
            // A word the lexicon already translates ("client" → customer) still names a table whose comment says so:
            // "Client accounts (buyers, shippers)" is what "clients" means here when no identifier says it.
            if (identified.Contains(key) || Lexicon.Cues.ContainsKey(key) || stems.All(GenericWords.Contains)) return;
            if (reference.Column is not null && Lexicon.Synonyms.ContainsKey(key)) return;
            AddSchema(stems, reference);
        }
    }

    /// <summary>Score of a measure a comment defines ("Sales or revenue is SUM(net_amount)"): as strong as a column's own name.</summary>
    public const double DefinedMeasureScore = 1.0;

    /// <summary>The aggregate a comment gives a measure it defines ("... is SUM(net_amount)"), by column.</summary>
    public Dictionary<ColumnNode, Aggregate> DefinedAggregates { get; } = [];

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:^|[.;:!?]\s)\s*([^.;:!?()=]{1,60}?)\s+(?:is|are|=|equals|est|sont|egal a|egale a)\s+(sum|avg|average|count|min|max|somme|moyenne)\s*\(\s*(?:distinct\s+)?([a-z_][a-z0-9_.]*)\s*\)", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex MeasureDefinition();

    /// <summary>
    /// What a comment says a measure is called: "Sales or revenue is SUM(net_amount)", "Revenue = SUM(net_amount)",
    /// "le chiffre d'affaires est SUM(montant)". Each name (split on commas and "or") then means that column, with the
    /// aggregate the comment gives. The table's or the column's own comment, about a column of the same table (or one
    /// it names as schema.table.column).
    /// </summary>
    private void IndexDefinedMeasures(TableNode table)
    {
        var comments = table.Columns.Select(c => c.Info.Comment).Prepend(table.Info.Comment).OfType<string>();
        foreach (var comment in comments)
            foreach (System.Text.RegularExpressions.Match match in MeasureDefinition().Matches(TextNormalizer.Fold(comment)))
            {
                var path = match.Groups[3].Value.Split('.');
                var owner = path.Length == 3 ? Table($"{path[0]}.{path[1]}") : table;
                var column = owner?.Columns.FirstOrDefault(c => string.Equals(c.Name, path[^1], StringComparison.OrdinalIgnoreCase));
                if (column is null || !(column.IsMeasure || column.IsCountLike)) continue;
                DefinedAggregates[column] = match.Groups[2].Value switch
                {
                    "sum" or "somme" => Aggregate.Sum,
                    "avg" or "average" or "moyenne" => Aggregate.Average,
                    "count" => Aggregate.Count,
                    "min" => Aggregate.Min,
                    _ => Aggregate.Max,
                };
                foreach (var name in System.Text.RegularExpressions.Regex.Split(match.Groups[1].Value, @",|/|\bor\b|\bou\b"))
                {
                    var words = TextNormalizer.Words(name.Replace('\'', ' '));
                    // The name without its article ("the revenue", "le chiffre d'affaires").
                    while (words.Count > 0 && Lexicon.Stopwords.Contains(words[0])) words.RemoveAt(0);
                    while (words.Count > 0 && Lexicon.Stopwords.Contains(words[^1])) words.RemoveAt(words.Count - 1);
                    if (words.Count is 0 or > 3 || words.All(GenericWords.Contains) || Lexicon.Cues.ContainsKey(TextNormalizer.Phrase(words))) continue;
                    AddSchema(words.Select(TextNormalizer.Stem).ToList(), new SchemaRef(column.Table, column, DefinedMeasureScore));
                }
            }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:^|[.;:!?]\s)\s*(?:also called|also known as|known as|aussi appele|aussi appelee)\s+([^.;:!?()=]{1,120})", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex OtherNames();

    /// <summary>
    /// What a comment says a column or table is also called ("Net amount. Also called turnover, CA."; a source's glossary
    /// writes its column meanings this way, Knowledge/GlossaryAnnotation): each name means that column or table, as
    /// strongly as its own name, even where an identifier is spelled that way (the glossary is what the business says).
    /// </summary>
    private void IndexOtherNames(TableNode table)
    {
        IEnumerable<(ColumnNode? Column, string? Comment)> comments = table.Columns.Select(c => ((ColumnNode?)c, c.Info.Comment)).Prepend((null, table.Info.Comment));
        foreach (var (column, comment) in comments)
        {
            if (comment is null) continue;
            foreach (System.Text.RegularExpressions.Match match in OtherNames().Matches(TextNormalizer.Fold(comment)))
                foreach (var name in System.Text.RegularExpressions.Regex.Split(match.Groups[1].Value, @",|/|\bor\b|\bou\b"))
                {
                    var words = TextNormalizer.Words(name.Replace('\'', ' '));
                    while (words.Count > 0 && Lexicon.Stopwords.Contains(words[0])) words.RemoveAt(0);
                    while (words.Count > 0 && Lexicon.Stopwords.Contains(words[^1])) words.RemoveAt(words.Count - 1);
                    if (words.Count is 0 or > 3 || words.All(GenericWords.Contains) || Lexicon.Cues.ContainsKey(TextNormalizer.Phrase(words))) continue;
                    AddSchema(words.Select(TextNormalizer.Stem).ToList(), new SchemaRef(table, column, DefinedMeasureScore));
                }
        }
    }

    /// <summary>
    /// The verbs a table's comment uses of its rows ("Products sold", "Registered customers"): a question asking what
    /// "we sell" or who "registered" speaks of that table. Weak context only, where nothing is named that way.
    /// </summary>
    private void IndexCommentVerbs(TableNode table, HashSet<string> spelled)
    {
        if (table.Info.Comment is not { } comment) return;
        foreach (var word in TextNormalizer.Words(comment).Where(TextNormalizer.IsPastForm).Distinct())
        {
            var stem = TextNormalizer.Stem(word);
            if (Lexicon.Stopwords.Contains(word) || Lexicon.Cues.ContainsKey(word) || Lexicon.Cues.ContainsKey(stem) || spelled.Contains(stem) || GenericWords.Contains(stem)) continue;
            AddSchema([stem], new SchemaRef(table, null, ContextScore));
        }
    }

    private static IReadOnlyList<string> CommentWords(string? comment) => comment is null ? [] : TextNormalizer.Words(comment);

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
                // "warehouse country" for the warehouses' country code: the qualifier without its generic suffix.
                // Not for dates or cue words: "member joins per year" counts members, "members last year" is a period.
                if (meaningful.Count > 0 && meaningful.Count < column.NameStems.Count && !column.IsDate && !meaningful.Any(Lexicon.Cues.ContainsKey))
                    AddSchema([.. tableStems, .. meaningful], new SchemaRef(table, column, QualifiedScore));
                // "by type" for a column read "type code": a dimension named only by generic words.
                if (meaningful.Count == 0 && column.IsDimension && !column.IsKey && column.NameStems.Count > 1 && column.NameStems[0] != "name")
                    AddSchema([column.NameStems[0]], new SchemaRef(table, column, 0.6));
                if (column.NameStems.Count > 1 && !column.IsKey)
                    foreach (var word in meaningful.Distinct())
                        AddSchema([word], new SchemaRef(table, column, 0.55));
            }
            if (column.Info.DistinctValues is { } values)
                foreach (var value in values) AddValue(column, value);
            // The identifier as written stays findable ("frt amt"), a little below its reading.
            if (!column.RawStems.SequenceEqual(column.NameStems) && (!column.IsKey || column.Info.DistinctValues is not null))
                AddSchema(column.RawStems, new SchemaRef(table, column, 0.9));
        }
        var rawTableStems = table.RawWords.Select(TextNormalizer.Stem).ToList();
        if (!rawTableStems.SequenceEqual(tableStems)) AddSchema(rawTableStems, new SchemaRef(table, null, 0.9));
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
        if (words.Count == 1 && (Lexicon.Stopwords.Contains(words[0]) || Lexicon.Cues.ContainsKey(words[0]) || words[0].Length < 2))
        {
            // A code that is also a function word ("NO" for Norway) is only reachable through a lexicon synonym.
            if (words[0].Length >= 2) AddValueKey(SynonymOnlyPrefix + words[0], column, value);
            return;
        }
        foreach (var key in new[] { TextNormalizer.Phrase(words), TextNormalizer.Phrase(words.Select(TextNormalizer.Stem)) }.Distinct())
        {
            if (!Values.TryGetValue(key, out var list)) Values[key] = list = [];
            if (!list.Any(r => r.Column == column && r.Value == value)) list.Add(new ValueRef(column, value));
        }
        MaxValueWords = Math.Max(MaxValueWords, words.Count);
    }

    /// <summary>Prefix of value keys no question token can produce: values reachable only as a synonym's translation.</summary>
    public const string SynonymOnlyPrefix = "=";

    private void AddValueKey(string key, ColumnNode column, string value)
    {
        if (!Values.TryGetValue(key, out var list)) Values[key] = list = [];
        if (!list.Any(r => r.Column == column && r.Value == value)) list.Add(new ValueRef(column, value));
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

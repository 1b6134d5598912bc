using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Core.Retrieval;

/// <summary>Where in a table's text a word was found; drives both the weight and the reason shown to the user.</summary>
[Flags]
internal enum Field : byte
{
    None = 0,
    TableName = 1,
    SchemaName = 2,
    TableComment = 4,
    ColumnName = 8,
    ColumnComment = 16,
    Description = 32,
}

/// <summary>One table containing a term: its weighted frequency, where it was found and the first column it was found in (-1: not in a column).</summary>
internal readonly record struct Posting(int Table, float Frequency, Field Fields, int Column);

/// <summary>A value of the value index: its words (stemmed), where it lives, and in how many tables it occurs.</summary>
internal sealed record IndexedValue(string[] Stems, int Table, int Column, string Value)
{
    public int Spread { get; set; } = 1;
}

/// <summary>
/// Everything a query needs, computed once per catalog: an inverted index of stemmed words over table
/// names, column names, comments and descriptions (for BM25), the value index keyed by first word, and
/// the foreign-key graph. Immutable after construction, so queries run concurrently without locks.
/// </summary>
internal sealed class RetrievalIndex
{
    private static readonly Dictionary<Field, float> Weights = new()
    {
        [Field.TableName] = 3.0f,
        [Field.SchemaName] = 0.5f,
        [Field.TableComment] = 1.2f,
        [Field.ColumnName] = 1.0f,
        [Field.ColumnComment] = 0.6f,
        [Field.Description] = 2.0f,
    };

    public DatabaseCatalog Catalog { get; }
    public IReadOnlyList<TableInfo> Tables { get; }
    public IReadOnlyList<string?> TableDescriptions { get; }
    public float[] Lengths { get; }
    public float AverageLength { get; }
    public Dictionary<string, Posting[]> Postings { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<IndexedValue>> ValuesByFirstStem { get; } = new(StringComparer.Ordinal);

    /// <summary>Undirected foreign-key neighbours; <see cref="References"/> tells the direction for reasons.</summary>
    public int[][] Neighbours { get; }
    public HashSet<(int From, int To)> References { get; } = [];

    /// <summary>Whether each table has a date-like column (a type or a name such as release_year).</summary>
    public bool[] HasTemporalColumn { get; }

    /// <summary>The text an embedding model sees for each table.</summary>
    public string[] EmbeddingTexts { get; }

    private readonly Lock _embeddingGate = new();
    private (IEmbeddingProvider Provider, Task<float[][]> Vectors)? _embeddings;

    public RetrievalIndex(DatabaseCatalog catalog, IReadOnlyDictionary<string, string>? descriptions)
    {
        Catalog = catalog;
        Tables = catalog.Tables;
        var count = Tables.Count;
        Lengths = new float[count];
        EmbeddingTexts = new string[count];
        var tableDescriptions = new string?[count];
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var terms = new Dictionary<string, List<Posting>>(StringComparer.Ordinal);
        var perTable = new Dictionary<string, Posting>(StringComparer.Ordinal);

        for (var t = 0; t < count; t++)
        {
            var table = Tables[t];
            byName[table.QualifiedName] = t;
            perTable.Clear();
            var length = 0f;
            tableDescriptions[t] = descriptions?.GetValueOrDefault(table.QualifiedName);

            length += AddIdentifier(perTable, t, table.Name, Field.TableName, -1);
            length += AddIdentifier(perTable, t, table.Schema, Field.SchemaName, -1);
            length += AddText(perTable, t, table.Comment, Field.TableComment, -1);
            length += AddText(perTable, t, tableDescriptions[t], Field.Description, -1);
            for (var c = 0; c < table.Columns.Count; c++)
            {
                var column = table.Columns[c];
                length += AddIdentifier(perTable, t, column.Name, Field.ColumnName, c);
                length += AddText(perTable, t, column.Comment, Field.ColumnComment, c);
                var columnDescription = descriptions?.GetValueOrDefault($"{table.QualifiedName}.{column.Name}");
                if (columnDescription is not null)
                    length += AddText(perTable, t, columnDescription, Field.Description, c) / 3;
                AddValues(t, c, column.DistinctValues);
            }
            Lengths[t] = Math.Max(length, 1f);
            foreach (var (term, posting) in perTable)
            {
                if (!terms.TryGetValue(term, out var list))
                    terms[term] = list = [];
                list.Add(posting);
            }
            EmbeddingTexts[t] = EmbeddingText(table, tableDescriptions[t]);
        }

        TableDescriptions = tableDescriptions;
        HasTemporalColumn = [.. Tables.Select(t => t.Columns.Any(Lexicon.IsTemporalColumn))];
        AverageLength = count == 0 ? 1f : Lengths.Average();
        foreach (var (term, list) in terms)
            Postings[term] = [.. list];

        // A value held by many tables (a shared status code) says little about which one is meant.
        foreach (var group in ValuesByFirstStem.Values.SelectMany(v => v).GroupBy(v => string.Join(' ', v.Stems), StringComparer.Ordinal))
        {
            var spread = group.Select(v => v.Table).Distinct().Count();
            foreach (var value in group)
                value.Spread = spread;
        }

        var neighbours = new HashSet<int>[count];
        for (var t = 0; t < count; t++)
            neighbours[t] = [];
        for (var t = 0; t < count; t++)
        {
            foreach (var key in Tables[t].ForeignKeys)
            {
                if (!byName.TryGetValue(key.ReferencedQualifiedName, out var target) || target == t)
                    continue;
                neighbours[t].Add(target);
                neighbours[target].Add(t);
                References.Add((t, target));
            }
        }
        Neighbours = [.. neighbours.Select(n => n.Order().ToArray())];
        TableIndex = byName;
    }

    public Dictionary<string, int> TableIndex { get; }

    /// <summary>The posting for <paramref name="term"/> in <paramref name="table"/>, if any (postings are sorted by table).</summary>
    public Posting? Find(string term, int table)
    {
        if (!Postings.TryGetValue(term, out var postings))
            return null;
        int low = 0, high = postings.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var at = postings[mid].Table;
            if (at == table)
                return postings[mid];
            if (at < table)
                low = mid + 1;
            else
                high = mid - 1;
        }
        return null;
    }

    /// <summary>Table vectors from one provider, computed once and shared; a failed attempt is forgotten so the next query retries.</summary>
    public Task<float[][]> EmbeddingsAsync(IEmbeddingProvider provider, CancellationToken cancellationToken)
    {
        lock (_embeddingGate)
        {
            if (_embeddings is { } existing && ReferenceEquals(existing.Provider, provider) && !existing.Vectors.IsFaulted && !existing.Vectors.IsCanceled)
                return existing.Vectors.WaitAsync(cancellationToken);
            var vectors = EmbedTablesAsync(provider, cancellationToken);
            _embeddings = (provider, vectors);
            return vectors;
        }
    }

    private async Task<float[][]> EmbedTablesAsync(IEmbeddingProvider provider, CancellationToken cancellationToken)
    {
        var embedded = await provider.EmbedAsync(EmbeddingTexts, cancellationToken);
        if (embedded.Count != EmbeddingTexts.Length)
            throw new InvalidOperationException($"The embedding provider returned {embedded.Count} vectors for {EmbeddingTexts.Length} tables.");
        return [.. embedded.Select(Normalize)];
    }

    public static float[] Normalize(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return norm == 0 ? vector : [.. vector.Select(v => v / norm)];
    }

    private float AddIdentifier(Dictionary<string, Posting> perTable, int table, string identifier, Field field, int column)
    {
        var words = Lexicon.Words(identifier);
        var added = 0f;
        foreach (var word in words)
            added += Add(perTable, table, Lexicon.Stem(word), field, column, 1f);
        // "birth_date" should also meet "birthdate", and "signup" meet "sign up".
        for (var i = 0; i + 1 < words.Count; i++)
            Add(perTable, table, Lexicon.Stem(words[i] + words[i + 1]), field, column, 0.7f);
        return added;
    }

    private float AddText(Dictionary<string, Posting> perTable, int table, string? text, Field field, int column)
    {
        var added = 0f;
        foreach (var word in Lexicon.Words(text))
        {
            if (!Lexicon.IsStopWord(word))
                added += Add(perTable, table, Lexicon.Stem(word), field, column, 1f);
        }
        return added;
    }

    private static float Add(Dictionary<string, Posting> perTable, int table, string stem, Field field, int column, float factor)
    {
        if (stem.Length == 0)
            return 0;
        var weight = Weights[field] * factor;
        if (perTable.TryGetValue(stem, out var existing))
        {
            // The column named in the reason: the first whose name holds the word, else the first whose comment does.
            var keepColumn = existing.Column < 0 || (field == Field.ColumnName && (existing.Fields & Field.ColumnName) == 0) ? column : existing.Column;
            perTable[stem] = existing with { Frequency = existing.Frequency + weight, Fields = existing.Fields | field, Column = keepColumn };
        }
        else
        {
            perTable[stem] = new Posting(table, weight, field, column);
        }
        return weight;
    }

    private void AddValues(int table, int column, IReadOnlyList<string>? values)
    {
        if (values is null)
            return;
        foreach (var value in values)
        {
            var words = Lexicon.Words(value);
            if (words.Count == 0 || words.Count > 8)
                continue;
            // A one-word value that is a stop word ("no", "all") or a lone letter would match half of all questions.
            if (words.Count == 1 && (words[0].Length < 2 || Lexicon.IsStopWord(words[0]) || (words[0].All(char.IsDigit) && words[0].Length < 3)))
                continue;
            var stems = words.Select(Lexicon.Stem).ToArray();
            if (!ValuesByFirstStem.TryGetValue(stems[0], out var list))
                ValuesByFirstStem[stems[0]] = list = [];
            list.Add(new IndexedValue(stems, table, column, value));
        }
    }

    private static string EmbeddingText(TableInfo table, string? description)
    {
        var text = new System.Text.StringBuilder();
        text.Append(table.QualifiedName);
        if (!string.IsNullOrWhiteSpace(table.Comment))
            text.Append(": ").Append(table.Comment);
        if (!string.IsNullOrWhiteSpace(description))
            text.Append(". ").Append(description);
        text.Append(". Columns: ");
        foreach (var column in table.Columns)
        {
            text.Append(column.Name);
            if (!string.IsNullOrWhiteSpace(column.Comment))
                text.Append(" (").Append(column.Comment).Append(')');
            text.Append(", ");
            if (text.Length > 2000)
                break;
        }
        return text.ToString();
    }
}

namespace NlAnalytics.Core.Catalog;

/// <summary>A point-in-time description of one data source: its tables, columns, keys, comments and value index.</summary>
public sealed record DatabaseCatalog(string DataSource, IReadOnlyList<TableInfo> Tables, DateTimeOffset LoadedAt)
{
    /// <summary>Inferred join keys an Admin rejected: not in <see cref="TableInfo.ForeignKeys"/>, listed so the decision can be taken back.</summary>
    public IReadOnlyList<RejectedJoinKey> RejectedJoinKeys { get; init; } = [];

    // Built on first use for the list it indexes: a copy made with `with { Tables = ... }` must not reuse the original's.
    private (IReadOnlyList<TableInfo> Tables, Dictionary<string, TableInfo> ByName)? _index;

    /// <summary>Finds a table by "schema.name" (case-insensitive).</summary>
    public TableInfo? Find(string qualifiedName)
    {
        var index = _index;
        if (index is null || !ReferenceEquals(index.Value.Tables, Tables))
            _index = index = (Tables, Tables.ToDictionary(t => t.QualifiedName, StringComparer.OrdinalIgnoreCase));
        return index.Value.ByName.GetValueOrDefault(qualifiedName);
    }
}

public enum TableKind { Table, View, MaterializedView, ForeignTable, PartitionedTable }

public sealed record TableInfo(
    string Schema,
    string Name,
    TableKind Kind,
    string? Comment,
    long RowEstimate,
    IReadOnlyList<ColumnInfo> Columns,
    IReadOnlyList<ForeignKeyInfo> ForeignKeys)
{
    public string QualifiedName => $"{Schema}.{Name}";

    public IEnumerable<ColumnInfo> PrimaryKey => Columns.Where(c => c.IsPrimaryKey);

    public ColumnInfo? Column(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// A column. <see cref="DistinctValues"/> is the value index: for low-cardinality text columns,
/// every distinct value (so "HEC" or "Lausanne" can be mapped back to a column); null otherwise.
/// </summary>
public sealed record ColumnInfo(
    string Name,
    string DataType,
    bool IsNullable,
    bool IsPrimaryKey,
    string? Comment,
    IReadOnlyList<string>? DistinctValues = null)
{
    public bool IsNumeric => DataType is "smallint" or "integer" or "bigint" or "numeric" or "real" or "double precision" or "money"
        || DataType.StartsWith("numeric", StringComparison.Ordinal);

    public bool IsTemporal => DataType is "date" or "timestamp without time zone" or "timestamp with time zone"
        || DataType.StartsWith("timestamp", StringComparison.Ordinal);

    public bool IsText => DataType is "text" or "character varying" or "character" or "citext"
        || DataType.StartsWith("character", StringComparison.Ordinal) || DataType.StartsWith("varchar", StringComparison.Ordinal);

    public bool IsBoolean => DataType == "boolean";
}

/// <summary>
/// A foreign key. <see cref="Inferred"/>: not declared in the database but inferred from names and types and
/// confirmed on a sample of values (<see cref="JoinKeyInference"/>); <see cref="ConfirmedBy"/> names the Admin who
/// confirmed an inferred key, null while nobody has.
/// </summary>
public sealed record ForeignKeyInfo(
    string Name,
    IReadOnlyList<string> Columns,
    string ReferencedSchema,
    string ReferencedTable,
    IReadOnlyList<string> ReferencedColumns,
    bool Inferred = false,
    string? ConfirmedBy = null)
{
    public string ReferencedQualifiedName => $"{ReferencedSchema}.{ReferencedTable}";

    /// <summary>"schema.table.column" of a single-column key's two ends, as join-key decisions store them.</summary>
    public (string From, string To) Ends(TableInfo table) =>
        ($"{table.QualifiedName}.{string.Join(",", Columns)}", $"{ReferencedQualifiedName}.{string.Join(",", ReferencedColumns)}");
}

/// <summary>An inferred key of <see cref="Table"/> ("schema.name") that <see cref="RejectedBy"/> rejected.</summary>
public sealed record RejectedJoinKey(string Table, ForeignKeyInfo Key, string RejectedBy);

namespace NlAnalytics.Core.Catalog;

/// <summary>A point-in-time description of one data source: its tables, columns, keys, comments and value index.</summary>
public sealed record DatabaseCatalog(string DataSource, IReadOnlyList<TableInfo> Tables, DateTimeOffset LoadedAt)
{
    private Dictionary<string, TableInfo>? _byName;

    /// <summary>Finds a table by "schema.name" (case-insensitive).</summary>
    public TableInfo? Find(string qualifiedName)
    {
        _byName ??= Tables.ToDictionary(t => t.QualifiedName, StringComparer.OrdinalIgnoreCase);
        return _byName.GetValueOrDefault(qualifiedName);
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

public sealed record ForeignKeyInfo(
    string Name,
    IReadOnlyList<string> Columns,
    string ReferencedSchema,
    string ReferencedTable,
    IReadOnlyList<string> ReferencedColumns)
{
    public string ReferencedQualifiedName => $"{ReferencedSchema}.{ReferencedTable}";
}

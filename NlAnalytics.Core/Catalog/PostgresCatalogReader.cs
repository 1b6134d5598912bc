using System.Data;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using Npgsql;

namespace NlAnalytics.Core.Catalog;

/// <summary>A catalog together with what reading it cost.</summary>
public sealed record CatalogReadResult(DatabaseCatalog Catalog, int QueryCount, TimeSpan Elapsed);

/// <summary>
/// Reads a PostgreSQL database's structure into a <see cref="DatabaseCatalog"/> with a fixed number of
/// catalog queries (relations, columns, keys, statistics, and one bounded read of small lookup tables),
/// whatever the number of tables: one query per table would take minutes on a warehouse with thousands.
/// </summary>
public sealed partial class PostgresCatalogReader(IOptions<CatalogOptions> options, TimeProvider time, ILogger<PostgresCatalogReader> logger)
{
    private readonly CatalogOptions _options = options.Value;

    // Every query starts from the same set of relations, so they all agree on what is in scope.
    // Partitions are folded into their parent, extension-owned tables are not the user's data.
    private const string Relations = """
        WITH rel AS (
            SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
              AND NOT c.relispartition
              AND CASE WHEN cardinality(@schemas) > 0 THEN n.nspname = ANY(@schemas)
                       ELSE n.nspname NOT IN ('pg_catalog', 'information_schema')
                            AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%' END
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                              WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid AND dep.deptype = 'e'))
        """;

    // reltuples is -1 until the first ANALYZE; the live-tuple counter is a count-free fallback.
    // A partitioned parent has no rows of its own: its estimate is the sum over its leaves.
    private const string RelationsQuery = Relations + """
        SELECT r.oid, r.nspname, r.relname, r.relkind::text, d.description,
               (CASE WHEN r.relkind = 'p' THEN coalesce((
                         SELECT sum(CASE WHEN p.reltuples >= 0 THEN p.reltuples ELSE greatest(pg_catalog.pg_stat_get_live_tuples(p.oid), 0) END)
                         FROM pg_catalog.pg_partition_tree(r.oid) t JOIN pg_catalog.pg_class p ON p.oid = t.relid
                         WHERE t.isleaf), 0)
                     WHEN r.reltuples >= 0 THEN r.reltuples
                     ELSE greatest(pg_catalog.pg_stat_get_live_tuples(r.oid), 0) END)::bigint,
               pg_catalog.has_table_privilege(r.oid, 'SELECT')
        FROM rel r
        LEFT JOIN pg_catalog.pg_description d
               ON d.objoid = r.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
        """;

    private const string ColumnsQuery = Relations + """
        SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, d.description,
               t.typcategory = 'S',
               CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                                    WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END
        FROM rel r
        JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_catalog.pg_description d
               ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
        ORDER BY a.attrelid, a.attnum
        """;

    // conparentid = 0 drops the per-partition clones PostgreSQL makes of a partitioned table's keys.
    private const string ConstraintsQuery = Relations + """
        SELECT con.conrelid, con.conname, con.contype::text,
               ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
               fn.nspname, fc.relname,
               ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
        FROM pg_catalog.pg_constraint con
        JOIN rel r ON r.oid = con.conrelid
        LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
        LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
        WHERE con.contype IN ('p', 'f') AND con.conparentid = 0
        ORDER BY con.conrelid, con.conname
        """;

    // Only string columns with a most-common-values list; the list is the column's full set of values
    // when its frequencies (plus NULLs) add up to all rows.
    private const string StatisticsQuery = Relations + """
        SELECT r.oid, s.attname::text, s.null_frac, s.n_distinct, s.most_common_vals::text::text[], s.most_common_freqs
        FROM rel r
        JOIN pg_catalog.pg_stats s ON s.schemaname = r.nspname AND s.tablename = r.relname AND s.inherited = (r.relkind = 'p')
        JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attname = s.attname
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE t.typcategory = 'S' AND s.most_common_vals IS NOT NULL
        """;

    /// <summary>Values longer than this are prose, not codes or names an analyst would type.</summary>
    private const int MaxValueLength = 80;

    public async Task<DatabaseCatalog> ReadAsync(DataSource source, CancellationToken cancellationToken) =>
        (await ReadWithStatisticsAsync(source, cancellationToken)).Catalog;

    public async Task<CatalogReadResult> ReadWithStatisticsAsync(DataSource source, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var queries = 0;
        var schemas = source.ExposedSchemas.ToArray();

        var (connection, transaction) = await BeginAsync(source.CatalogConnectionString, cancellationToken);
        await using var _ = connection;
        await using var __ = transaction;

        var relations = new Dictionary<uint, Relation>();
        await using (var command = NewCommand(RelationsQuery, connection, transaction, schemas))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            queries++;
            while (await reader.ReadAsync(cancellationToken))
            {
                var oid = reader.GetFieldValue<uint>(0);
                relations[oid] = new Relation(reader.GetString(1), reader.GetString(2), ToKind(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5), reader.GetBoolean(6));
            }
        }

        await using (var command = NewCommand(ColumnsQuery, connection, transaction, schemas))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            queries++;
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!relations.TryGetValue(reader.GetFieldValue<uint>(0), out var relation))
                    continue;
                var enumLabels = reader.IsDBNull(6) ? null : reader.GetFieldValue<string[]>(6);
                relation.Columns.Add(new ColumnDraft(reader.GetString(1), reader.GetString(2), !reader.GetBoolean(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5))
                {
                    Values = enumLabels is { Length: > 0 } && enumLabels.Length <= _options.MaxDistinctValues ? enumLabels : null,
                });
            }
        }

        await using (var command = NewCommand(ConstraintsQuery, connection, transaction, schemas))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            queries++;
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!relations.TryGetValue(reader.GetFieldValue<uint>(0), out var relation))
                    continue;
                var columns = reader.GetFieldValue<string[]>(3);
                if (reader.GetString(2) == "p")
                {
                    relation.PrimaryKey.UnionWith(columns);
                    continue;
                }
                relation.ForeignKeys.Add(new ForeignKeyInfo(reader.GetString(1), columns, reader.GetString(4), reader.GetString(5),
                    reader.GetFieldValue<string[]>(6)));
            }
        }

        await using (var command = NewCommand(StatisticsQuery, connection, transaction, schemas))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            queries++;
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!relations.TryGetValue(reader.GetFieldValue<uint>(0), out var relation)
                    || relation.Columns.Find(c => c.Name == reader.GetString(1)) is not { } column)
                    continue;
                var values = reader.GetFieldValue<string[]>(4);
                var frequencies = reader.GetFieldValue<float[]>(5);
                if (CoversColumn(reader.GetFloat(2), reader.GetFloat(3), values, frequencies, relation.RowEstimate))
                    column.Values = Clean(values);
            }
        }

        if (await ReadLookupValuesAsync(relations, connection, transaction, cancellationToken))
            queries++;

        var tables = relations.Values
            .Select(r => r.ToTable())
            .OrderBy(t => t.Schema, StringComparer.Ordinal)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        if (_options.InferJoinKeys)
        {
            var readable = relations.Values.Where(r => r.Readable).Select(r => $"{r.Schema}.{r.Name}").ToHashSet(StringComparer.Ordinal);
            var inferred = await InferJoinKeysAsync(tables, readable, connection, transaction, cancellationToken);
            if (inferred is not null)
            {
                queries++;
                tables = [.. tables.Select(t => inferred[t.QualifiedName] is var keys && keys.Any() ? t with { ForeignKeys = [.. t.ForeignKeys, .. keys] } : t)];
            }
        }

        await transaction.RollbackAsync(cancellationToken);

        var catalog = new DatabaseCatalog(source.Name, tables, time.GetUtcNow());
        var elapsed = Stopwatch.GetElapsedTime(started);
        LogRead(logger, source.Name, tables.Count, tables.Sum(t => t.Columns.Count), queries, (long)elapsed.TotalMilliseconds);
        return new CatalogReadResult(catalog, queries, elapsed);
    }

    /// <summary>
    /// ANALYZE keeps no most-common values for a column whose values are all distinct, which is exactly
    /// the shape of lookup tables (a genre per row). Small tables are cheap to read, so their remaining
    /// text columns are read directly, all in one query, each bounded by LIMIT.
    /// </summary>
    private async Task<bool> ReadLookupValuesAsync(Dictionary<uint, Relation> relations, NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (_options.LookupTableMaxRows == 0 || _options.MaxLookupColumns == 0)
            return false;
        var candidates = relations.Values
            .Where(r => r.Readable && r.Kind is TableKind.Table or TableKind.MaterializedView or TableKind.PartitionedTable
                        && r.RowEstimate <= _options.LookupTableMaxRows)
            .OrderBy(r => r.RowEstimate)
            .SelectMany(r => r.Columns.Where(c => c.IsString && c.Values is null).Select(c => (Relation: r, Column: c)))
            .Take(_options.MaxLookupColumns)
            .ToList();
        if (candidates.Count == 0)
            return false;

        var sql = new StringBuilder();
        for (var i = 0; i < candidates.Count; i++)
        {
            var (relation, column) = candidates[i];
            var name = QuoteIdentifier(column.Name);
            if (i > 0)
                sql.Append("\nUNION ALL ");
            sql.Append($"SELECT {i}, ARRAY(SELECT DISTINCT v FROM (SELECT {name}::text AS v FROM {QuoteIdentifier(relation.Schema)}.{QuoteIdentifier(relation.Name)} ")
               .Append($"WHERE {name} IS NOT NULL LIMIT 5000) x ORDER BY v LIMIT {_options.MaxDistinctValues + 1})");
        }

        await using var command = new NpgsqlCommand(sql.ToString(), connection, transaction) { CommandTimeout = _options.CommandTimeoutSeconds };
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var values = reader.GetFieldValue<string[]>(1);
                if (values.Length is > 0 && values.Length <= _options.MaxDistinctValues)
                    candidates[reader.GetInt32(0)].Column.Values = Clean(values);
            }
        }
        catch (PostgresException ex)
        {
            // Column-level privileges or a table dropped in between: the catalog is still useful without these values.
            LogLookupFailed(logger, ex.MessageText);
        }
        return true;
    }

    /// <summary>Join keys the database does not declare, proposed from names and types and kept when a sample of values confirms them; null when there was nothing to check.</summary>
    private async Task<ILookup<string, ForeignKeyInfo>?> InferJoinKeysAsync(List<TableInfo> tables, HashSet<string> readable,
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var candidates = JoinKeyInference.Propose(tables, t => readable.Contains(t.QualifiedName));
        if (candidates.Count == 0)
            return null;
        var confirmed = new List<JoinKeyInference.Candidate>();
        await using var command = new NpgsqlCommand(JoinKeyInference.InclusionSql(candidates), connection, transaction) { CommandTimeout = _options.CommandTimeoutSeconds };
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                if (JoinKeyInference.Confirmed(reader.GetInt64(1), reader.GetInt64(2)))
                    confirmed.Add(candidates[reader.GetInt32(0)]);
        }
        catch (PostgresException ex)
        {
            // Column privileges or a table dropped in between: the catalog is still useful with declared keys only.
            LogInferenceFailed(logger, ex.MessageText);
            return null;
        }
        LogInferred(logger, candidates.Count, confirmed.Count);
        return confirmed.ToLookup(c => c.Table.QualifiedName, c => c.ToForeignKey(), StringComparer.Ordinal);
    }

    internal static bool CoversColumn(float nullFraction, float distinct, string[] values, float[] frequencies, long rows)
    {
        if (values.Length == 0)
            return false;
        var distinctCount = distinct >= 0 ? distinct : -distinct * Math.Max(rows, values.Length);
        return frequencies.Sum() + nullFraction >= 0.99f && distinctCount <= values.Length + 0.5;
    }

    private IReadOnlyList<string>? Clean(string[] values)
    {
        var kept = values.Where(v => v.Length is > 0 and <= MaxValueLength)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
        return kept.Length is > 0 && kept.Length <= _options.MaxDistinctValues ? kept : null;
    }

    /// <summary>
    /// One read-only snapshot for all queries, so a table created mid-read cannot appear with no columns. A pooled
    /// connection the server ended (a restart of the source) is met at SET TRANSACTION: the pool is cleared and it is
    /// tried once more, instead of failing the answer that needed the catalog.
    /// </summary>
    private static async Task<(NpgsqlConnection, NpgsqlTransaction)> BeginAsync(string connectionString, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = new NpgsqlConnection(connectionString);
            try
            {
                await connection.OpenAsync(cancellationToken);
                var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
                // Reading a catalog never writes, and the join-key check reads user tables: say so to the server.
                await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
                    await readOnly.ExecuteNonQueryAsync(cancellationToken);
                return (connection, transaction);
            }
            catch (Exception ex) when (attempt == 1 && PooledConnections.IsLost(ex, connection))
            {
                NpgsqlConnection.ClearPool(connection);
                await connection.DisposeAsync();
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    private NpgsqlCommand NewCommand(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, string[] schemas) =>
        new(sql, connection, transaction)
        {
            CommandTimeout = _options.CommandTimeoutSeconds,
            Parameters = { new NpgsqlParameter<string[]>("schemas", schemas) },
        };

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static TableKind ToKind(string relkind) => relkind switch
    {
        "v" => TableKind.View,
        "m" => TableKind.MaterializedView,
        "f" => TableKind.ForeignTable,
        "p" => TableKind.PartitionedTable,
        _ => TableKind.Table,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Read catalog of {DataSource}: {Tables} tables, {Columns} columns, {Queries} queries in {ElapsedMs} ms")]
    private static partial void LogRead(ILogger logger, string dataSource, int tables, int columns, int queries, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check inferred join keys on values: {Reason}")]
    private static partial void LogInferenceFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Join keys inferred from names: {Candidates} candidates, {Confirmed} confirmed by their values")]
    private static partial void LogInferred(ILogger logger, int candidates, int confirmed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read lookup-table values for the value index: {Reason}")]
    private static partial void LogLookupFailed(ILogger logger, string reason);

    private sealed class Relation(string schema, string name, TableKind kind, string? comment, long rowEstimate, bool readable)
    {
        public string Schema { get; } = schema;
        public string Name { get; } = name;
        public TableKind Kind { get; } = kind;
        public long RowEstimate { get; } = rowEstimate;
        public bool Readable { get; } = readable;
        public List<ColumnDraft> Columns { get; } = [];
        public HashSet<string> PrimaryKey { get; } = new(StringComparer.Ordinal);
        public List<ForeignKeyInfo> ForeignKeys { get; } = [];

        public TableInfo ToTable() => new(Schema, Name, Kind, comment, RowEstimate,
            Columns.Select(c => new ColumnInfo(c.Name, c.DataType, c.IsNullable, PrimaryKey.Contains(c.Name), c.Comment, c.Values)).ToList(),
            ForeignKeys);
    }

    private sealed class ColumnDraft(string name, string dataType, bool isNullable, string? comment, bool isString)
    {
        public string Name { get; } = name;
        public string DataType { get; } = dataType;
        public bool IsNullable { get; } = isNullable;
        public string? Comment { get; } = comment;
        public bool IsString { get; } = isString;
        public IReadOnlyList<string>? Values { get; set; }
    }
}

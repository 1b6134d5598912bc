using System.Text.Json;
using Npgsql;

namespace NlAnalytics.Core.Retrieval;

/// <summary>
/// The tables a reference SQL query really reads, taken from PostgreSQL's own plan rather than from
/// parsing SQL: aliases, CTEs and subqueries are already resolved there. Views appear as the tables
/// they read, and joins the planner can prove useless are absent (they were not needed).
/// </summary>
public static class GoldTables
{
    public static async Task<IReadOnlyList<string>> FromExplainAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return await FromExplainAsync(connection, sql, cancellationToken);
    }

    /// <summary>Plans (never runs) <paramref name="sql"/> inside a read-only transaction that is rolled back.</summary>
    public static async Task<IReadOnlyList<string>> FromExplainAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            await using var explain = new NpgsqlCommand($"EXPLAIN (FORMAT JSON, VERBOSE) {sql.Trim().TrimEnd(';')}", connection, transaction);
            var plan = (string)(await explain.ExecuteScalarAsync(cancellationToken))!;
            return await ToPartitionRootsAsync(FromPlan(plan), connection, transaction, cancellationToken);
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
    }

    /// <summary>A plan scans partitions; the catalog lists the partitioned table they belong to.</summary>
    private static async Task<IReadOnlyList<string>> ToPartitionRootsAsync(IReadOnlyList<string> tables, NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (tables.Count == 0)
            return tables;
        const string sql = """
            SELECT coalesce((SELECT rn.nspname || '.' || rc.relname
                             FROM pg_catalog.pg_class rc JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
                             WHERE rc.oid = pg_catalog.pg_partition_root(c.oid)), t.name)
            FROM unnest(@names) AS t(name)
            LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', split_part(t.name, '.', 1), substr(t.name, strpos(t.name, '.') + 1)))
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction) { Parameters = { new NpgsqlParameter<string[]>("names", [.. tables]) } };
        var roots = new SortedSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            roots.Add(reader.GetString(0));
        return [.. roots];
    }

    /// <summary>Every "Schema"."Relation Name" in an EXPLAIN (FORMAT JSON, VERBOSE) document, sorted, once each.</summary>
    public static IReadOnlyList<string> FromPlan(string planJson)
    {
        using var document = JsonDocument.Parse(planJson);
        var tables = new SortedSet<string>(StringComparer.Ordinal);
        Walk(document.RootElement, tables);
        return [.. tables];
    }

    private static void Walk(JsonElement element, SortedSet<string> tables)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (element.TryGetProperty("Relation Name", out var relation))
                {
                    var schema = element.TryGetProperty("Schema", out var s) ? s.GetString() : null;
                    tables.Add(schema is null ? relation.GetString()! : $"{schema}.{relation.GetString()}");
                }
                foreach (var property in element.EnumerateObject())
                    Walk(property.Value, tables);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    Walk(item, tables);
                break;
        }
    }
}

using System.Text.Json;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Core.Evaluation;

/// <summary>
/// The tables a query reads, as PostgreSQL's planner sees them: every "Schema"."Relation Name" in
/// EXPLAIN (VERBOSE, FORMAT JSON). Parsing the SQL text would miss CTE and alias subtleties; the plan
/// cannot. Views appear as their base tables, and relations the planner proves unnecessary are absent.
/// </summary>
public static class PlanRelations
{
    /// <summary>Explains (never runs) <paramref name="sql"/> as the source's query role in a read-only transaction that is rolled back.</summary>
    public static async Task<IReadOnlyList<string>> ReadAsync(DataSource source, string sql, QueryLimits limits, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(source.QueryConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var setup = new NpgsqlCommand(
            $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(int)limits.EffectiveTimeout.TotalMilliseconds}", connection, transaction))
            await setup.ExecuteNonQueryAsync(cancellationToken);

        await using var command = new NpgsqlCommand("EXPLAIN (VERBOSE, FORMAT JSON) " + sql.Trim().TrimEnd(';'), connection, transaction);
        var plan = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.RollbackAsync(cancellationToken);
        return FromPlanJson(plan);
    }

    /// <summary>Extracts qualified relation names from an EXPLAIN (FORMAT JSON) document, sorted and without duplicates.</summary>
    public static IReadOnlyList<string> FromPlanJson(string planJson)
    {
        using var document = JsonDocument.Parse(planJson);
        var relations = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        Walk(document.RootElement, relations);
        return [.. relations];
    }

    private static void Walk(JsonElement element, SortedSet<string> relations)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (element.TryGetProperty("Relation Name", out var relation) && relation.ValueKind == JsonValueKind.String)
                {
                    var schema = element.TryGetProperty("Schema", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                    relations.Add(schema is null ? relation.GetString()! : $"{schema}.{relation.GetString()}");
                }
                foreach (var property in element.EnumerateObject())
                    Walk(property.Value, relations);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    Walk(item, relations);
                break;
        }
    }
}

using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.SemanticKernel;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// What the LLM SQL writer may look up while it writes, as Semantic Kernel functions: columns by word,
/// the distinct values of a column, a few sample rows, and a LIMIT 0 dry run of a draft. Every lookup
/// runs as the data source's read-only role under the same gate and bounds as any analyst query, names
/// only tables and columns the catalog knows, and returns a short text (the model reads it, so it is
/// data, fenced by the writer's prompt rules). One instance per question: it is bound to its source.
/// </summary>
public sealed class CatalogPlugin(DataSource source, DatabaseCatalog catalog, ISqlGate gate, ISqlExecutor executor, QueryLimits limits)
{
    public const string PluginName = "catalog";
    public const int MaxColumnsFound = 25;
    public const int MaxValues = 20;
    public const int MaxSampleRows = 5;
    private const int MaxCellLength = 80;

    [KernelFunction("find_columns")]
    [Description("Finds columns whose table name, column name or comment contains any of the given words. One line per column: schema.table.column, type, comment.")]
    public string FindColumns([Description("One or more words, separated by spaces")] string words)
    {
        var terms = words.Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(t => t.Length >= 2).Select(t => t.ToLowerInvariant()).Distinct().ToList();
        if (terms.Count == 0)
            return "Give at least one word of two letters or more.";
        var found = new StringBuilder();
        var count = 0;
        foreach (var table in catalog.Tables)
            foreach (var column in table.Columns)
            {
                var haystack = $"{table.Name} {column.Name} {column.Comment} {table.Comment}".ToLowerInvariant();
                if (!terms.Any(haystack.Contains) || ++count > MaxColumnsFound)
                    continue;
                found.Append(Qualified(table)).Append('.').Append(SchemaPromptBuilder.Identifier(column.Name)).Append(' ').Append(column.DataType);
                if (!string.IsNullOrWhiteSpace(column.Comment))
                    found.Append(" -- ").Append(Cut(column.Comment));
                found.Append('\n');
            }
        if (count == 0)
            return $"No column matches {string.Join(", ", terms)}.";
        if (count > MaxColumnsFound)
            found.Append(CultureInfo.InvariantCulture, $"({count - MaxColumnsFound} more: use more specific words)\n");
        return found.ToString().TrimEnd();
    }

    [KernelFunction("distinct_values")]
    [Description("The most frequent distinct values of one column (at most 20), with how many rows have each.")]
    public async Task<string> DistinctValuesAsync(
        [Description("The table as schema.table")] string table,
        [Description("The column name")] string column,
        CancellationToken cancellationToken)
    {
        if (Resolve(table, column, out var info, out var col) is { } problem)
            return problem;
        var c = SchemaPromptBuilder.Identifier(col!.Name);
        var sql = $"SELECT {c} AS value, count(*) AS row_count FROM {Qualified(info!)} WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY count(*) DESC, {c} LIMIT {MaxValues}";
        return await RunAsync(sql, MaxValues, cancellationToken);
    }

    [KernelFunction("sample_rows")]
    [Description("A few rows of a table (at most 5), to see what its values look like.")]
    public async Task<string> SampleRowsAsync(
        [Description("The table as schema.table")] string table,
        [Description("How many rows, 1 to 5")] int count,
        CancellationToken cancellationToken)
    {
        if (Resolve(table, null, out var info, out _) is { } problem)
            return problem;
        var rows = Math.Clamp(count, 1, MaxSampleRows);
        return await RunAsync($"SELECT * FROM {Qualified(info!)} LIMIT {rows.ToString(CultureInfo.InvariantCulture)}", rows, cancellationToken);
    }

    [KernelFunction("dry_run")]
    [Description("Checks a draft SELECT without returning rows (LIMIT 0): the columns it would return, or the database's error.")]
    public async Task<string> DryRunAsync([Description("The draft PostgreSQL SELECT")] string sql, CancellationToken cancellationToken)
    {
        if (gate.Check(sql) is { } refused)
            return $"Refused ({refused.Kind}): {refused.UserMessage}";
        try
        {
            var result = await executor.ExecuteAsync(source, SqlReviewerAgent.DryRun(sql), limits with { MaxRows = 1 }, cancellationToken);
            return "OK. Columns: " + string.Join(", ", result.Columns.Select(c => $"{c.Name} ({c.DataType})"));
        }
        catch (SqlExecutionException e) when (!cancellationToken.IsCancellationRequested)
        {
            return $"Error ({e.Failure.Kind}): {SqlReviewerAgent.Unshifted(e.Failure.UserMessage)}";
        }
    }

    /// <summary>The plugin as the kernel sees it.</summary>
    public KernelPlugin AsPlugin() => KernelPluginFactory.CreateFromObject(this, PluginName);

    private string? Resolve(string table, string? column, out TableInfo? info, out ColumnInfo? col)
    {
        info = catalog.Find(table.Trim().Replace("\"", "", StringComparison.Ordinal));
        col = null;
        if (info is null)
            return $"There is no table {table}. Tables are named schema.table, as listed under Tables.";
        if (column is null)
            return null;
        var name = column.Trim().Replace("\"", "", StringComparison.Ordinal);
        col = info.Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        return col is null ? $"{info.QualifiedName} has no column {column}. Its columns: {string.Join(", ", info.Columns.Select(c => c.Name))}." : null;
    }

    private async Task<string> RunAsync(string sql, int maxRows, CancellationToken cancellationToken)
    {
        try
        {
            var result = await executor.ExecuteAsync(source, sql, limits with { MaxRows = maxRows }, cancellationToken);
            if (result.Rows.Count == 0)
                return "No rows.";
            var text = new StringBuilder(string.Join(" | ", result.Columns.Select(c => c.Name))).Append('\n');
            foreach (var row in result.Rows)
                text.Append(string.Join(" | ", row.Select(Cell))).Append('\n');
            return text.ToString().TrimEnd();
        }
        catch (SqlExecutionException e) when (!cancellationToken.IsCancellationRequested)
        {
            return $"Error ({e.Failure.Kind}): {e.Failure.UserMessage}";
        }
    }

    private static string Qualified(TableInfo table) => $"{SchemaPromptBuilder.Identifier(table.Schema)}.{SchemaPromptBuilder.Identifier(table.Name)}";

    private static string Cell(object? value) => value switch
    {
        null or DBNull => "NULL",
        DateTime d => d.ToString(d.TimeOfDay.Ticks == 0 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        _ => Cut(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    private static string Cut(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= MaxCellLength ? line : line[..MaxCellLength] + "...";
    }
}

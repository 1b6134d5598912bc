using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>Finds the committed question sets and runs gold SQL the way the harness does.</summary>
internal static class BenchmarkSets
{
    /// <summary>A file or folder under benchmarks/ ("demo.jsonl", "locked", "locked/demo.jsonl").</summary>
    public static string PathOf(string fileName)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "benchmarks", fileName);
            if (File.Exists(candidate) || Directory.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"benchmarks/{fileName} not found above {AppContext.BaseDirectory}");
    }

    public static Task<EvaluationSet> LoadAsync(string fileName) => EvaluationSet.LoadAsync(PathOf(fileName), CancellationToken.None);

    /// <summary>
    /// Runs every gold query and lists the ones that fail, return no rows, only nulls or a lone zero (a gold
    /// answer of nothing cannot tell a right analyst from a wrong one). Absolute-date questions may be
    /// null once the demo's three years no longer include their period. With <paramref name="today"/> the
    /// gold SQL runs with "today" pinned, as the harness runs it. Unanswerable questions have no gold SQL.
    /// </summary>
    public static async Task<IReadOnlyList<string>> GoldProblemsAsync(EvaluationSet set, DataSource source, DateOnly? today = null)
    {
        var problems = new List<string>();
        await using var sqlExecutor = new SqlExecutor(new SqlGate(), TimeProvider.System, NullLogger<SqlExecutor>.Instance);
        ISqlExecutor executor = today is { } day ? new PinnedDateSqlExecutor(sqlExecutor, day) : sqlExecutor;
        foreach (var item in set.Cases)
        {
            if (item.Sql is not { } sql)
                continue;
            try
            {
                var result = await executor.ExecuteAsync(source, sql, new QueryLimits(5000, TimeSpan.FromSeconds(30)), CancellationToken.None);
                if (result.Rows.Count == 0)
                    problems.Add($"{item.Id} ({item.Question}): no rows");
                else if (result.Rows.All(row => row.All(v => v is null)) && !item.Tags.Contains("absolute-date"))
                    problems.Add($"{item.Id} ({item.Question}): only nulls");
                else if (result.Rows is [[long or decimal or double]] && Convert.ToDouble(result.Rows[0][0], CultureInfo.InvariantCulture) == 0
                    && !item.Tags.Contains("absolute-date"))
                    problems.Add($"{item.Id} ({item.Question}): zero, which usually means a filter value that does not exist");
                else
                {
                    var tables = await PlanRelations.ReadAsync(source, sql, new QueryLimits(), CancellationToken.None);
                    if (tables.Count == 0)
                        problems.Add($"{item.Id} ({item.Question}): reads no table");
                }
            }
            catch (SqlExecutionException e)
            {
                problems.Add($"{item.Id} ({item.Question}): {e.Failure.UserMessage}");
            }
        }
        return problems;
    }
}

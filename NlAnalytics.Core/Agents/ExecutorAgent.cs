using System.Globalization;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Agents;

/// <summary>Runs reviewed SQL as the source's restricted role, bounded by the configured row cap and timeout.</summary>
public sealed class ExecutorAgent(ISqlExecutor executor, IOptions<AnalystOptions> options)
{
    /// <summary>The caller's limits when given, otherwise the Analyst section's.</summary>
    public QueryLimits LimitsFor(QueryLimits? requested) => requested ?? options.Value.Limits;

    /// <summary>Throws <see cref="SqlExecutionException"/> with a user-safe message when the database refuses or fails.</summary>
    public async Task<QueryResult> RunAsync(DataSource source, string sql, QueryLimits limits, AgentTranscript transcript, CancellationToken cancellationToken)
    {
        try
        {
            var result = await executor.ExecuteAsync(source, sql, limits, cancellationToken);
            transcript.Add(AgentNames.Executor, AgentTranscript.Event, string.Create(CultureInfo.InvariantCulture,
                $"{result.Rows.Count:N0} rows, {result.Columns.Count} columns in {result.Elapsed.TotalMilliseconds:0} ms{(result.Truncated ? $" (cut at the row cap of {limits.MaxRows:N0})" : "")}."));
            return result;
        }
        catch (SqlExecutionException e)
        {
            transcript.Add(AgentNames.Executor, AgentTranscript.Event, $"The database refused or failed ({e.Failure.Kind}): {e.Failure.UserMessage}");
            throw;
        }
    }
}

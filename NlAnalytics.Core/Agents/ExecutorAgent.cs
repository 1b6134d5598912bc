using System.Globalization;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Runs reviewed SQL as the source's restricted role, bounded by the configured row cap and timeout; the same
/// SQL on the same source within the source's freshness window is answered from the result cache.
/// </summary>
public sealed class ExecutorAgent(ISqlExecutor executor, IOptions<AnalystOptions> options, ResultCache? cache = null)
{
    /// <summary>The caller's limits when given, otherwise the Analyst section's.</summary>
    public QueryLimits LimitsFor(QueryLimits? requested) => requested ?? options.Value.Limits;

    /// <summary>Throws <see cref="SqlExecutionException"/> with a user-safe message when the database refuses or fails.</summary>
    public async Task<QueryResult> RunAsync(DataSource source, string sql, QueryLimits limits, AgentTranscript transcript, CancellationToken cancellationToken)
    {
        limits = limits.For(source);
        try
        {
            QueryResult result;
            // The query itself (not a cached result) waits on the database: it runs outside the answer's local-work slot,
            // if it has one, and the answer takes the slot again here, outside the cache's factory, which other answers
            // holding their slots may be waiting for.
            var slot = LocalWorkSlots.Current;
            try
            {
                result = cache is null
                    ? await RunQueryAsync(source, sql, limits, cancellationToken)
                    : await cache.GetOrRunAsync(source, sql, limits, token => RunQueryAsync(source, sql, limits, token), cancellationToken);
            }
            finally
            {
                if (slot is not null)
                    await slot.ReenterAsync(cancellationToken);
            }
            var origin = result is { FromCache: true, DataAsOf: { } asOf }
                ? string.Create(CultureInfo.InvariantCulture, $" (from the result cache: read at {asOf:HH:mm:ss} UTC, not run again)")
                : "";
            transcript.Add(AgentNames.Executor, AgentTranscript.Event, string.Create(CultureInfo.InvariantCulture,
                $"{result.Rows.Count:N0} rows, {result.Columns.Count} columns in {result.Elapsed.TotalMilliseconds:0} ms{(result.Truncated ? $" (cut at the row cap of {limits.MaxRows:N0})" : "")}{origin}."));
            return result;
        }
        catch (SqlExecutionException e)
        {
            transcript.Add(AgentNames.Executor, AgentTranscript.Event, $"The database refused or failed ({e.Failure.Kind}): {e.Failure.UserMessage}");
            throw;
        }
    }

    private Task<QueryResult> RunQueryAsync(DataSource source, string sql, QueryLimits limits, CancellationToken cancellationToken)
    {
        LocalWorkSlots.Current?.Leave();
        return executor.ExecuteAsync(source, sql, limits, cancellationToken);
    }
}

using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// Runs SQL an analyst edited (or asked to run again) as a new message of the thread, through the same
/// gate and restricted executor as the agent team, and stores it with <see cref="AnswerPath.Manual"/>.
/// No model is involved: the chart comes from <see cref="ChartAdvisor"/>, the narrative from the result.
/// </summary>
public sealed class ManualQueryRunner(
    ThreadStore store,
    IDataSourceRegistry sources,
    ISqlGate gate,
    ISqlExecutor executor,
    IOptions<AnalystOptions> options,
    TimeProvider clock)
{
    /// <summary>
    /// Saves <paramref name="question"/> as a new message and answers it with <paramref name="sql"/>. The same
    /// <paramref name="clientRequestId"/> sent twice returns the first message instead of running again.
    /// A refused or failing query is stored as a failed message that keeps the SQL, so it can be edited again.
    /// </summary>
    public async Task<MessageView> RunAsync(string userId, Guid threadId, string question, string sql, Guid clientRequestId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        var (message, created) = await store.AddQuestionAsync(userId, threadId, question, clientRequestId, cancellationToken);
        if (!created)
            return (await store.MessageAsync(userId, message.Id, cancellationToken))!;

        var thread = await store.FindAsync(userId, threadId, cancellationToken) ?? throw new KeyNotFoundException("The thread was deleted.");
        var started = clock.GetTimestamp();
        var transcript = new List<TranscriptEntry> { new(AgentNames.Executor, AgentTranscript.Event, "SQL run by hand: " + sql.Trim(), clock.GetUtcNow()) };
        QueryResult? result = null;
        ChartSpec? chart = null;
        var narrative = "";
        SqlFailure? failure;
        try
        {
            var source = sources.Resolve(thread.DataSource);
            failure = gate.Check(sql);
            if (failure is null)
            {
                result = await executor.ExecuteAsync(source, sql, options.Value.Limits, cancellationToken);
                chart = ChartAdvisor.Advise(result, question);
                narrative = ResultNarrative.Describe(result, chart);
            }
        }
        catch (SqlExecutionException e)
        {
            failure = e.Failure;
        }
        catch (KeyNotFoundException e)
        {
            failure = new SqlFailure(SqlFailureKind.Connection, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await store.MarkEndedAsync(message.Id, MessageStatus.Cancelled, "Stopped before it finished.", CancellationToken.None);
            throw;
        }
        if (failure is not null)
        {
            narrative = failure.UserMessage;
            transcript.Add(new(AgentNames.Executor, AgentTranscript.Event, $"Refused or failed ({failure.Kind}): {failure.UserMessage}", clock.GetUtcNow()));
        }

        var answer = new AnalystAnswer(question, question, sql.Trim(), result, chart, narrative, [], transcript, [], AnswerPath.Manual,
            Interpretation: "SQL run as written by the analyst", Error: failure, Elapsed: clock.GetElapsedTime(started));
        // The outcome is saved even when the caller went away: a message must never stay Pending.
        await store.SaveAnswerAsync(userId, message.Id, answer, CancellationToken.None);
        return (await store.MessageAsync(userId, message.Id, CancellationToken.None))!;
    }
}

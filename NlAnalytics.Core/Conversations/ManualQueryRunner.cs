using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// Answers a message with SQL an analyst wrote (or edited, or asked to run again), through the same gate
/// and restricted executor as the agent team; the answer has <see cref="AnswerPath.Manual"/>. No model is
/// involved: the chart comes from <see cref="ChartAdvisor"/>, the narrative from the result. A refused or
/// failing query comes back as a failed answer that keeps the SQL, so it can be edited or run again.
/// </summary>
public sealed class ManualQueryRunner(ISqlGate gate, ISqlExecutor executor, IOptions<AnalystOptions> options, TimeProvider clock)
{
    public const string EditedSummary = "SQL edited by hand, run as written";
    public const string RerunSummary = "SQL run again as written";

    /// <summary>Only cancellation throws; every other failure is in <see cref="AnalystAnswer.Error"/>.</summary>
    public async Task<AnalystAnswer> AnswerAsync(DataSource source, string question, string sql, bool edited, IProgress<AgentProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        var started = clock.GetTimestamp();
        var transcript = new List<TranscriptEntry> { new(AgentNames.Executor, AgentTranscript.Event, "SQL run by hand: " + sql.Trim(), clock.GetUtcNow()) };
        QueryResult? result = null;
        ChartSpec? chart = null;
        var narrative = "";
        SqlFailure? failure;
        try
        {
            progress?.Report(new AgentProgress(AgentStep.Reviewing, "Checking the query"));
            failure = gate.Check(sql);
            if (failure is null)
            {
                progress?.Report(new AgentProgress(AgentStep.Running, "Running the query"));
                // Run as written, never from the result cache: this is also how an analyst asks for fresh data.
                var readAt = clock.GetUtcNow();
                result = await executor.ExecuteAsync(source, sql, options.Value.Limits, cancellationToken) with { DataAsOf = readAt };
                progress?.Report(new AgentProgress(AgentStep.Charting, "Choosing a chart"));
                chart = ChartAdvisor.Advise(result, question);
                narrative = ResultNarrative.Describe(result, chart, sql, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
            }
        }
        catch (SqlExecutionException e) when (!cancellationToken.IsCancellationRequested)
        {
            failure = e.Failure;
        }
        if (failure is not null)
        {
            narrative = failure.UserMessage;
            transcript.Add(new(AgentNames.Executor, AgentTranscript.Event, $"Refused or failed ({failure.Kind}): {failure.UserMessage}", clock.GetUtcNow()));
        }
        progress?.Report(new AgentProgress(failure is null ? AgentStep.Done : AgentStep.Failed, failure is null ? "Done" : failure.UserMessage));
        return new AnalystAnswer(question, question, sql.Trim(), result, chart, narrative, [], transcript, [], AnswerPath.Manual,
            Interpretation: new Interpretation(edited ? EditedSummary : RerunSummary), Error: failure, Elapsed: clock.GetElapsedTime(started),
            TablesRead: Agents.TablesUsed.From(sql, [], null));
    }
}

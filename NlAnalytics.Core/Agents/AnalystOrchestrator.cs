using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// The agent team's entry point: conversation, schema selection, SQL writing, review and execution
/// (looping on database errors), chart and narrative. Routes by <see cref="AnalysisMode"/>, records a
/// transcript and every priced call, and always returns an answer: failures come back in
/// <see cref="AnalystAnswer.Error"/> with a message safe to show; only cancellation throws.
/// </summary>
public sealed partial class AnalystOrchestrator(
    ConversationAgent conversation,
    SchemaSelectorAgent schemaSelector,
    [FromKeyedServices(AnalystOrchestrator.OfflineWriterKey)] ISqlWriter offlineWriter,
    [FromKeyedServices(LlmSqlWriter.ServiceKey)] ISqlWriter llmWriter,
    SqlReviewerAgent reviewer,
    ExecutorAgent executor,
    VisualizerAgent visualizer,
    NarratorAgent narrator,
    IAgentLlm llm,
    IOptions<AnalystOptions> options,
    TimeProvider timeProvider,
    ILogger<AnalystOrchestrator> logger,
    IConfiguration? configuration = null,
    IVerifiedMemory? verifiedMemory = null,
    LocalWorkSlots? localWork = null)
{
    /// <summary>How many verified question/SQL pairs the LLM writer sees as examples.</summary>
    public const int VerifiedExampleCount = 3;

    /// <summary>The keyed-service key of the built-in offline <see cref="ISqlWriter"/>.</summary>
    public const string OfflineWriterKey = "offline";

    /// <summary>The mode the configuration asks for (Analyst:Mode), resolved against whether an LLM is configured.</summary>
    public AnalysisMode DefaultMode => options.Value.ResolveMode(llm.IsConfigured);

    /// <summary>Whether an LLM endpoint is configured (Llm and Hybrid modes can use it).</summary>
    public bool LlmAvailable => llm.IsConfigured;

    /// <summary>Answers without progress reports (CLI, evaluation runs).</summary>
    public Task<AnalystAnswer> AnswerAsync(AnalystRequest request, CancellationToken cancellationToken) =>
        AnswerAsync(request, null, cancellationToken);

    /// <summary>Answers one question; failures come back in the answer, only cancellation throws.</summary>
    public async Task<AnalystAnswer> AnswerAsync(AnalystRequest request, IProgress<AgentProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var run = new Run(request, new AgentTranscript(timeProvider, SecretRedactor.For(request.Source, configuration)), progress, timeProvider);
        // An offline answer is all local work but for its query: it waits for a free slot first (timed as "queued"),
        // unless its caller (the answer runner, whose slot also covers saving the answer) took one for it.
        using var ownSlot = request.Mode == AnalysisMode.Offline && localWork is not null && LocalWorkSlots.Current is null
            ? await run.QueueAsync(localWork.EnterAsync(cancellationToken))
            : null;
        run.Slot = request.Mode == AnalysisMode.Offline ? LocalWorkSlots.Current : null;
        try
        {
            return await AnswerAsync(run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (SqlExecutionException e)
        {
            return Fail(run, e.Failure);
        }
        catch (LlmException e)
        {
            // LlmException's message is written for the user and never carries the key.
            LogModelFailure(logger, e.Failure, e.Message);
            return Fail(run, new SqlFailure(SqlFailureKind.Other, e.Message));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything else is a bug or an outage; its message may name hosts or internals, so the user gets a plain one.
            LogUnexpected(logger, e, run.Step);
            return Fail(run, new SqlFailure(SqlFailureKind.Other, UnexpectedMessage(run.Step)));
        }
    }

    private async Task<AnalystAnswer> AnswerAsync(Run run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var settings = options.Value;
        var llmReady = llm.IsConfigured;
        if (request.Mode == AnalysisMode.Llm && !llmReady)
            return Fail(run, new SqlFailure(SqlFailureKind.Other,
                "LLM mode needs a language model, and none is configured (Llm:Endpoint is empty). Ask in Offline mode, or configure a model."));

        // Nothing here ever writes; a request to change data gets a plain no rather than a listing of what it named.
        if (ChangeRequest.IsChangeRequest(request.Question))
        {
            run.Narrative = ChangeRequest.Refusal;
            run.Interpretation = new Interpretation("A request to change data, which this assistant never does");
            run.Transcript.Add("orchestrator", AgentTranscript.Event, "Refused: the question asks to change data.");
            run.Report(AgentStep.Done, "Refused: this assistant only reads data");
            return run.Answer(null, timeProvider);
        }

        run.Report(AgentStep.Understanding, "Understanding the question");
        var standalone = await conversation.StandaloneAsync(
            request.Question, request.History, useLlm: llmReady && request.Mode != AnalysisMode.Offline, run.Transcript, cancellationToken);
        run.Standalone = standalone.Text;
        run.CarriedOver = standalone.CarriedOver;

        run.Report(AgentStep.RetrievingSchema, "Finding the relevant tables");
        // An unrewritten follow-up ("and for 2020?") says little on its own; the previous question says which tables.
        var retrievalText = run.Standalone == request.Question && request.History.Count > 0
            ? request.History[^1].StandaloneQuestion + " " + request.Question
            : run.Standalone;
        // Document passages only ever reach the model's prompts: an answer that cannot ask the model does not look for them.
        var schema = await schemaSelector.SelectAsync(request.Source, retrievalText, run.Transcript, withDocuments: llmReady && request.Mode != AnalysisMode.Offline, cancellationToken);
        run.Tables = schema.Tables;
        run.Passages = schema.Knowledge?.Passages ?? [];

        var limits = executor.LimitsFor(request.Limits);
        run.Clock.Enter("memory");
        var (verified, examples) = await ConsultMemoryAsync(run, schema, cancellationToken);
        var context = new SqlWritingContext(run.Standalone, schema.Catalog, schema.Tables, schema.SchemaPrompt, request.History, examples, Source: request.Source, Limits: limits, Knowledge: schema.Knowledge);

        // Route: a verified answer that fits is reused in every mode; otherwise Llm always asks the model,
        // Offline never does, and Hybrid takes a confident offline draft and otherwise asks the model.
        run.Report(AgentStep.WritingSql, "Writing SQL");
        SqlDraft draft;
        if (verified is not null)
        {
            run.Path = AnswerPath.Verified;
            run.Transcript.Append(verified.Transcript, verified.Calls);
            run.Interpretation = verified.Interpretation;
            run.Confidence = verified.Confidence;
            draft = verified;
        }
        else if (request.Mode == AnalysisMode.Llm)
        {
            draft = await WriteAsync(run, llmWriter, AnswerPath.Llm, context, cancellationToken);
        }
        else
        {
            draft = await WriteAsync(run, offlineWriter, AnswerPath.Offline, context, cancellationToken);
            if (request.Mode == AnalysisMode.Hybrid && llmReady && (draft.Sql is null || draft.Confidence < settings.HybridThreshold))
            {
                run.Transcript.Add(AgentNames.SqlWriter, AgentTranscript.Event, string.Create(CultureInfo.InvariantCulture,
                    $"The offline draft's confidence {draft.Confidence:0.00} is below the hybrid threshold {settings.HybridThreshold:0.00}: the model writes the SQL."));
                draft = await WriteAsync(run, llmWriter, AnswerPath.Llm, context, cancellationToken);
            }
        }
        if (draft.Sql is null && run.Path == AnswerPath.Offline)
            return Declined(run, draft, llmReady);

        QueryResult? result = null;
        for (var attempt = 1; result is null; attempt++)
        {
            if (draft.Sql is null)
                return Fail(run, new SqlFailure(SqlFailureKind.Other,
                    "The model did not return an SQL query, even when asked again. Try rephrasing the question."));
            run.Sql = draft.Sql;
            run.Attempts = attempt;

            run.Report(AgentStep.Reviewing, "Checking the query");
            // The dry run only saves a model review of SQL the database would refuse; without one, the executor's own
            // parse (before it runs the query) finds the same errors, and the correction loop below treats them alike.
            var llmReview = settings.LlmReview && run.Path == AnswerPath.Llm;
            // The reviewer checks the SQL against what the source was taught as well as against its tables.
            var failure = await reviewer.ReviewAsync(request.Source, run.Standalone, schema.SchemaPrompt + (schema.Knowledge?.PromptText ?? ""), draft.Sql, limits,
                llmReview, run.Transcript, cancellationToken, dryRun: llmReview && llmReady);
            if (failure is null)
            {
                run.Report(AgentStep.Running, "Running the query");
                // The executor runs the query outside the answer's slot; waiting to take it again is not the query's time.
                var requeued = run.Slot?.Requeued ?? TimeSpan.Zero;
                try
                {
                    result = await executor.RunAsync(request.Source, draft.Sql, limits, run.Transcript, cancellationToken);
                    break;
                }
                catch (SqlExecutionException e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = e.Failure;
                }
                finally
                {
                    if (run.Slot is { } slot)
                        run.Clock.Reassign(StepTimes.Queued, slot.Requeued - requeued);
                }
            }

            failure = failure with { UserMessage = run.Transcript.Redactor.Redact(failure.UserMessage) };
            LogAttemptFailed(logger, attempt, failure.Kind, failure.UserMessage);
            if (attempt >= settings.MaxAttempts || !IsCorrectable(failure))
                return Fail(run, failure);

            // Offline or reused SQL that fails goes to the model for correction, error included, when the mode allows one.
            var (writer, path) = run.Path == AnswerPath.Llm || (request.Mode != AnalysisMode.Offline && llmReady)
                ? (llmWriter, AnswerPath.Llm)
                : (offlineWriter, AnswerPath.Offline);
            context = context with { PreviousSql = draft.Sql, PreviousError = failure.UserMessage };
            run.Report(AgentStep.WritingSql, string.Create(CultureInfo.InvariantCulture, $"Correcting the SQL (attempt {attempt + 1} of {settings.MaxAttempts})"));
            var next = await WriteAsync(run, writer, path, context, cancellationToken);
            // The offline writer is deterministic: the same SQL again, or none, will not fix anything.
            if (path == AnswerPath.Offline && (next.Sql is null || next.Sql == draft.Sql))
                return Fail(run, failure);
            draft = next;
        }

        run.Result = result;
        run.TablesRead = TablesUsed.From(draft.Sql!, schema.Tables, schema.Catalog);
        run.Report(AgentStep.Charting, "Choosing a chart");
        run.Chart = visualizer.Visualize(result, run.Standalone, draft.PreferredChart, run.Transcript);

        run.Report(AgentStep.Explaining, "Explaining the result");
        var progress = run.Progress;
        run.Narrative = await narrator.NarrateAsync(run.Standalone, draft.Sql!, result, run.Chart, useLlm: run.Path == AnswerPath.Llm,
            progress is null ? null : delta => progress.Report(new AgentProgress(AgentStep.Explaining, "Explaining the result", delta)),
            run.Transcript, cancellationToken);
        if (run.Path == AnswerPath.Offline && Caveat(draft) is { } caveat)
            run.Narrative = caveat + "\n" + run.Narrative;

        run.Report(AgentStep.Done, "Done");
        // Each correction round lowers confidence: the SQL answers the question only as well as the writer finally understood it.
        run.Confidence = Math.Clamp(draft.Confidence * Math.Pow(0.85, run.Attempts - 1), 0, 1);
        return run.Answer(null, timeProvider);
    }

    /// <summary>
    /// The verified-query memory, when registered: a verified answer close enough to reuse, or the
    /// nearest verified pairs as examples. It is an aid, so an outage of the app database only costs the aid.
    /// </summary>
    private async Task<(SqlDraft? Verified, IReadOnlyList<VerifiedExample> Examples)> ConsultMemoryAsync(Run run, SchemaSelection schema, CancellationToken cancellationToken)
    {
        var request = run.Request;
        if (verifiedMemory is null)
            return (null, request.Examples ?? []);
        try
        {
            if (await verifiedMemory.ReuseAsync(request.Source.Name, run.Standalone, request.AskerId, schema.Catalog, cancellationToken) is { } reused)
                return (reused, []);
            var examples = request.Examples
                ?? (request.Mode == AnalysisMode.Offline ? [] : await verifiedMemory.ExamplesAsync(request.Source.Name, run.Standalone, request.AskerId, VerifiedExampleCount, cancellationToken));
            return (null, examples);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogMemoryUnavailable(logger, e);
            return (null, request.Examples ?? []);
        }
    }

    private async Task<SqlDraft> WriteAsync(Run run, ISqlWriter writer, AnswerPath path, SqlWritingContext context, CancellationToken cancellationToken)
    {
        run.Path = path;
        var draft = await writer.WriteAsync(context, cancellationToken);
        run.Transcript.Append(draft.Transcript, draft.Calls);
        // The model's rewrite said which filters it took from earlier questions; the interpretation shows them.
        run.Interpretation = path == AnswerPath.Llm && run.CarriedOver.Count > 0 && draft.Interpretation.InheritedFilters.Count == 0
            ? draft.Interpretation with { InheritedFilters = run.CarriedOver }
            : draft.Interpretation;
        run.Suggestions = draft.Suggestions;
        run.Confidence = draft.Confidence;
        if (draft.Sql is not null)
            run.Transcript.Add(AgentNames.SqlWriter, AgentTranscript.Event, string.Create(CultureInfo.InvariantCulture,
                $"{path} draft (confidence {draft.Confidence:0.00}): {draft.Sql}"));
        return draft;
    }

    /// <summary>
    /// The first line of an offline answer that left words out or is unsure, so nobody takes it for a sure figure:
    /// what was left out, and how likely the answer is to be right when that is under the Hybrid threshold.
    /// </summary>
    private string? Caveat(SqlDraft draft)
    {
        var parts = new List<string>();
        var ignored = draft.Interpretation.Ignored;
        if (ignored.Count > 0)
            parts.Add($"Left out: {string.Join(", ", ignored.Select(w => $"'{w}'"))} (not found in this database); the figures below do not take {(ignored.Count == 1 ? "it" : "them")} into account.");
        if (draft.Confidence < options.Value.HybridThreshold)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"Unsure: about {Math.Round(draft.Confidence * 100):0}% likely right; check how the question was read."));
        return parts.Count == 0 ? null : string.Join(" ", parts);
    }

    private AnalystAnswer Declined(Run run, SqlDraft draft, bool llmReady)
    {
        LogDeclined(logger, run.Standalone);
        // The offline writer explains its refusal itself (what it did not understand, what it can answer).
        var narrative = string.IsNullOrWhiteSpace(draft.Interpretation.Summary)
            ? "The built-in offline analyst cannot answer this question reliably. Try naming the measure and how to group it, for example \"total sales by region\"."
            : draft.Interpretation.Summary.Trim();
        if (llmReady && run.Request.Mode == AnalysisMode.Offline)
            narrative += " Switch to Hybrid or LLM mode to let the language model try.";
        run.Narrative = narrative;
        run.Transcript.Add(AgentNames.SqlWriter, AgentTranscript.Event, "Declined: " + narrative);
        run.Report(AgentStep.Done, "The offline analyst cannot answer this question");
        return run.Answer(null, timeProvider);
    }

    private AnalystAnswer Fail(Run run, SqlFailure failure)
    {
        var safe = failure with { UserMessage = run.Transcript.Redactor.Redact(failure.UserMessage) };
        run.Narrative = run.Attempts > 1
            ? string.Create(CultureInfo.InvariantCulture, $"No working query after {run.Attempts} attempts. The last problem: {safe.UserMessage}")
            : safe.UserMessage;
        run.Transcript.Add("orchestrator", AgentTranscript.Event, "Failed: " + run.Narrative);
        run.Report(AgentStep.Failed, run.Narrative);
        run.Confidence = 0;
        return run.Answer(safe, timeProvider);
    }

    /// <summary>Errors a rewrite can fix; timeouts, cancellations and outages would only repeat.</summary>
    private static bool IsCorrectable(SqlFailure failure) =>
        failure.Kind is SqlFailureKind.Syntax or SqlFailureKind.Semantic or SqlFailureKind.Rejected or SqlFailureKind.PermissionDenied or SqlFailureKind.Other;

    private static string UnexpectedMessage(AgentStep step) => step switch
    {
        AgentStep.RetrievingSchema => "Could not read the data source's tables. Check that the database is reachable, then ask again.",
        _ => "Something went wrong while answering; the details are in the server log. Please ask again.",
    };

    /// <summary>What one answer has gathered so far; a failure at any step still returns all of it.</summary>
    private sealed class Run(AnalystRequest request, AgentTranscript transcript, IProgress<AgentProgress>? progress, TimeProvider time)
    {
        private readonly long _started = time.GetTimestamp();

        public StepClock Clock { get; } = new(time);
        public AnalystRequest Request => request;
        public AgentTranscript Transcript => transcript;
        public IProgress<AgentProgress>? Progress => progress;
        public AgentStep Step { get; private set; } = AgentStep.Understanding;
        public string Standalone { get; set; } = request.Question;
        public IReadOnlyList<string> CarriedOver { get; set; } = [];
        public IReadOnlyList<RetrievedTable> Tables { get; set; } = [];
        public IReadOnlyList<RetrievedTable>? TablesRead { get; set; }
        public AnswerPath Path { get; set; } = request.Mode == AnalysisMode.Llm ? AnswerPath.Llm : AnswerPath.Offline;
        public string? Sql { get; set; }
        public int Attempts { get; set; }
        public QueryResult? Result { get; set; }
        public ChartSpec? Chart { get; set; }
        public string Narrative { get; set; } = "";
        public Interpretation? Interpretation { get; set; }
        public IReadOnlyList<string> Suggestions { get; set; } = [];
        public IReadOnlyList<Knowledge.DocumentPassage> Passages { get; set; } = [];
        public double Confidence { get; set; }

        /// <summary>The local-work slot this answer works in (offline answers), given back while its query runs.</summary>
        public LocalWorkSlots.Slot? Slot { get; set; }

        /// <summary>Waits for a local-work slot, timed as <see cref="StepTimes.Queued"/> rather than as a step's work.</summary>
        public async Task<T> QueueAsync<T>(Task<T> wait)
        {
            Clock.Enter(StepTimes.Queued);
            return await wait;
        }

        public void Report(AgentStep step, string message)
        {
            Step = step;
            Clock.Enter(StepClock.NameOf(step));
            progress?.Report(new AgentProgress(step, message));
        }

        public AnalystAnswer Answer(SqlFailure? error, TimeProvider time)
        {
            transcript.Add(StepTimes.Agent, AgentTranscript.Event, Clock.Stop().ToText());
            return new(
                request.Question,
                Standalone,
                Sql,
                error is null ? Result : null,
                error is null ? Chart : null,
                Narrative,
                Tables,
                transcript.Entries.ToList(),
                transcript.Calls.ToList(),
                Path,
                Interpretation,
                error,
                Suggestions,
                Confidence,
                time.GetElapsedTime(_started),
                TablesRead,
                // The passages were sources only of an answer whose SQL the model wrote with them in its prompt.
                Path == AnswerPath.Llm ? Passages : []);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SQL attempt {Attempt} failed ({Kind}): {Message}")]
    private static partial void LogAttemptFailed(ILogger logger, int attempt, SqlFailureKind kind, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "The offline writer declined: {Question}")]
    private static partial void LogDeclined(ILogger logger, string question);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The verified-query memory is unavailable; answering without it")]
    private static partial void LogMemoryUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model call failed ({Failure}): {Message}")]
    private static partial void LogModelFailure(ILogger logger, LlmFailure failure, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering failed unexpectedly during {Step}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, AgentStep step);
}

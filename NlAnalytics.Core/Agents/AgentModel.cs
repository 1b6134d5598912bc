using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Agents;

/// <summary>How a question may be answered: the built-in offline writer, the LLM, or offline first with the LLM as fallback.</summary>
public enum AnalysisMode { Offline, Llm, Hybrid }

/// <summary>Which path produced an answer.</summary>
public enum AnswerPath { Offline, Llm, Verified, Manual }

public enum AgentStep { Understanding, RetrievingSchema, WritingSql, Reviewing, Running, Charting, Explaining, Done, Failed }

/// <summary>A progress event a UI can show while the team works. <see cref="NarrativeDelta"/> carries streamed narrative text.</summary>
public sealed record AgentProgress(AgentStep Step, string Message, string? NarrativeDelta = null);

/// <summary>One message in the agent transcript (system prompts included, secrets never).</summary>
public sealed record TranscriptEntry(string Agent, string Role, string Content, DateTimeOffset At);

/// <summary>An earlier turn of the thread, for follow-ups.</summary>
public sealed record ThreadTurn(string Question, string StandaloneQuestion, string? Sql, string? Narrative, string? ChartKind = null);

/// <summary>A verified question/SQL pair from the memory, used as an example or reused with adapted literals.</summary>
/// <summary>A verified question/SQL pair, with who verified it and when, and who approved it for everyone (null: only its owner sees it).</summary>
public sealed record VerifiedExample(
    string Question, string Sql, double Similarity,
    string? VerifiedBy = null, DateTimeOffset? VerifiedAt = null, string? ApprovedBy = null, DateTimeOffset? ApprovedAt = null);

/// <summary>One question for the team. <see cref="Examples"/> are verified question/SQL pairs the writer may follow.</summary>
public sealed record AnalystRequest(
    DataSource Source,
    string Question,
    IReadOnlyList<ThreadTurn> History,
    AnalysisMode Mode = AnalysisMode.Hybrid,
    QueryLimits? Limits = null,
    IReadOnlyList<VerifiedExample>? Examples = null,
    string? AskerId = null);

/// <summary>Everything one answer produced, successful or not.</summary>
public sealed record AnalystAnswer(
    string Question,
    string StandaloneQuestion,
    string? Sql,
    QueryResult? Result,
    ChartSpec? Chart,
    string Narrative,
    IReadOnlyList<RetrievedTable> Tables,
    IReadOnlyList<TranscriptEntry> Transcript,
    IReadOnlyList<LlmCallRecord> Calls,
    AnswerPath Path,
    Interpretation? Interpretation = null,
    SqlFailure? Error = null,
    IReadOnlyList<string>? Suggestions = null,
    double Confidence = 1.0,
    TimeSpan Elapsed = default,
    IReadOnlyList<RetrievedTable>? TablesRead = null,
    IReadOnlyList<NlAnalytics.Core.Knowledge.DocumentPassage>? SourcesUsed = null)
{
    /// <summary>What "Tables used" shows: the tables the SQL reads when known, else the tables retrieval offered.</summary>
    public IReadOnlyList<RetrievedTable> TablesUsed => TablesRead ?? Tables;

    /// <summary>Time spent outside the database: what the team itself took.</summary>
    public TimeSpan GenerationTime => Elapsed - (Result?.Elapsed ?? TimeSpan.Zero);

    public bool Succeeded => Error is null && Sql is not null && Result is not null;
    public long InputTokens => Calls.Sum(c => c.InputTokens);
    public long OutputTokens => Calls.Sum(c => c.OutputTokens);
    public decimal CostUsd => Calls.Sum(c => c.CostUsd);
}

/// <summary>What an SQL writer (LLM or offline) gets to work from.</summary>
public sealed record SqlWritingContext(
    string Question,
    DatabaseCatalog Catalog,
    IReadOnlyList<RetrievedTable> Tables,
    string SchemaPrompt,
    IReadOnlyList<ThreadTurn> History,
    IReadOnlyList<VerifiedExample> Examples,
    string? PreviousSql = null,
    string? PreviousError = null,
    DataSource? Source = null,
    QueryLimits? Limits = null,
    NlAnalytics.Core.Knowledge.SourceKnowledgeSnapshot? Knowledge = null);

/// <summary>
/// A writer's attempt. <see cref="Sql"/> is null when the writer declines (then <see cref="Suggestions"/>
/// offers questions it can answer). <see cref="Confidence"/> is 0..1; hybrid routing compares it to a threshold.
/// </summary>
public sealed record SqlDraft(
    string? Sql,
    double Confidence,
    Interpretation Interpretation,
    IReadOnlyList<LlmCallRecord> Calls,
    IReadOnlyList<string> Suggestions,
    IReadOnlyList<TranscriptEntry> Transcript,
    string? PreferredChart = null);

/// <summary>Turns a question into SQL. Implemented by the LLM writer and by the offline writer.</summary>
public interface ISqlWriter
{
    Task<SqlDraft> WriteAsync(SqlWritingContext context, CancellationToken cancellationToken);
}

/// <summary>
/// The verified-query memory as the team uses it (implemented by the offline analyst's matcher): a
/// verified answer close enough to reuse, or the nearest verified pairs as examples for a writer.
/// </summary>
public interface IVerifiedMemory
{
    /// <summary>A draft reusing a verified answer (its literals adapted to the question), or null.</summary>
    /// <remarks>Only pairs that serve <paramref name="askerId"/>: approved ones, and the asker's own (null: approved ones only).</remarks>
    Task<SqlDraft?> ReuseAsync(string dataSource, string question, string? askerId, DatabaseCatalog catalog, CancellationToken cancellationToken);

    Task<IReadOnlyList<VerifiedExample>> ExamplesAsync(string dataSource, string question, string? askerId, int count, CancellationToken cancellationToken);
}

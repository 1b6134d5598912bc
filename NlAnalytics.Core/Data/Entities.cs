using Microsoft.AspNetCore.Identity;

namespace NlAnalytics.Core.Data;

/// <summary>An account. A disabled one cannot sign in and its sessions end (its security stamp changes when it is disabled).</summary>
public sealed class AppUser : IdentityUser
{
    public DateTimeOffset? DisabledAt { get; set; }
}

/// <summary>
/// A one-use link an Admin made for someone to register with a role. Only a hash of its token is kept:
/// the link is shown once, when it is made.
/// </summary>
public sealed class Invitation
{
    public Guid Id { get; set; }
    /// <summary>SHA-256 of the token in the link, hex.</summary>
    public required string TokenHash { get; set; }
    public required string Role { get; set; }
    /// <summary>A note for the Admin's list (whom it is for); not checked at registration.</summary>
    public string? Note { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    public string? UsedBy { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A Data Protection key ring element, kept in the app database so cookies survive restarts and work across instances.</summary>
public sealed class DataProtectionKeyRow
{
    public int Id { get; set; }
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
}

/// <summary>A chat thread: one user, one data source.</summary>
public sealed class ChatThread
{
    public Guid Id { get; set; }
    public required string UserId { get; set; }
    public required string DataSource { get; set; }
    public required string Title { get; set; }
    public bool IsArchived { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<ChatMessage> Messages { get; set; } = [];
}

/// <summary>Interrupted: it was running (or waiting) when its process ended; nothing answers it until a Retry.</summary>
public enum MessageStatus { Pending, Running, Succeeded, Failed, Cancelled, Declined, Interrupted }

/// <summary>
/// One question and its answer. The row is inserted (Pending) before any work starts, so a crash
/// mid-answer loses nothing; the answer columns are filled when the team finishes.
/// </summary>
public sealed class ChatMessage
{
    public Guid Id { get; set; }
    public Guid ThreadId { get; set; }
    public ChatThread? Thread { get; set; }
    public int Sequence { get; set; }
    /// <summary>Client-generated id that makes a double Send idempotent.</summary>
    public Guid? ClientRequestId { get; set; }
    public required string Question { get; set; }
    public string? StandaloneQuestion { get; set; }
    public MessageStatus Status { get; set; }
    public string? Path { get; set; }
    public string? Sql { get; set; }
    /// <summary>jsonb: the writer's structured reading of the question (Agents.Interpretation).</summary>
    public string? InterpretationJson { get; set; }
    public string? Narrative { get; set; }
    public string? Error { get; set; }
    /// <summary>jsonb: columns and rows up to the cap.</summary>
    public string? ResultJson { get; set; }
    public string? ChartJson { get; set; }
    public string? TablesJson { get; set; }
    public string? TranscriptJson { get; set; }
    public string? SuggestionsJson { get; set; }
    /// <summary>jsonb: the document passages the LLM's prompt carried (Knowledge.DocumentPassage), shown as "Sources used".</summary>
    public string? SourcesJson { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public decimal CostUsd { get; set; }
    public bool IsVerified { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public List<LlmCallRow> Calls { get; set; } = [];
}

/// <summary>One model call, priced when it was made. Per-thread and per-user costs are sums over these.</summary>
public sealed class LlmCallRow
{
    public long Id { get; set; }
    public Guid MessageId { get; set; }
    public Guid ThreadId { get; set; }
    public required string UserId { get; set; }
    public required string Agent { get; set; }
    public required string Model { get; set; }
    public long InputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public long OutputTokens { get; set; }
    public int LatencyMs { get; set; }
    public decimal CostUsd { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A question/SQL pair an analyst marked correct, keyed on the asker's own words. It serves its owner at once and
/// everyone else only once approved (by an Admin, or by a second analyst when VerifiedMemory:Approval says so).
/// Entries from before ownership was recorded have no owner and serve nobody until approved.
/// </summary>
public sealed class VerifiedQuery
{
    public long Id { get; set; }
    public required string DataSource { get; set; }
    public required string Question { get; set; }
    public required string Sql { get; set; }
    /// <summary>The user id of who marked it correct.</summary>
    public string? OwnerId { get; set; }
    /// <summary>Their name when they marked it (shown as "verified by").</summary>
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? ApprovedById { get; set; }
    public string? ApprovedBy { get; set; }
    public DateTimeOffset? ApprovedAt { get; set; }
}

/// <summary>
/// The sentence vector of one text under one model. Keyed by a hash of the text, not by catalog: a new
/// catalog version (a column added) re-embeds only the texts that changed, and two sources sharing
/// names share vectors. Stored as <c>real[]</c> (pgvector is not available for PostgreSQL 15 here).
/// </summary>
public sealed class TextEmbeddingRow
{
    public required string Model { get; set; }
    public required string TextHash { get; set; }
    public required float[] Vector { get; set; }
}

/// <summary>An Admin's decision on an inferred join key (one not declared in the database): confirmed or rejected.</summary>
public sealed class JoinKeyDecision
{
    public int Id { get; set; }
    public required string DataSource { get; set; }
    /// <summary>"schema.table.column" holding the key.</summary>
    public required string FromColumn { get; set; }
    /// <summary>"schema.table.column" it references.</summary>
    public required string ToColumn { get; set; }
    public bool Confirmed { get; set; }
    public required string DecidedBy { get; set; }
    public DateTimeOffset DecidedAt { get; set; }
}

/// <summary>
/// A data source an Admin added in the browser or through the API. Its connection strings are kept only
/// encrypted with Data Protection (whose keys live in this database too); see Sources/DataSourceAdministration.
/// </summary>
public sealed class StoredDataSourceRow
{
    public required string Name { get; set; }
    public required string DisplayName { get; set; }
    /// <summary>Data Protection payload of the query connection string (the restricted role).</summary>
    public required string QueryConnectionProtected { get; set; }
    /// <summary>Data Protection payload of the optional catalog connection string.</summary>
    public string? CatalogConnectionProtected { get; set; }
    public List<string> Schemas { get; set; } = [];
    public int? RowCap { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int? ResultCacheSeconds { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A file an analyst uploaded, now a table of its own schema in the uploads database, read through a login role of its
/// own (so one upload's SQL cannot read another's). Private to <see cref="OwnerUserId"/>.
/// </summary>
public sealed class UploadRow
{
    /// <summary>The data source name threads use (upload-...).</summary>
    public required string Name { get; set; }
    public required string DisplayName { get; set; }
    public required string OwnerUserId { get; set; }
    public required string FileName { get; set; }
    public required string SchemaName { get; set; }
    public required string TableName { get; set; }
    public required string RoleName { get; set; }
    /// <summary>Data Protection payload of the role's connection string.</summary>
    public required string QueryConnectionProtected { get; set; }
    /// <summary>The file's size, which counts toward the owner's quota.</summary>
    public long Bytes { get; set; }
    public int RowCount { get; set; }
    /// <summary>The columns as loaded: header, SQL name and type (JSON).</summary>
    public required string ColumnsJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A personal API key: sent as <c>X-API-Key: nla_...</c>, it authenticates /api requests as its user. Only a hash
/// of the key is kept: the key itself is shown once, when it is made.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string UserId { get; set; }
    public required string Name { get; set; }
    /// <summary>SHA-256 of the whole key (prefix included), hex. The key has 256 random bits, so a fast hash is enough.</summary>
    public required string KeyHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    /// <summary>
    /// The data sources the key may use (names as threads name them), a subset of its user's; null for every source the
    /// user may use, now and later. The user's own access still applies: a grant withdrawn from the user is gone for the key too.
    /// </summary>
    public List<string>? Sources { get; set; }
}

/// <summary>
/// Lets one user (<see cref="UserId"/>) or every member of an Identity role (<see cref="RoleName"/>) see and query one data
/// source, named as threads name it. Exactly one of the two is set. See Sources/SourceAccess.
/// </summary>
public sealed class SourceGrant
{
    public long Id { get; set; }
    public required string DataSource { get; set; }
    public string? UserId { get; set; }
    public string? RoleName { get; set; }
    public required string GrantedBy { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
}

/// <summary>The Identity roles the app creates at start-up; a role is also a group that sources are granted to.</summary>
public static class AppRoles
{
    public const string Admin = "Admin";
    public const string Analyst = "Analyst";
}

/// <summary>
/// What an Admin taught the analyst about one source (Knowledge/SourceKnowledge): instructions the model must follow and
/// whether analysts who may query the source may edit its knowledge too. <see cref="Version"/> counts the changes.
/// </summary>
public sealed class SourceKnowledgeRow
{
    public required string DataSource { get; set; }
    public string Instructions { get; set; } = "";
    public bool AnalystsMayEdit { get; set; }
    public int Version { get; set; }
    public string? UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A business word of one source and what it means there: a column ("schema.table.column"), a filter (a condition over
/// <see cref="TableName"/>) or an SQL expression over <see cref="TableName"/> ("SUM(net_amount)"). <see cref="Version"/>
/// counts its changes; the changes themselves are in <see cref="KnowledgeChangeRow"/>.
/// </summary>
public sealed class GlossaryTermRow
{
    public long Id { get; set; }
    public required string DataSource { get; set; }
    public required string Term { get; set; }
    public List<string> Synonyms { get; set; } = [];
    /// <summary>Column, Filter or Expression (Knowledge.MeaningKind).</summary>
    public required string Kind { get; set; }
    /// <summary>"schema.table" a filter or expression is over; for a column, the column's table.</summary>
    public string? TableName { get; set; }
    /// <summary>The column's name, the filter's condition or the expression.</summary>
    public required string Meaning { get; set; }
    public string? Description { get; set; }
    public int Version { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A change that app instances keep in memory (ADR 0034): stored sources, uploads, a source's knowledge, documents or
/// catalog. The other instances on the app database read these rows (woken by NOTIFY, or by polling) and reload what changed.
/// </summary>
public sealed class SharedChangeRow
{
    public long Id { get; set; }
    /// <summary>A <see cref="SharedChange"/> name.</summary>
    public required string Kind { get; set; }
    /// <summary>The source it is about; null for every source (the lists of sources and uploads).</summary>
    public string? DataSource { get; set; }
    /// <summary>The instance that made the change (it has reloaded already).</summary>
    public Guid Instance { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
}

/// <summary>One change to a source's knowledge: who changed what and when, with the text before and after (JSON for a term).</summary>
public sealed class KnowledgeChangeRow
{
    public long Id { get; set; }
    public required string DataSource { get; set; }
    /// <summary>"instructions", "settings", "glossary" or "document".</summary>
    public required string Subject { get; set; }
    /// <summary>The term a glossary change is about, or the document's name.</summary>
    public string? Term { get; set; }
    /// <summary>Added, Changed or Removed.</summary>
    public required string Action { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public required string ChangedBy { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
}

/// <summary>
/// A question an analyst saved from an answer (Dashboards/SavedQuestions): its SQL, source, chart type and title, never a
/// frozen result: each time it is shown it runs again through the gate and the restricted executor. Private to its owner.
/// </summary>
public sealed class SavedQuestionRow
{
    public Guid Id { get; set; }
    public required string OwnerId { get; set; }
    public required string DataSource { get; set; }
    public required string Title { get; set; }
    public required string Sql { get; set; }
    /// <summary>A Charts.ChartKind name (Line, Bar, Donut, Scatter, Kpi, Table).</summary>
    public required string ChartType { get; set; }
    /// <summary>The answer it was saved from, if it still exists.</summary>
    public Guid? MessageId { get; set; }
    /// <summary>The saved question this one was explored from (a new grouping or period over its SQL).</summary>
    public Guid? ExploredFromId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A grid of saved questions (cards) one user made; shared read-only with the users in <see cref="Shares"/>.</summary>
public sealed class DashboardRow
{
    public Guid Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Title { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<DashboardCardRow> Cards { get; set; } = [];
    public List<DashboardShareRow> Shares { get; set; } = [];
}

/// <summary>One saved question pinned to a dashboard, at a position, <see cref="Width"/> twelfths of the grid wide.</summary>
public sealed class DashboardCardRow
{
    public Guid Id { get; set; }
    public Guid DashboardId { get; set; }
    public Guid SavedQuestionId { get; set; }
    public SavedQuestionRow? SavedQuestion { get; set; }
    public int Position { get; set; }
    public int Width { get; set; } = 6;
}

/// <summary>A user a dashboard is shared with (read-only; each card still needs the user's access to its source).</summary>
public sealed class DashboardShareRow
{
    public Guid DashboardId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset SharedAt { get; set; }
}

/// <summary>
/// A document taught to one source (Knowledge/SourceDocuments): Markdown, text or PDF, kept as its passages and their
/// vectors, not as the file. Uploading a document of the same name again replaces it and counts a <see cref="Version"/>.
/// </summary>
public sealed class KnowledgeDocumentRow
{
    public long Id { get; set; }
    public required string DataSource { get; set; }
    public required string Name { get; set; }
    /// <summary>Markdown, Text or Pdf.</summary>
    public required string Format { get; set; }
    public long Bytes { get; set; }
    /// <summary>The encoder the passages' vectors are from (Semantics.ISentenceEncoder.Model).</summary>
    public required string Model { get; set; }
    public int Version { get; set; }
    public required string UploadedBy { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
    public List<DocumentPassageRow> Passages { get; set; } = [];
}

/// <summary>One passage of a document, its heading and its sentence vector (<c>real[]</c>, as text embeddings).</summary>
public sealed class DocumentPassageRow
{
    public long Id { get; set; }
    public long DocumentId { get; set; }
    public int Ordinal { get; set; }
    public string? Heading { get; set; }
    public required string Text { get; set; }
    public required float[] Vector { get; set; }
}

/// <summary>
/// An evaluation run of the workspace: a question set (its text kept, with a SHA-256 of it) against one source in one
/// mode and model, who started it, where it is (<see cref="Status"/>, <see cref="Done"/> of <see cref="Total"/>) and,
/// once it ended, its report (<see cref="SummaryJson"/>, an <c>EvaluationSummary</c> over the questions it finished).
/// </summary>
public sealed class EvaluationRunRow
{
    public Guid Id { get; set; }
    public required string SetName { get; set; }
    public required string SetHash { get; set; }
    public required string SetText { get; set; }
    public required string DataSource { get; set; }
    public required string Mode { get; set; }
    public string? Model { get; set; }
    public required string StartedById { get; set; }
    public required string StartedBy { get; set; }
    public required string Status { get; set; }
    public int Total { get; set; }
    public int Done { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Why it stopped early, for a person: failed, stopped or interrupted.</summary>
    public string? Message { get; set; }
    public string? SummaryJson { get; set; }
    public List<EvaluationCaseRow> Cases { get; set; } = [];
}

/// <summary>
/// One question of a run as it was scored: the flags a report counts (valid SQL, right, declined, answered wrong), what
/// the analyst said and spent, and the first rows of the gold result and of the analyst's (<c>ResultSnapshot</c> JSON).
/// </summary>
public sealed class EvaluationCaseRow
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    public int Position { get; set; }
    public required string CaseId { get; set; }
    public required string Question { get; set; }
    public string? Tier { get; set; }
    public List<string> Tags { get; set; } = [];
    public string? FollowupOf { get; set; }
    public int HistoryTurns { get; set; }
    public string? GoldSql { get; set; }
    public string? GeneratedSql { get; set; }
    public string? StandaloneQuestion { get; set; }
    public required string Outcome { get; set; }
    public string? Detail { get; set; }
    public bool Valid { get; set; }
    public bool Right { get; set; }
    public bool Declined { get; set; }
    public bool AnsweredWrong { get; set; }
    public double Confidence { get; set; }
    public double GenerationMs { get; set; }
    public double AnswerMs { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public decimal CostUsd { get; set; }
    public string? Path { get; set; }
    public List<string> GoldTables { get; set; } = [];
    public List<string> RetrievedTables { get; set; } = [];
    public double? RetrievalRecall { get; set; }
    public string? GoldRowsJson { get; set; }
    public string? GeneratedRowsJson { get; set; }
}

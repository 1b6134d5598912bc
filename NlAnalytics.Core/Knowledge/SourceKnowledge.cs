using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Knowledge;

/// <summary>What the analyst has been taught about a source (instructions, glossary), as answering uses it: read from memory, never a round trip.</summary>
public interface ISourceKnowledge
{
    /// <summary>The knowledge of <paramref name="sourceName"/>; empty when nobody taught it anything.</summary>
    SourceKnowledgeSnapshot For(string sourceName);

    /// <summary>The catalog with the source's glossary written into its comments (the same instance while neither changes).</summary>
    DatabaseCatalog Annotate(DatabaseCatalog catalog);
}

/// <summary>Who makes a change: their user id (for the rights) and the name the history shows.</summary>
public sealed record KnowledgeEditor(string UserId, string Name);

/// <summary>
/// Knowledge per source (ADR 0024): instructions and a glossary kept in the app database (<c>source_knowledge</c>,
/// <c>glossary_terms</c>), every change recorded in <c>knowledge_changes</c>, and a snapshot in memory that answering reads
/// (republished after each change and at start-up, like stored sources). Anyone who may query a source reads its
/// knowledge; Admins (and an upload's owner) edit it, analysts only where an Admin allowed it for that source. The
/// Knowledge dialog and /api/sources/{name}/glossary|instructions both call this.
/// </summary>
public sealed partial class SourceKnowledge(
    IDbContextFactory<AppDbContext> contexts,
    IDataSourceRegistry registry,
    ISourceAccess access,
    ICatalogProvider catalogs,
    SharedChanges changes,
    TimeProvider clock,
    ILogger<SourceKnowledge> logger) : ISourceKnowledge, ISharedChangeHandler
{
    public const int MaxInstructionsLength = 4000;
    public const int MaxTermLength = 100;
    public const int MaxSynonyms = 10;
    public const int MaxMeaningLength = 1000;

    private static readonly JsonSerializerOptions HistoryJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly ConcurrentDictionary<string, SourceKnowledgeSnapshot> _snapshots = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConditionalWeakTable<DatabaseCatalog, AnnotatedCatalog> _annotated = [];
    private readonly SemaphoreSlim _writes = new(1, 1);

    public SourceKnowledgeSnapshot For(string sourceName) => _snapshots.GetValueOrDefault(sourceName) ?? SourceKnowledgeSnapshot.Empty(sourceName);

    public DatabaseCatalog Annotate(DatabaseCatalog catalog)
    {
        var knowledge = For(catalog.DataSource);
        if (knowledge.Glossary.Count == 0)
            return catalog;
        // The offline index and retrieval cache per catalog instance: the same glossary must give the same instance.
        if (_annotated.TryGetValue(catalog, out var cached) && ReferenceEquals(cached.Knowledge, knowledge))
            return cached.Catalog;
        var annotated = GlossaryAnnotation.Apply(catalog, knowledge.Glossary);
        _annotated.AddOrUpdate(catalog, new AnnotatedCatalog(knowledge, annotated));
        return annotated;
    }

    private sealed record AnnotatedCatalog(SourceKnowledgeSnapshot Knowledge, DatabaseCatalog Catalog);

    /// <summary>Reads every source's knowledge into memory (at start-up; CLI verbs too).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var settings = await context.SourceKnowledge.AsNoTracking().ToListAsync(cancellationToken);
        var terms = await context.GlossaryTerms.AsNoTracking().OrderBy(t => t.Term).ToListAsync(cancellationToken);
        var names = settings.Select(s => s.DataSource).Concat(terms.Select(t => t.DataSource)).Distinct(StringComparer.OrdinalIgnoreCase);
        _snapshots.Clear();
        foreach (var name in names)
            _snapshots[name] = Snapshot(name, settings.FirstOrDefault(s => s.DataSource == name), terms.Where(t => t.DataSource == name));
    }

    // ---- Reading and rights -------------------------------------------------------------------------------------

    /// <summary>What <paramref name="userId"/> may do with <paramref name="sourceName"/>'s knowledge; null when they may not query the source (answered as "no such source").</summary>
    public async Task<KnowledgeRights?> RightsAsync(string userId, string sourceName, CancellationToken cancellationToken)
    {
        if (Find(sourceName) is not { } source || !await access.CanQueryAsync(userId, source, cancellationToken))
            return null;
        var owner = source.OwnerUserId is { } ownerId && ownerId == userId;
        var admin = !owner && await IsAdminAsync(userId, cancellationToken);
        return new KnowledgeRights(admin || owner || For(source.Name).AnalystsMayEdit, admin || owner);
    }

    /// <summary>The knowledge of a source the user may query; null otherwise.</summary>
    public async Task<SourceKnowledgeSnapshot?> GetAsync(string userId, string sourceName, CancellationToken cancellationToken) =>
        Find(sourceName) is { } source && await access.CanQueryAsync(userId, source, cancellationToken) ? For(source.Name) : null;

    /// <summary>Every change to a source's knowledge, newest first; null when the user may not query the source.</summary>
    public async Task<IReadOnlyList<KnowledgeChange>?> HistoryAsync(string userId, string sourceName, CancellationToken cancellationToken)
    {
        if (Find(sourceName) is not { } source || !await access.CanQueryAsync(userId, source, cancellationToken))
            return null;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.KnowledgeChanges.AsNoTracking().Where(c => c.DataSource == source.Name)
            .OrderByDescending(c => c.ChangedAt).ThenByDescending(c => c.Id).Take(200)
            .Select(c => new KnowledgeChange(c.Id, c.Subject, c.Term, c.Action, c.Before, c.After, c.ChangedBy, c.ChangedAt))
            .ToListAsync(cancellationToken);
    }

    // ---- Changes ------------------------------------------------------------------------------------------------

    /// <summary>Replaces the instructions (blank removes them).</summary>
    public Task<KnowledgeResult> SetInstructionsAsync(string sourceName, string? instructions, KnowledgeEditor editor, CancellationToken cancellationToken)
    {
        var text = (instructions ?? "").Trim().ReplaceLineEndings("\n");
        if (text.Length > MaxInstructionsLength)
            return Task.FromResult(Invalid("instructions", $"Instructions are at most {MaxInstructionsLength} characters (these are {text.Length})."));
        return ChangeAsync(sourceName, editor, settingsChange: false, async (context, source, now) =>
        {
            var row = await SettingsRowAsync(context, source, cancellationToken);
            if (row.Instructions == text)
                return null;
            context.KnowledgeChanges.Add(Change(source, "instructions", null, row.Instructions.Length == 0 ? "Added" : text.Length == 0 ? "Removed" : "Changed",
                row.Instructions.Length == 0 ? null : row.Instructions, text.Length == 0 ? null : text, editor, now));
            row.Instructions = text;
            Touch(row, editor, now);
            return null;
        }, cancellationToken);
    }

    /// <summary>Whether analysts who may query the source may edit its knowledge (Admins and an upload's owner only).</summary>
    public Task<KnowledgeResult> SetAnalystsMayEditAsync(string sourceName, bool allowed, KnowledgeEditor editor, CancellationToken cancellationToken) =>
        ChangeAsync(sourceName, editor, settingsChange: true, async (context, source, now) =>
        {
            var row = await SettingsRowAsync(context, source, cancellationToken);
            if (row.AnalystsMayEdit == allowed)
                return null;
            context.KnowledgeChanges.Add(Change(source, "settings", null, "Changed", Editing(row.AnalystsMayEdit), Editing(allowed), editor, now));
            row.AnalystsMayEdit = allowed;
            Touch(row, editor, now);
            return null;
        }, cancellationToken);

    public async Task<KnowledgeResult> AddTermAsync(string sourceName, GlossaryTermDraft draft, KnowledgeEditor editor, CancellationToken cancellationToken)
    {
        // Rights first: someone who may not edit learns nothing about the source's tables from the checks.
        if (await RefusalAsync(sourceName, editor, settingsChange: false, cancellationToken) is { } refused)
            return refused;
        var checkedDraft = await CheckAsync(sourceName, draft, cancellationToken);
        if (checkedDraft.Errors is { } errors)
            return new KnowledgeResult(KnowledgeStatus.Invalid, Errors: errors);
        var term = checkedDraft.Term!;
        GlossaryTermRow? added = null;
        var result = await ChangeAsync(sourceName, editor, settingsChange: false, async (context, source, now) =>
        {
            var lower = term.Term.ToLowerInvariant();
            if (await context.GlossaryTerms.AnyAsync(t => t.DataSource == source.Name && t.Term.ToLower() == lower, cancellationToken))
                return $"The glossary of '{source.Name}' already has the term '{term.Term}': change that one instead.";
            added = new GlossaryTermRow
            {
                DataSource = source.Name, Term = term.Term, Synonyms = [.. term.Synonyms], Kind = term.Kind.ToString(), TableName = term.Table, Meaning = term.Meaning,
                Description = term.Description, Version = 1, CreatedBy = editor.Name, CreatedAt = now, UpdatedBy = editor.Name, UpdatedAt = now,
            };
            context.GlossaryTerms.Add(added);
            context.KnowledgeChanges.Add(Change(source, "glossary", term.Term, "Added", null, TermJson(added), editor, now));
            return null;
        }, cancellationToken);
        return result.Status == KnowledgeStatus.Saved ? result with { Term = result.Knowledge!.Glossary.First(t => t.Id == added!.Id) } : result;
    }

    public async Task<KnowledgeResult> UpdateTermAsync(string sourceName, long id, GlossaryTermDraft draft, KnowledgeEditor editor, CancellationToken cancellationToken)
    {
        if (await RefusalAsync(sourceName, editor, settingsChange: false, cancellationToken) is { } refused)
            return refused;
        var checkedDraft = await CheckAsync(sourceName, draft, cancellationToken);
        if (checkedDraft.Errors is { } errors)
            return new KnowledgeResult(KnowledgeStatus.Invalid, Errors: errors);
        var term = checkedDraft.Term!;
        var result = await ChangeAsync(sourceName, editor, settingsChange: false, async (context, source, now) =>
        {
            if (await context.GlossaryTerms.FirstOrDefaultAsync(t => t.DataSource == source.Name && t.Id == id, cancellationToken) is not { } row)
                return "";
            var lower = term.Term.ToLowerInvariant();
            if (await context.GlossaryTerms.AnyAsync(t => t.DataSource == source.Name && t.Id != id && t.Term.ToLower() == lower, cancellationToken))
                return $"The glossary of '{source.Name}' already has the term '{term.Term}'.";
            var before = TermJson(row);
            row.Term = term.Term;
            row.Synonyms = [.. term.Synonyms];
            row.Kind = term.Kind.ToString();
            row.TableName = term.Table;
            row.Meaning = term.Meaning;
            row.Description = term.Description;
            var after = TermJson(row);
            if (after == before)
                return null;
            row.Version++;
            row.UpdatedBy = editor.Name;
            row.UpdatedAt = now;
            context.KnowledgeChanges.Add(Change(source, "glossary", term.Term, "Changed", before, after, editor, now));
            return null;
        }, cancellationToken);
        return result.Status == KnowledgeStatus.Saved ? result with { Term = result.Knowledge!.Glossary.First(t => t.Id == id) } : result;
    }

    public async Task<KnowledgeResult> RemoveTermAsync(string sourceName, long id, KnowledgeEditor editor, CancellationToken cancellationToken)
    {
        var result = await ChangeAsync(sourceName, editor, settingsChange: false, async (context, source, now) =>
        {
            if (await context.GlossaryTerms.FirstOrDefaultAsync(t => t.DataSource == source.Name && t.Id == id, cancellationToken) is not { } row)
                return "";
            context.GlossaryTerms.Remove(row);
            context.KnowledgeChanges.Add(Change(source, "glossary", row.Term, "Removed", TermJson(row), null, editor, now));
            return null;
        }, cancellationToken);
        return result;
    }

    /// <summary>
    /// Checks the rights, runs <paramref name="change"/> in a transaction (it returns a conflict message, "" for a term that is not there, or
    /// null), records it, and republishes the source's snapshot.
    /// </summary>
    private async Task<KnowledgeResult> ChangeAsync(
        string sourceName, KnowledgeEditor editor, bool settingsChange, Func<AppDbContext, DataSource, DateTimeOffset, Task<string?>> change, CancellationToken cancellationToken)
    {
        if (await RefusalAsync(sourceName, editor, settingsChange, cancellationToken) is { } refused)
            return refused;
        var source = Find(sourceName)!;
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
            var refusal = await change(context, source, clock.GetUtcNow());
            if (refusal is not null)
                return refusal.Length == 0
                    ? new KnowledgeResult(KnowledgeStatus.NotFound, Message: $"The glossary of '{source.Name}' has no such term (it may have been removed).")
                    : new KnowledgeResult(KnowledgeStatus.Conflict, Message: refusal);
            await context.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            var snapshot = await ReloadAsync(context, source.Name, cancellationToken);
            await changes.PublishAsync(SharedChange.Knowledge, source.Name);
            LogChanged(logger, source.Name, editor.Name);
            return new KnowledgeResult(KnowledgeStatus.Saved, snapshot);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>NotFound when the editor may not query the source, Forbidden when they may not make this change, null when they may.</summary>
    internal async Task<KnowledgeResult?> RefusalAsync(string sourceName, KnowledgeEditor editor, bool settingsChange, CancellationToken cancellationToken)
    {
        if (await RightsAsync(editor.UserId, sourceName, cancellationToken) is not { } rights)
            return new KnowledgeResult(KnowledgeStatus.NotFound, Message: $"There is no data source named '{sourceName}'.");
        if (settingsChange ? rights.CanChangeSettings : rights.CanEdit)
            return null;
        return new KnowledgeResult(KnowledgeStatus.Forbidden, Message: settingsChange
            ? "Only an Admin decides who may edit a source's knowledge."
            : $"Only Admins edit the knowledge of '{Find(sourceName)!.Name}' (an Admin can allow analysts to).");
    }

    /// <summary>Another instance changed a source's instructions or glossary (or removed the source): read them again.</summary>
    public async Task ApplyAsync(SharedChangeNotice change, CancellationToken cancellationToken)
    {
        if (change.Kind != SharedChange.Knowledge || change.DataSource is not { } sourceName)
            return;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        await ReloadAsync(context, sourceName, cancellationToken);
    }

    private async Task<SourceKnowledgeSnapshot> ReloadAsync(AppDbContext context, string sourceName, CancellationToken cancellationToken)
    {
        var settings = await context.SourceKnowledge.AsNoTracking().FirstOrDefaultAsync(s => s.DataSource == sourceName, cancellationToken);
        var terms = await context.GlossaryTerms.AsNoTracking().Where(t => t.DataSource == sourceName).OrderBy(t => t.Term).ToListAsync(cancellationToken);
        return _snapshots[sourceName] = Snapshot(sourceName, settings, terms);
    }

    private async Task<SourceKnowledgeRow> SettingsRowAsync(AppDbContext context, DataSource source, CancellationToken cancellationToken)
    {
        if (await context.SourceKnowledge.FirstOrDefaultAsync(s => s.DataSource == source.Name, cancellationToken) is { } row)
            return row;
        row = new SourceKnowledgeRow { DataSource = source.Name };
        context.SourceKnowledge.Add(row);
        return row;
    }

    private static void Touch(SourceKnowledgeRow row, KnowledgeEditor editor, DateTimeOffset now)
    {
        row.Version++;
        row.UpdatedBy = editor.Name;
        row.UpdatedAt = now;
    }

    private sealed record CheckedDraft(GlossaryTerm? Term, IReadOnlyDictionary<string, string[]>? Errors);

    /// <summary>A draft made whole (the column's table split off "schema.table.column") and checked against the source's catalog.</summary>
    private async Task<CheckedDraft> CheckAsync(string sourceName, GlossaryTermDraft draft, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var termText = Clean(draft.Term);
        if (termText.Length == 0)
            errors["term"] = ["A term is needed."];
        else if (termText.Length > MaxTermLength)
            errors["term"] = [$"A term is at most {MaxTermLength} characters."];
        var synonyms = (draft.Synonyms ?? []).Select(Clean).Where(s => s.Length > 0 && !string.Equals(s, termText, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (synonyms.Count > MaxSynonyms || synonyms.Any(s => s.Length > MaxTermLength))
            errors["synonyms"] = [$"At most {MaxSynonyms} synonyms of at most {MaxTermLength} characters each."];

        var table = (draft.Table ?? "").Trim();
        var meaning = (draft.Meaning ?? "").Trim();
        if (draft.Kind == MeaningKind.Column && table.Length == 0 && meaning.Split('.') is { Length: 3 } path)
            (table, meaning) = ($"{path[0]}.{path[1]}", path[2]);
        if (meaning.Length == 0)
            errors["meaning"] = [draft.Kind switch
            {
                MeaningKind.Column => "Name the column the term means.",
                MeaningKind.Filter => "Write the condition the term means, e.g. status <> 'cancelled'.",
                _ => "Write the SQL expression the term means, e.g. SUM(net_amount).",
            }];
        else if (meaning.Length > MaxMeaningLength)
            errors["meaning"] = [$"A meaning is at most {MaxMeaningLength} characters."];
        else if (draft.Kind != MeaningKind.Column && (meaning.Contains(';', StringComparison.Ordinal) || meaning.Contains("--", StringComparison.Ordinal) || meaning.Contains("/*", StringComparison.Ordinal)))
            errors["meaning"] = ["A meaning is one SQL expression or condition: no semicolons or comments."];

        if (table.Length == 0)
            errors["table"] = ["Name the table (schema.table) the term is about."];
        else if (Find(sourceName) is { } source)
        {
            DatabaseCatalog? catalog;
            try
            {
                catalog = await catalogs.GetAsync(source, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCatalogUnreadable(logger, e, source.Name);
                catalog = null;
                errors["table"] = ["The source's tables cannot be read just now, so the term cannot be checked. Try again later."];
            }
            if (catalog is not null)
            {
                if (catalog.Find(table) is not { } found)
                    errors["table"] = [$"'{source.Name}' has no table '{table}' (write it as schema.table)."];
                else
                {
                    table = found.QualifiedName;
                    if (draft.Kind == MeaningKind.Column && meaning.Length > 0)
                    {
                        if (found.Column(meaning) is { } column)
                            meaning = column.Name;
                        else
                            errors["meaning"] = [$"{table} has no column '{meaning}'."];
                    }
                }
            }
        }
        if (!Enum.IsDefined(draft.Kind))
            errors["kind"] = ["The kind is Column, Filter or Expression."];
        if (errors.Count > 0)
            return new CheckedDraft(null, errors);
        var description = string.IsNullOrWhiteSpace(draft.Description) ? null : draft.Description.Trim();
        if (description is { Length: > 500 })
            return new CheckedDraft(null, new Dictionary<string, string[]> { ["description"] = ["A description is at most 500 characters."] });
        return new CheckedDraft(new GlossaryTerm(0, termText, synonyms, draft.Kind, table, meaning, description, 0, "", default), null);
    }

    private static string Clean(string? text) => string.Join(' ', (text ?? "").Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static SourceKnowledgeSnapshot Snapshot(string name, SourceKnowledgeRow? settings, IEnumerable<GlossaryTermRow> terms) => new(
        name, settings?.Instructions ?? "", settings?.AnalystsMayEdit ?? false, settings?.Version ?? 0, settings?.UpdatedBy, settings?.UpdatedAt,
        [.. terms.Select(t => new GlossaryTerm(t.Id, t.Term, t.Synonyms, Enum.Parse<MeaningKind>(t.Kind), t.TableName ?? "", t.Meaning, t.Description, t.Version, t.UpdatedBy, t.UpdatedAt))]);

    internal static KnowledgeChangeRow Change(DataSource source, string subject, string? term, string action, string? before, string? after, KnowledgeEditor editor, DateTimeOffset now) =>
        new() { DataSource = source.Name, Subject = subject, Term = term, Action = action, Before = before, After = after, ChangedBy = editor.Name, ChangedAt = now };

    private static string TermJson(GlossaryTermRow row) =>
        JsonSerializer.Serialize(new { row.Term, row.Synonyms, row.Kind, Table = row.TableName, row.Meaning, row.Description }, HistoryJson);

    private static string Editing(bool allowed) => allowed ? "Admins and analysts edit" : "Admins edit";

    private async Task<bool> IsAdminAsync(string userId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await (from ur in context.UserRoles where ur.UserId == userId join r in context.Roles on ur.RoleId equals r.Id where r.Name == AppRoles.Admin select r.Id)
            .AnyAsync(cancellationToken);
    }

    /// <summary>
    /// Drops the instructions and glossary of a source that was removed, so a new source of the same name starts untaught;
    /// the history stays (it records what the removed source was taught).
    /// </summary>
    public async Task ForgetAsync(AppDbContext context, string sourceName, CancellationToken cancellationToken)
    {
        await context.GlossaryTerms.Where(t => t.DataSource == sourceName).ExecuteDeleteAsync(cancellationToken);
        await context.SourceKnowledge.Where(k => k.DataSource == sourceName).ExecuteDeleteAsync(cancellationToken);
        _snapshots.TryRemove(sourceName, out _);
    }

    /// <summary>The registry's spelling of a source's name, or null when there is no such source.</summary>
    public string? SourceName(string name) => Find(name)?.Name;

    internal DataSource? Find(string name) => registry.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    private static KnowledgeResult Invalid(string field, string message) =>
        new(KnowledgeStatus.Invalid, Errors: new Dictionary<string, string[]> { [field] = [message] });

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge of source {Source} changed by {User}")]
    private static partial void LogChanged(ILogger logger, string source, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The catalog of source {Source} could not be read to check a glossary term")]
    private static partial void LogCatalogUnreadable(ILogger logger, Exception exception, string source);
}

/// <summary>Reads every source's knowledge into memory once the app database is migrated (registered after PlatformStartup).</summary>
public sealed class SourceKnowledgeStartup(SourceKnowledge knowledge) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => knowledge.LoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

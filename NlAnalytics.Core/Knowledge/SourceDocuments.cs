using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Semantics;

namespace NlAnalytics.Core.Knowledge;

/// <summary>The passages of a source's documents that bear on a question, as answering uses them: from memory, never a round trip.</summary>
public interface IDocumentPassages
{
    /// <summary>The passages closest in meaning to <paramref name="question"/>, best first, none under the minimum similarity; none when the source has no documents.</summary>
    IReadOnlyList<DocumentPassage> Relevant(string sourceName, string question, CancellationToken cancellationToken);
}

/// <summary>The outcome of a document change: Saved (with the document), or why not.</summary>
public sealed record DocumentResult(KnowledgeStatus Status, KnowledgeDocument? Document = null, string? Message = null);

/// <summary>
/// Documents per source (ADR 0030): an uploaded Markdown, text or PDF file becomes passages (<see cref="DocumentText"/>),
/// each embedded with the app's local sentence encoder and stored in <c>knowledge_documents</c> and <c>document_passages</c>
/// (vectors as <c>real[]</c>); every upload and removal is a change in the knowledge history. The vectors are also kept
/// in memory, like the rest of a source's knowledge (ADR 0024), so finding a question's passages is one encoding and a
/// scan. The same rights as instructions and glossary: the Knowledge dialog and /api/sources/{name}/documents call this.
/// </summary>
public sealed partial class SourceDocuments(
    IDbContextFactory<AppDbContext> contexts,
    SourceKnowledge knowledge,
    ISentenceEncoder encoder,
    IOptions<DocumentOptions> options,
    SharedChanges changes,
    TimeProvider clock,
    ILogger<SourceDocuments> logger) : IDocumentPassages, ISharedChangeHandler
{
    public const int MaxNameLength = 100;

    /// <summary>Texts per encoder call, as for the catalog (small batches keep a question's own encoding from waiting long).</summary>
    private const int EncodeBatch = 16;

    private sealed record IndexedPassage(long DocumentId, string Document, int Ordinal, string? Heading, string Text, float[] Vector);

    private readonly ConcurrentDictionary<string, IReadOnlyList<IndexedPassage>> _passages = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _writes = new(1, 1);

    public DocumentOptions Options => options.Value;

    public IReadOnlyList<DocumentPassage> Relevant(string sourceName, string question, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.PassagesPerQuestion == 0 || !_passages.TryGetValue(sourceName, out var passages) || passages.Count == 0 || string.IsNullOrWhiteSpace(question))
            return [];
        var query = encoder.Encode([question], cancellationToken)[0];
        return [.. passages
            .Select(p => (Passage: p, Similarity: SemanticSpace.Dot(query, p.Vector)))
            .Where(p => p.Similarity >= settings.MinimumSimilarity)
            .OrderByDescending(p => p.Similarity).ThenBy(p => p.Passage.DocumentId).ThenBy(p => p.Passage.Ordinal)
            .Take(settings.PassagesPerQuestion)
            .Select(p => new DocumentPassage(p.Passage.DocumentId, p.Passage.Document, p.Passage.Ordinal, p.Passage.Heading, p.Passage.Text, p.Similarity))];
    }

    /// <summary>Reads every source's passages into memory (at start-up; CLI verbs too). Vectors of another encoder are left out (and logged).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var documents = await context.KnowledgeDocuments.AsNoTracking().Include(d => d.Passages).AsSplitQuery().ToListAsync(cancellationToken);
        _passages.Clear();
        foreach (var stale in documents.Where(d => d.Model != encoder.Model))
            LogOtherModel(logger, stale.Name, stale.DataSource, stale.Model);
        foreach (var source in documents.Where(d => d.Model == encoder.Model).GroupBy(d => d.DataSource, StringComparer.OrdinalIgnoreCase))
            _passages[source.Key] = Index(source);
    }

    /// <summary>The source's documents, by name; null when the user may not query the source.</summary>
    public async Task<IReadOnlyList<KnowledgeDocument>?> ListAsync(string userId, string sourceName, CancellationToken cancellationToken)
    {
        if (await knowledge.RightsAsync(userId, sourceName, cancellationToken) is null)
            return null;
        var name = knowledge.SourceName(sourceName)!;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.KnowledgeDocuments.AsNoTracking().Where(d => d.DataSource == name).OrderBy(d => d.Name)
            .Select(d => new { Row = d, Passages = d.Passages.Count }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => View(r.Row, r.Passages))];
    }

    /// <summary>
    /// Teaches <paramref name="fileName"/> to the source: read, split, embedded and stored in one transaction, or refused
    /// (Invalid, with the reason) with nothing stored. A document of the same name is replaced (its version counts up).
    /// </summary>
    public async Task<DocumentResult> AddAsync(string sourceName, string fileName, byte[] content, KnowledgeEditor editor, CancellationToken cancellationToken)
    {
        if (await RefusalAsync(sourceName, editor, cancellationToken) is { } refused)
            return refused;
        var settings = options.Value;
        var name = DocumentName(fileName);
        if (name.Length == 0)
            return Invalid("The file has no name.");
        if (DocumentText.FormatOf(name) is not { } format)
            return Invalid($"'{name}' is not a document the analyst can read: upload Markdown (.md), plain text (.txt) or PDF (.pdf).");
        if (content.LongLength > settings.MaxFileBytes)
            return Invalid(TooLarge(name, content.LongLength, settings.MaxFileBytes));

        IReadOnlyList<PassageText> passages;
        try
        {
            var text = DocumentText.Extract(name, format, content);
            passages = DocumentText.Split(text, format, settings.PassageCharacters, settings.OverlapCharacters);
        }
        catch (DocumentException e)
        {
            return Invalid(e.Message);
        }
        if (passages.Count == 0)
            return Invalid($"'{name}' has no text to read.");
        if (passages.Count > settings.MaxPassagesPerDocument)
            return Invalid($"'{name}' makes {passages.Count:N0} passages; a document makes at most {settings.MaxPassagesPerDocument:N0}. Split it into several documents.");

        var source = knowledge.Find(sourceName)!;
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            var others = await context.KnowledgeDocuments.Where(d => d.DataSource == source.Name && d.Name.ToLower() != name.ToLower()).SumAsync(d => d.Bytes, cancellationToken);
            if (others + content.LongLength > settings.MaxSourceBytes)
                return Invalid($"The documents of '{source.Name}' would take {Size(others + content.LongLength)}; a source's documents take at most {Size(settings.MaxSourceBytes)}. Delete a document first.");

            var vectors = new List<float[]>(passages.Count);
            foreach (var batch in passages.Chunk(EncodeBatch))
                vectors.AddRange(encoder.Encode([.. batch.Select(p => p.ForEncoding)], cancellationToken));

            await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
            var now = clock.GetUtcNow();
            var lower = name.ToLowerInvariant();
            var row = await context.KnowledgeDocuments.FirstOrDefaultAsync(d => d.DataSource == source.Name && d.Name.ToLower() == lower, cancellationToken);
            var after = DocumentText.Describe(format, content.LongLength, passages.Count);
            if (row is null)
            {
                row = new KnowledgeDocumentRow { DataSource = source.Name, Name = name, Format = format, Model = encoder.Model, UploadedBy = editor.Name };
                context.KnowledgeDocuments.Add(row);
                context.KnowledgeChanges.Add(SourceKnowledge.Change(source, "document", name, "Added", null, after, editor, now));
            }
            else
            {
                var before = DocumentText.Describe(row.Format, row.Bytes, await context.DocumentPassages.CountAsync(p => p.DocumentId == row.Id, cancellationToken));
                await context.DocumentPassages.Where(p => p.DocumentId == row.Id).ExecuteDeleteAsync(cancellationToken);
                context.KnowledgeChanges.Add(SourceKnowledge.Change(source, "document", name, "Changed", before, after, editor, now));
            }
            row.Name = name;
            row.Format = format;
            row.Bytes = content.LongLength;
            row.Model = encoder.Model;
            row.Version++;
            row.UploadedBy = editor.Name;
            row.UploadedAt = now;
            row.Passages = [.. passages.Select((p, i) => new DocumentPassageRow { Ordinal = p.Ordinal, Heading = p.Heading, Text = p.Text, Vector = vectors[i] })];
            await context.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            await ReloadAsync(context, source.Name, cancellationToken);
            await changes.PublishAsync(SharedChange.Documents, source.Name);
            LogAdded(logger, name, source.Name, passages.Count, editor.Name);
            return new DocumentResult(KnowledgeStatus.Saved, View(row, passages.Count));
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>NotFound when the editor may not query the source, Forbidden when they may not edit its knowledge, null when they may.</summary>
    public async Task<DocumentResult?> RefusalAsync(string sourceName, KnowledgeEditor editor, CancellationToken cancellationToken) =>
        await knowledge.RefusalAsync(sourceName, editor, settingsChange: false, cancellationToken) is { } refused
            ? new DocumentResult(refused.Status, Message: refused.Message)
            : null;

    public static string TooLarge(string name, long bytes, long max) => $"'{name}' is {Size(bytes)}; a document is at most {Size(max)}.";

    /// <summary>Removes a document and its passages; the history keeps that it was there.</summary>
    public async Task<DocumentResult> RemoveAsync(string sourceName, long id, KnowledgeEditor editor, CancellationToken cancellationToken)
    {
        if (await RefusalAsync(sourceName, editor, cancellationToken) is { } refused)
            return refused;
        var source = knowledge.Find(sourceName)!;
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
            if (await context.KnowledgeDocuments.FirstOrDefaultAsync(d => d.DataSource == source.Name && d.Id == id, cancellationToken) is not { } row)
                return new DocumentResult(KnowledgeStatus.NotFound, Message: $"'{source.Name}' has no such document (it may have been deleted).");
            var passages = await context.DocumentPassages.CountAsync(p => p.DocumentId == row.Id, cancellationToken);
            context.KnowledgeDocuments.Remove(row);
            context.KnowledgeChanges.Add(SourceKnowledge.Change(source, "document", row.Name, "Removed", DocumentText.Describe(row.Format, row.Bytes, passages), null, editor, clock.GetUtcNow()));
            await context.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            await ReloadAsync(context, source.Name, cancellationToken);
            await changes.PublishAsync(SharedChange.Documents, source.Name);
            return new DocumentResult(KnowledgeStatus.Saved, View(row, passages));
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Drops the documents of a source that was removed (its passages go with them); the history stays.</summary>
    public async Task ForgetAsync(AppDbContext context, string sourceName, CancellationToken cancellationToken)
    {
        await context.KnowledgeDocuments.Where(d => d.DataSource == sourceName).ExecuteDeleteAsync(cancellationToken);
        _passages.TryRemove(sourceName, out _);
    }

    /// <summary>Another instance changed a source's documents (or removed the source): read its passages again.</summary>
    public async Task ApplyAsync(SharedChangeNotice change, CancellationToken cancellationToken)
    {
        if (change.Kind != SharedChange.Documents || change.DataSource is not { } sourceName)
            return;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        await ReloadAsync(context, sourceName, cancellationToken);
    }

    private async Task ReloadAsync(AppDbContext context, string sourceName, CancellationToken cancellationToken)
    {
        var documents = await context.KnowledgeDocuments.AsNoTracking().Where(d => d.DataSource == sourceName && d.Model == encoder.Model)
            .Include(d => d.Passages).AsSplitQuery().ToListAsync(cancellationToken);
        _passages[sourceName] = Index(documents);
    }

    private static List<IndexedPassage> Index(IEnumerable<KnowledgeDocumentRow> documents) =>
        [.. documents.SelectMany(d => d.Passages.OrderBy(p => p.Ordinal).Select(p => new IndexedPassage(d.Id, d.Name, p.Ordinal, p.Heading, p.Text, p.Vector)))];

    /// <summary>The file's own name (no folders a browser or script may send), cut to fit while keeping its extension.</summary>
    private static string DocumentName(string fileName)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/')).Trim();
        name = string.Concat(name.Where(c => !char.IsControl(c)));
        if (name.Length <= MaxNameLength)
            return name;
        var extension = Path.GetExtension(name);
        return extension.Length >= MaxNameLength ? name[..MaxNameLength] : name[..(MaxNameLength - extension.Length)] + extension;
    }

    private static KnowledgeDocument View(KnowledgeDocumentRow row, int passages) =>
        new(row.Id, row.DataSource, row.Name, row.Format, row.Bytes, passages, row.Version, row.UploadedBy, row.UploadedAt);

    private static DocumentResult Invalid(string message) => new(KnowledgeStatus.Invalid, Message: message);

    /// <summary>A size as messages and the Knowledge dialog say it: "64 KB", "10 MB".</summary>
    public static string Size(long bytes) => bytes >= 1024 * 1024
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MB")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Max(0.1, bytes / 1024.0):0.#} KB");

    [LoggerMessage(Level = LogLevel.Information, Message = "Document {Document} taught to source {Source}: {Passages} passages, by {User}")]
    private static partial void LogAdded(ILogger logger, string document, string source, int passages, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Document {Document} of source {Source} was embedded by {Model}, not the current encoder: upload it again to use it")]
    private static partial void LogOtherModel(ILogger logger, string document, string source, string model);
}

/// <summary>Reads every source's document passages into memory once the app database is migrated.</summary>
public sealed class SourceDocumentsStartup(SourceDocuments documents) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => documents.LoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

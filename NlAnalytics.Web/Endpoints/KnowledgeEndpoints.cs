using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using NlAnalytics.Core.Knowledge;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A source's instructions. <see cref="CanEdit"/>: whether the caller may change them; <see cref="AnalystsMayEdit"/>: whether analysts may (an Admin's setting).</summary>
public sealed record InstructionsView(string Source, string Instructions, int Version, string? UpdatedBy, DateTimeOffset? UpdatedAt, bool AnalystsMayEdit, bool CanEdit);

/// <summary>New instructions (blank removes them) and, for Admins, whether analysts may edit the source's knowledge (null: unchanged).</summary>
public sealed record InstructionsRequest(string? Instructions, bool? AnalystsMayEdit = null);

/// <summary>A glossary term. Kind is Column, Filter or Expression; Table is "schema.table"; Meaning the column, the condition or the expression.</summary>
public sealed record GlossaryTermView(
    long Id, string Term, IReadOnlyList<string> Synonyms, MeaningKind Kind, string Table, string Meaning, string? Description, int Version, string UpdatedBy, DateTimeOffset UpdatedAt)
{
    public static GlossaryTermView From(GlossaryTerm t) => new(t.Id, t.Term, t.Synonyms, t.Kind, t.Table, t.Meaning, t.Description, t.Version, t.UpdatedBy, t.UpdatedAt);
}

/// <summary>What a term is to mean. For a Column, Meaning may be "schema.table.column" without Table.</summary>
public sealed record GlossaryTermRequest(string? Term, IReadOnlyList<string>? Synonyms, MeaningKind Kind, string? Table, string? Meaning, string? Description = null)
{
    public GlossaryTermDraft ToDraft() => new(Term, Synonyms, Kind, Table, Meaning, Description);
}

/// <summary>A document taught to a source: Format is Markdown, Text or Pdf; Passages how many parts of it a question can draw on.</summary>
public sealed record DocumentView(long Id, string Name, string Format, long Bytes, int Passages, int Version, string UploadedBy, DateTimeOffset UploadedAt)
{
    public static DocumentView From(KnowledgeDocument d) => new(d.Id, d.Name, d.Format, d.Bytes, d.Passages, d.Version, d.UploadedBy, d.UploadedAt);
}

/// <summary>The multipart form of <c>POST /api/sources/{name}/documents</c>: one Markdown, text or PDF file in <c>file</c>.</summary>
public sealed record DocumentForm(IFormFile File);

/// <summary>
/// /api/sources/{name}/instructions, /glossary, /documents and /knowledge/history: what the Knowledge dialog of the Sources page shows
/// and changes, through the same <see cref="SourceKnowledge"/>. Anyone who may query the source reads; a user who may not
/// gets 404, as for a source that does not exist; editing needs an Admin, the upload's owner, or analysts allowed (else 403).
/// </summary>
public static class KnowledgeEndpoints
{
    public static IEndpointRouteBuilder MapKnowledgeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/sources/{name}").WithTags("Knowledge").AddEndpointFilter(ApiKeyScope.EnforceOnSourceNameAsync);
        group.MapGet("/instructions", InstructionsAsync);
        group.MapPut("/instructions", SetInstructionsAsync);
        group.MapGet("/glossary", GlossaryAsync);
        group.MapPost("/glossary", AddTermAsync);
        group.MapPut("/glossary/{id:long}", UpdateTermAsync);
        group.MapDelete("/glossary/{id:long}", RemoveTermAsync);
        group.MapGet("/documents", DocumentsAsync);
        var documents = endpoints.ServiceProvider.GetRequiredService<SourceDocuments>();
        group.MapPost("/documents", AddDocumentAsync)
            // Multipart from scripts; the group's guard (JSON or X-Requested-With) stands in for antiforgery tokens.
            .DisableAntiforgery()
            // Room for the file and the multipart framing; the service refuses anything over its own limit with a message.
            .WithMetadata(new RequestSizeLimitAttribute(documents.Options.MaxFileBytes + 1024 * 1024))
            .Accepts<DocumentForm>("multipart/form-data");
        group.MapDelete("/documents/{id:long}", RemoveDocumentAsync);
        group.MapGet("/knowledge/history", HistoryAsync);
        return endpoints;
    }

    private static async Task<Results<Ok<InstructionsView>, ProblemHttpResult>> InstructionsAsync(
        string name, ClaimsPrincipal user, SourceKnowledge knowledge, CancellationToken cancellationToken) =>
        await knowledge.RightsAsync(user.UserId(), name, cancellationToken) is { } rights
            ? TypedResults.Ok(View(knowledge.For(Canonical(knowledge, name)), rights))
            : NoSuchSource(name);

    /// <summary>Replaces the instructions; with analystsMayEdit, also who may edit (Admins only).</summary>
    private static async Task<Results<Ok<InstructionsView>, ProblemHttpResult, ValidationProblem>> SetInstructionsAsync(
        string name, ClaimsPrincipal user, JsonBody<InstructionsRequest> body, SourceKnowledge knowledge, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        var editor = Editor(user);
        if (request.AnalystsMayEdit is { } allowed)
        {
            var setting = await knowledge.SetAnalystsMayEditAsync(name, allowed, editor, cancellationToken);
            if (setting.Status == KnowledgeStatus.Invalid)
                return Invalid(setting);
            if (setting.Status != KnowledgeStatus.Saved)
                return Problem(setting, name);
        }
        var result = await knowledge.SetInstructionsAsync(name, request.Instructions, editor, cancellationToken);
        if (result.Status == KnowledgeStatus.Invalid)
            return Invalid(result);
        if (result.Status != KnowledgeStatus.Saved)
            return Problem(result, name);
        var rights = await knowledge.RightsAsync(editor.UserId, name, cancellationToken);
        return TypedResults.Ok(View(result.Knowledge!, rights!));
    }

    private static async Task<Results<Ok<IReadOnlyList<GlossaryTermView>>, ProblemHttpResult>> GlossaryAsync(
        string name, ClaimsPrincipal user, SourceKnowledge knowledge, CancellationToken cancellationToken) =>
        await knowledge.GetAsync(user.UserId(), name, cancellationToken) is { } taught
            ? TypedResults.Ok<IReadOnlyList<GlossaryTermView>>([.. taught.Glossary.Select(GlossaryTermView.From)])
            : NoSuchSource(name);

    private static async Task<Results<Created<GlossaryTermView>, ProblemHttpResult, ValidationProblem>> AddTermAsync(
        string name, ClaimsPrincipal user, JsonBody<GlossaryTermRequest> body, SourceKnowledge knowledge, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        var result = await knowledge.AddTermAsync(name, request.ToDraft(), Editor(user), cancellationToken);
        if (result.Status == KnowledgeStatus.Invalid)
            return Invalid(result);
        if (result.Status != KnowledgeStatus.Saved)
            return Problem(result, name);
        return TypedResults.Created($"/api/sources/{result.Knowledge!.DataSource}/glossary/{result.Term!.Id}", GlossaryTermView.From(result.Term));
    }

    private static async Task<Results<Ok<GlossaryTermView>, ProblemHttpResult, ValidationProblem>> UpdateTermAsync(
        string name, long id, ClaimsPrincipal user, JsonBody<GlossaryTermRequest> body, SourceKnowledge knowledge, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        var result = await knowledge.UpdateTermAsync(name, id, request.ToDraft(), Editor(user), cancellationToken);
        if (result.Status == KnowledgeStatus.Invalid)
            return Invalid(result);
        if (result.Status != KnowledgeStatus.Saved)
            return Problem(result, name);
        return TypedResults.Ok(GlossaryTermView.From(result.Term!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveTermAsync(
        string name, long id, ClaimsPrincipal user, SourceKnowledge knowledge, CancellationToken cancellationToken)
    {
        var result = await knowledge.RemoveTermAsync(name, id, Editor(user), cancellationToken);
        return result.Status == KnowledgeStatus.Saved ? TypedResults.NoContent() : Problem(result, name);
    }

    private static async Task<Results<Ok<IReadOnlyList<DocumentView>>, ProblemHttpResult>> DocumentsAsync(
        string name, ClaimsPrincipal user, SourceDocuments documents, CancellationToken cancellationToken) =>
        await documents.ListAsync(user.UserId(), name, cancellationToken) is { } list
            ? TypedResults.Ok<IReadOnlyList<DocumentView>>([.. list.Select(DocumentView.From)])
            : NoSuchSource(name);

    /// <summary>
    /// Multipart form with <c>file</c>: Markdown (.md), text (.txt) or PDF (.pdf), at most 10 MB by default. Its text is split
    /// into passages and embedded; one of the same name is replaced. 400 with the reason (empty, unreadable, wrong type, too
    /// large, over the source's total), and then nothing is stored.
    /// </summary>
    private static async Task<Results<Created<DocumentView>, ProblemHttpResult>> AddDocumentAsync(
        string name, HttpRequest request, ClaimsPrincipal user, SourceDocuments documents, CancellationToken cancellationToken)
    {
        var (_, file, error) = await MultipartFile.ReadAsync(request, "the document", cancellationToken);
        if (file is null)
            return BadDocument(error!);
        // Rights first (someone who may not edit learns nothing from the checks), and the size before holding the file in memory.
        var editor = Editor(user);
        if (await documents.RefusalAsync(name, editor, cancellationToken) is { } refused)
            return DocumentProblem(refused, name);
        if (file.Length > documents.Options.MaxFileBytes)
            return BadDocument(SourceDocuments.TooLarge(Path.GetFileName(file.FileName), file.Length, documents.Options.MaxFileBytes));
        var content = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(content, cancellationToken);
        var result = await documents.AddAsync(name, file.FileName, content, editor, cancellationToken);
        if (result.Status != KnowledgeStatus.Saved)
            return DocumentProblem(result, name);
        return TypedResults.Created($"/api/sources/{result.Document!.DataSource}/documents/{result.Document.Id}", DocumentView.From(result.Document));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveDocumentAsync(
        string name, long id, ClaimsPrincipal user, SourceDocuments documents, CancellationToken cancellationToken)
    {
        var result = await documents.RemoveAsync(name, id, Editor(user), cancellationToken);
        return result.Status == KnowledgeStatus.Saved ? TypedResults.NoContent() : DocumentProblem(result, name);
    }

    private static ProblemHttpResult DocumentProblem(DocumentResult result, string name) => result.Status == KnowledgeStatus.Invalid
        ? BadDocument(result.Message!)
        : Problem(new KnowledgeResult(result.Status, Message: result.Message), name);

    private static ProblemHttpResult BadDocument(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The document cannot be taught");

    /// <summary>Every change to the source's instructions, glossary, documents and settings, newest first (at most 200).</summary>
    private static async Task<Results<Ok<IReadOnlyList<KnowledgeChange>>, ProblemHttpResult>> HistoryAsync(
        string name, ClaimsPrincipal user, SourceKnowledge knowledge, CancellationToken cancellationToken) =>
        await knowledge.HistoryAsync(user.UserId(), name, cancellationToken) is { } history ? TypedResults.Ok(history) : NoSuchSource(name);

    private static InstructionsView View(SourceKnowledgeSnapshot k, KnowledgeRights rights) =>
        new(k.DataSource, k.Instructions, k.Version, k.UpdatedBy, k.UpdatedAt, k.AnalystsMayEdit, rights.CanEdit);

    private static string Canonical(SourceKnowledge knowledge, string name) => knowledge.SourceName(name) ?? name;

    private static KnowledgeEditor Editor(ClaimsPrincipal user) => new(user.UserId(), user.Identity?.Name ?? user.UserId());

    private static ValidationProblem Invalid(KnowledgeResult result) => TypedResults.ValidationProblem(result.Errors!, title: "The request is not valid");

    private static ProblemHttpResult Problem(KnowledgeResult result, string name) => result.Status switch
    {
        KnowledgeStatus.Forbidden => TypedResults.Problem(result.Message, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed"),
        KnowledgeStatus.Conflict => ApiGroup.Conflict(result.Message!),
        _ => ApiGroup.NotFound(result.Message ?? $"There is no data source named '{name}'."),
    };

    private static ProblemHttpResult NoSuchSource(string name) => ApiGroup.NotFound($"There is no data source named '{name}'.");
}

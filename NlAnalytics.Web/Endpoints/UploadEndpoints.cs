using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using NlAnalytics.Core.Uploads;
using NlAnalytics.Web.Extensions;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A column of an upload as the API shows it: the header as written, its SQL name and its type.</summary>
public sealed record UploadColumnView(string Header, string Name, string Type, string? Description);

/// <summary>An uploaded file, now a source of its own.</summary>
public sealed record UploadView(string Source, string DisplayName, string FileName, string Table, int Rows, long Bytes, DateTimeOffset CreatedAt, IReadOnlyList<UploadColumnView> Columns);

/// <summary>What a file would become (<c>?preview=true</c>): nothing is stored.</summary>
public sealed record UploadPreviewView(string FileName, string Table, string Format, string? Encoding, string? Separator, int Rows, IReadOnlyList<UploadColumnView> Columns, IReadOnlyList<string?[]> FirstRows);

/// <summary>The multipart form of <c>POST /api/uploads</c>: <c>types</c> and <c>descriptions</c> are JSON objects keyed by column name.</summary>
public sealed record UploadForm(IFormFile File, string? DisplayName, string? Types, string? Descriptions);

/// <summary>/api/uploads: an analyst's CSV and XLSX files as private sources (the same service as the Uploads page).</summary>
public static class UploadEndpoints
{
    public static IEndpointRouteBuilder MapUploadEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var uploads = endpoints.ServiceProvider.GetRequiredService<UploadService>();
        var group = endpoints.MapApiGroup("/api/uploads").WithTags("Uploads").AddEndpointFilter(ApiKeyScope.EnforceOnSourceNameAsync);
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync)
            // Multipart from scripts; the group's guard (JSON or X-Requested-With) stands in for antiforgery tokens.
            .DisableAntiforgery()
            // Room for the file and the multipart framing; the service refuses anything over its own limit with a message.
            .WithMetadata(new RequestSizeLimitAttribute(uploads.Options.MaxFileBytes + 1024 * 1024))
            // The handler reads the form itself (to answer a bad one with problem details): this tells the OpenAPI document its fields.
            .Accepts<UploadForm>("multipart/form-data");
        group.MapDelete("/{name}", DeleteAsync);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<UploadView>>> ListAsync(ClaimsPrincipal user, UploadService uploads, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<UploadView>>([.. user.WithinScope((await uploads.ListAsync(user.UserId(), cancellationToken)).Select(View), u => u.Source)]);

    /// <summary>
    /// Multipart form: <c>file</c> (CSV, TSV, TXT or XLSX), optional <c>displayName</c>, optional <c>types</c> (JSON object
    /// column name → Integer, Decimal, Year, Boolean, Date, Timestamp or Text), optional <c>descriptions</c> (JSON object column
    /// name → what it means, e.g. {"femmes": "women"}). <c>?preview=true</c> only reads the file.
    /// </summary>
    private static async Task<Results<Created<UploadView>, Ok<UploadPreviewView>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, UploadService uploads, bool? preview, CancellationToken cancellationToken)
    {
        if (ApiKeyScope.RefuseNewSource(user) is { } refused)
            return refused;
        var (form, file, error) = await MultipartFile.ReadAsync(request, "the CSV or XLSX file", cancellationToken);
        if (form is null || file is null)
            return BadRequest(error!);
        if (!TryReadTypes(form["types"].ToString(), out var types, out var typesError))
            return BadRequest(typesError);
        if (!TryReadDescriptions(form["descriptions"].ToString(), out var descriptions))
            return BadRequest("'descriptions' must be a JSON object of column name to what the column means, e.g. {\"femmes\": \"women\"}.");

        try
        {
            await using var content = file.OpenReadStream();
            using var upload = await uploads.ReceiveAsync(content, file.FileName, file.Length, cancellationToken);
            if (preview == true)
            {
                var read = await uploads.PreviewAsync(upload, cancellationToken);
                return TypedResults.Ok(new UploadPreviewView(read.FileName, read.TableName, read.Format.ToString(), read.Encoding, read.Separator?.ToString(),
                    read.RowCount, [.. read.Columns.Select(View)], read.FirstRows));
            }
            var table = await uploads.CreateAsync(user.UserId(), upload, new UploadChoices(form["displayName"].ToString(), types, descriptions), cancellationToken);
            return TypedResults.Created($"/api/uploads/{table.SourceName}", View(table));
        }
        catch (UploadException ex)
        {
            var problem = TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The file cannot be loaded",
                extensions: ex.Line is { } line ? new Dictionary<string, object?> { ["line"] = line } : null);
            return problem;
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, ClaimsPrincipal user, UploadService uploads, CancellationToken cancellationToken) =>
        await uploads.DeleteAsync(user.UserId(), name, user.IsInRole(WebServiceExtensions.AdminRole), cancellationToken)
            ? TypedResults.NoContent()
            : ApiGroup.NotFound($"You have no upload named '{name}'.");

    private static bool TryReadTypes(string json, out Dictionary<string, UploadColumnType>? types, out string error)
    {
        types = null;
        error = "";
        if (string.IsNullOrWhiteSpace(json))
            return true;
        try
        {
            var raw = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
            types = [];
            foreach (var (column, type) in raw)
            {
                if (!Enum.TryParse<UploadColumnType>(type, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                {
                    error = $"'{type}' (column '{column}') is not a type; use one of {string.Join(", ", Enum.GetNames<UploadColumnType>())}.";
                    return false;
                }
                types[column] = parsed;
            }
            return true;
        }
        catch (JsonException)
        {
            error = "'types' must be a JSON object of column name to type, e.g. {\"annee\": \"Year\"}.";
            return false;
        }
    }

    private static bool TryReadDescriptions(string json, out Dictionary<string, string>? descriptions)
    {
        descriptions = null;
        if (string.IsNullOrWhiteSpace(json))
            return true;
        try
        {
            descriptions = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid");

    private static UploadColumnView View(UploadColumn column) => new(column.Header, column.Name, column.Type.ToString(), column.Description);

    private static UploadView View(UploadedTable table) =>
        new(table.SourceName, table.DisplayName, table.FileName, table.Table, table.RowCount, table.Bytes, table.CreatedAt, [.. table.Columns.Select(View)]);
}

using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Sources;
using NlAnalytics.Web.Extensions;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>What an Admin sends to add or change a source. On PUT, a missing or blank connection string keeps the stored one.</summary>
public sealed record SourceRequest(
    string? Name = null,
    string? DisplayName = null,
    string? QueryConnectionString = null,
    string? CatalogConnectionString = null,
    IReadOnlyList<string>? Schemas = null,
    int? RowCap = null,
    int? TimeoutSeconds = null,
    int? ResultCacheSeconds = null)
{
    public DataSourceDraft ToDraft(string? name = null) =>
        new(name ?? Name ?? "", DisplayName, QueryConnectionString, CatalogConnectionString, Schemas ?? [], RowCap, TimeoutSeconds, ResultCacheSeconds);
}

/// <summary>A source as the API shows it: connections as role@host:port/database only. Origin is Demo, Configuration or Stored; only Stored ones can be changed.</summary>
public sealed record SourceView(
    string Name, string DisplayName, string Origin, bool Editable, string QueryConnection, string? CatalogConnection,
    IReadOnlyList<string> Schemas, int? RowCap, int? TimeoutSeconds, int? ResultCacheSeconds, string? UpdatedBy, DateTimeOffset? UpdatedAt)
{
    public static SourceView From(DataSourceSummary s) =>
        new(s.Name, s.DisplayName, s.Origin.ToString(), s.Editable, s.QueryConnection, s.CatalogConnection, s.Schemas,
            s.RowCap, s.TimeoutSeconds, s.ResultCacheSeconds, s.UpdatedBy, s.UpdatedAt);
}

/// <summary>The outcome of connecting as a source's query role (see <see cref="SourceTestReport"/>).</summary>
public sealed record SourceTestView(
    bool Accepted, bool Connected, bool ReadOnly, string Summary, string? Error, string? Role, string? Database,
    IReadOnlyList<SchemaAccess> Schemas, IReadOnlyList<string> WriteCapabilities, string? RoleScript)
{
    public static SourceTestView From(SourceTestReport r) =>
        new(r.Accepted, r.Connected, r.ReadOnly, r.Summary, r.Error, r.Role, r.Database, r.Schemas, r.WriteCapabilities, r.Accepted ? null : r.RoleScript);
}

/// <summary>Who may query a source, as an Admin sets it: <see cref="Users"/> are emails (or user ids), <see cref="Roles"/> role names (Analyst: every analyst).</summary>
public sealed record SourceGrantsRequest(IReadOnlyList<string>? Users, IReadOnlyList<string>? Roles);

/// <summary>Who may query a source. OpenToEveryone: a setting opens it to every signed-in user (the demo by default); Owner: an upload's owner, who always may.</summary>
public sealed record SourceGrantsView(string Source, bool OpenToEveryone, string? OwnerUserId, IReadOnlyList<GrantedUser> Users, IReadOnlyList<string> Roles)
{
    public static SourceGrantsView From(SourceGrants g) => new(g.DataSource, g.OpenToEveryone, g.OwnerUserId, g.Users, g.Roles);
}

/// <summary>A saved source and the test it passed.</summary>
public sealed record SourceSaved(SourceView Source, SourceTestView Test);

/// <summary>/api/sources: the same add, change, test and remove as the Sources page (Admins only), through <see cref="DataSourceAdministration"/>.</summary>
public static class SourceEndpoints
{
    public static IEndpointRouteBuilder MapSourceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/sources").WithTags("Sources").RequireAuthorization(WebServiceExtensions.AdminRole)
            .AddEndpointFilter(ApiKeyScope.EnforceOnSourceNameAsync);
        group.MapGet("/", ListAsync);
        group.MapPost("/", AddAsync);
        group.MapGet("/{name}", GetAsync);
        group.MapPut("/{name}", UpdateAsync);
        group.MapDelete("/{name}", RemoveAsync);
        group.MapPost("/{name}/test", TestAsync);
        // Not only Admins: an upload's owner shares their upload here (ADR 0026); SourceAccess answers 404 or 403 to anyone else.
        var grants = endpoints.MapApiGroup("/api/sources").WithTags("Sources").AddEndpointFilter(ApiKeyScope.EnforceOnSourceNameAsync);
        grants.MapGet("/{name}/grants", GrantsAsync);
        grants.MapPut("/{name}/grants", SetGrantsAsync);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<SourceView>>> ListAsync(ClaimsPrincipal user, DataSourceAdministration sources, CancellationToken cancellationToken) =>
        TypedResults.Ok(user.WithinScope((await sources.ListAsync(cancellationToken)).Select(SourceView.From), s => s.Name));

    private static async Task<Results<Ok<SourceView>, ProblemHttpResult>> GetAsync(string name, DataSourceAdministration sources, CancellationToken cancellationToken) =>
        await sources.GetAsync(name, cancellationToken) is { } source ? TypedResults.Ok(SourceView.From(source)) : NoSuchSource(name);

    private static async Task<Results<Created<SourceSaved>, ProblemHttpResult, ValidationProblem>> AddAsync(
        ClaimsPrincipal user, JsonBody<SourceRequest> body, DataSourceAdministration sources, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (ApiKeyScope.RefuseNewSource(user) is { } refused)
            return refused;
        var result = await sources.AddAsync(request.ToDraft(), UserName(user), cancellationToken);
        return result.Status switch
        {
            SaveStatus.Saved => TypedResults.Created($"/api/sources/{result.Source!.Name}", new SourceSaved(SourceView.From(result.Source), SourceTestView.From(result.Test!))),
            SaveStatus.Invalid => Invalid(result),
            _ => Refusal(result, request.Name ?? ""),
        };
    }

    private static async Task<Results<Ok<SourceSaved>, ProblemHttpResult, ValidationProblem>> UpdateAsync(
        string name, ClaimsPrincipal user, JsonBody<SourceRequest> body, DataSourceAdministration sources, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (request.Name is { Length: > 0 } renamed && !string.Equals(renamed, name, StringComparison.OrdinalIgnoreCase))
            return ApiGroup.Invalid("name", "A source cannot be renamed (threads refer to it by name): add a new one instead.");
        var result = await sources.UpdateAsync(name, request.ToDraft(name), UserName(user), cancellationToken);
        return result.Status switch
        {
            SaveStatus.Saved => TypedResults.Ok(new SourceSaved(SourceView.From(result.Source!), SourceTestView.From(result.Test!))),
            SaveStatus.Invalid => Invalid(result),
            _ => Refusal(result, name),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        string name, ClaimsPrincipal user, DataSourceAdministration sources, CancellationToken cancellationToken) =>
        await sources.RemoveAsync(name, UserName(user), cancellationToken) switch
        {
            SaveStatus.Saved => TypedResults.NoContent(),
            SaveStatus.ReadOnlySource => ReadOnly(name),
            _ => NoSuchSource(name),
        };

    /// <summary>Connects as the source's query role; 200 with the report whether or not it would be accepted.</summary>
    private static async Task<Results<Ok<SourceTestView>, ProblemHttpResult>> TestAsync(string name, DataSourceAdministration sources, CancellationToken cancellationToken) =>
        await sources.TestAsync(name, cancellationToken) is { } report ? TypedResults.Ok(SourceTestView.From(report)) : NoSuchSource(name);

    /// <summary>Who may query the source: for Admins (any source) and an upload's owner (that upload); 403 for others who may query it, 404 for the rest.</summary>
    private static async Task<Results<Ok<SourceGrantsView>, ProblemHttpResult>> GrantsAsync(string name, ClaimsPrincipal user, SourceAccess access, CancellationToken cancellationToken)
    {
        var result = await access.GrantsAsync(name, user.UserId(), cancellationToken);
        return result.Grants is { } grants ? TypedResults.Ok(SourceGrantsView.From(grants)) : NotShared(result.Status, name);
    }

    /// <summary>
    /// Replaces who may query the source (the same as the Access dialog of the Sources page and the Share dialog of an upload):
    /// Admins any source, an upload's owner that upload; unknown users or roles refuse the whole change.
    /// </summary>
    private static async Task<Results<Ok<SourceGrantsView>, ProblemHttpResult, ValidationProblem>> SetGrantsAsync(
        string name, ClaimsPrincipal user, JsonBody<SourceGrantsRequest> body, SourceAccess access, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        var result = await access.SetGrantsAsync(name, request.Users ?? [], request.Roles ?? [], user.UserId(), UserName(user), cancellationToken);
        return result.Status switch
        {
            GrantsStatus.Saved => TypedResults.Ok(SourceGrantsView.From(result.Grants!)),
            GrantsStatus.Invalid => TypedResults.ValidationProblem(result.Errors!, title: "The request is not valid"),
            _ => NotShared(result.Status, name),
        };
    }

    /// <summary>403 for a user who may query the source but not share it, 404 (as for no such source) for one who may not query it.</summary>
    private static ProblemHttpResult NotShared(GrantsStatus status, string name) => status == GrantsStatus.Forbidden
        ? TypedResults.Problem($"Only an Admin or the owner of '{name}' may change who can query it.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed")
        : NoSuchSource(name);

    private static ValidationProblem Invalid(DataSourceSaveResult result) => TypedResults.ValidationProblem(result.Errors!, title: "The request is not valid");

    private static ProblemHttpResult Refusal(DataSourceSaveResult result, string name) => result.Status switch
    {
        SaveStatus.NotFound => NoSuchSource(name),
        SaveStatus.ReadOnlySource => ReadOnly(name),
        SaveStatus.Conflict => ApiGroup.Conflict(result.Message!),
        // 422: the request is well formed, but the role it names may not be used; the test and the role script say why and what to run.
        _ => TypedResults.Problem(result.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The source is refused",
            extensions: new Dictionary<string, object?> { ["test"] = SourceTestView.From(result.Test!) }),
    };

    private static ProblemHttpResult NoSuchSource(string name) => ApiGroup.NotFound($"There is no data source named '{name}'.");

    private static ProblemHttpResult ReadOnly(string name) =>
        ApiGroup.Conflict($"'{name}' is not stored in the app (it is the demo or comes from configuration): change it where it is defined.");

    private static string UserName(ClaimsPrincipal user) => user.Identity?.Name ?? user.UserId();
}

using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Endpoints;

namespace NlAnalytics.Web.Security;

/// <summary>
/// The sources an API key may use (ADR 0025). A key made with a list of sources signs its requests in with one
/// <see cref="SourceClaim"/> per source and <see cref="ScopedClaim"/>; a cookie, or a key without a list, is not scoped
/// (the user's own access, <see cref="NlAnalytics.Core.Access.ISourceAccess"/>, applies as always). The scope only ever
/// narrows that access: a source outside it answers exactly like one that does not exist.
/// </summary>
public static class ApiKeyScope
{
    public const string ScopedClaim = "nla:api_key_scoped";
    public const string SourceClaim = "nla:api_key_source";

    /// <summary>The claims a key with <paramref name="sources"/> (null: not scoped) adds to its principal.</summary>
    public static IEnumerable<Claim> Claims(IReadOnlyList<string>? sources) => sources is null
        ? []
        : [new Claim(ScopedClaim, "true"), .. sources.Select(s => new Claim(SourceClaim, s))];

    /// <summary>The sources the request is limited to, or null when it is not limited by a key.</summary>
    public static IReadOnlySet<string>? SourcesOf(ClaimsPrincipal user) =>
        user.HasClaim(ScopedClaim, "true")
            ? user.FindAll(SourceClaim).Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : null;

    /// <summary>The request's sources as the dashboards' services take them (unlimited for a cookie or an unscoped key).</summary>
    public static NlAnalytics.Core.Dashboards.SourceScope SourceScope(this ClaimsPrincipal user) => new(SourcesOf(user));

    /// <summary>Whether the request's key (if any) lets it use <paramref name="source"/>; the user's own access is checked elsewhere.</summary>
    public static bool MayUse(this ClaimsPrincipal user, string source) => SourcesOf(user) is not { } scope || scope.Contains(source);

    /// <summary>Only what the request's key may use, in the order given.</summary>
    public static IReadOnlyList<T> WithinScope<T>(this ClaimsPrincipal user, IEnumerable<T> items, Func<T, string> source) =>
        SourcesOf(user) is { } scope ? [.. items.Where(i => scope.Contains(source(i)))] : [.. items];

    /// <summary>403 for a key limited to some sources that tries to add one (an upload or a connection); null otherwise.</summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? RefuseNewSource(ClaimsPrincipal user) => SourcesOf(user) is null
        ? null
        : TypedResults.Problem("This API key is limited to some sources, so it cannot add a new one. Use a key without a source list, or the browser.",
            statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");

    /// <summary>
    /// Every /api route with a <c>threadId</c> or <c>messageId</c>: a thread (or a message of a thread) on a source outside the
    /// key's scope answers 404, as the handler answers for one that does not exist, before the handler runs.
    /// </summary>
    internal static async ValueTask<object?> EnforceOnThreadsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (SourcesOf(http.User) is not { } scope)
            return await next(context);
        var route = http.Request.RouteValues;
        var userId = http.User.UserId();
        if (Guid.TryParse(route["threadId"] as string, out var threadId) && await SourceOfThreadAsync(http, userId, threadId) is { } threadSource
            && !scope.Contains(threadSource))
            return ApiGroup.NotFound("There is no such thread.");
        if (Guid.TryParse(route["messageId"] as string, out var messageId) && await SourceOfMessageAsync(http, userId, messageId) is { } messageSource
            && !scope.Contains(messageSource))
            return ApiGroup.NotFound("There is no such message.");
        return await next(context);
    }

    /// <summary>
    /// A filter for routes whose answer spans every source of the user (the usage report names threads of each, the
    /// evaluation workspace reads sources outside threads): 403 with <paramref name="why"/> for a key limited to some sources.
    /// </summary>
    internal static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> RefuseScoped(string why) =>
        async (context, next) => SourcesOf(context.HttpContext.User) is null
            ? await next(context)
            : TypedResults.Problem(why, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");

    /// <summary>The routes named by a source (<c>{name}</c>): a source outside the key's scope answers 404.</summary>
    internal static async ValueTask<object?> EnforceOnSourceNameAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.RouteValues["name"] is string name && !http.User.MayUse(name))
            return ApiGroup.NotFound($"There is no data source named '{name}'.");
        return await next(context);
    }

    /// <summary>The verified-memory routes (<c>{id}</c> of an entry): an entry of a source outside the key's scope answers 404.</summary>
    internal static async ValueTask<object?> EnforceOnVerifiedEntryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (SourcesOf(http.User) is { } scope && long.TryParse(http.Request.RouteValues["id"] as string, out var id))
        {
            await using var db = await Contexts(http).CreateDbContextAsync(http.RequestAborted);
            var source = await db.VerifiedQueries.Where(v => v.Id == id).Select(v => v.DataSource).FirstOrDefaultAsync(http.RequestAborted);
            if (source is not null && !scope.Contains(source))
                return ApiGroup.NotFound("There is no such verified answer.");
        }
        return await next(context);
    }

    private static IDbContextFactory<AppDbContext> Contexts(HttpContext http) => http.RequestServices.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private static async Task<string?> SourceOfThreadAsync(HttpContext http, string userId, Guid threadId)
    {
        await using var db = await Contexts(http).CreateDbContextAsync(http.RequestAborted);
        return await db.Threads.Where(t => t.Id == threadId && t.UserId == userId).Select(t => t.DataSource).FirstOrDefaultAsync(http.RequestAborted);
    }

    private static async Task<string?> SourceOfMessageAsync(HttpContext http, string userId, Guid messageId)
    {
        await using var db = await Contexts(http).CreateDbContextAsync(http.RequestAborted);
        return await db.Messages.Where(m => m.Id == messageId && m.Thread!.UserId == userId).Select(m => m.Thread!.DataSource).FirstOrDefaultAsync(http.RequestAborted);
    }
}

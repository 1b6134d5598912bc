using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Security;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A key as listed: never the key itself, which is only in <see cref="CreatedApiKeyView"/>, once. Sources null: every source of its user.</summary>
public sealed record ApiKeyView(Guid Id, string Name, string UserId, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, IReadOnlyList<string>? Sources)
{
    public static ApiKeyView From(ApiKey key) =>
        new(key.Id, key.Name, key.UserId, key.CreatedAt, key.ExpiresAt, key.LastUsedAt, key.RevokedAt, key.Sources);
}

/// <summary>A new key and, this once, its secret.</summary>
public sealed record CreatedApiKeyView(Guid Id, string Name, string Key, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, IReadOnlyList<string>? Sources);

/// <summary>A key to make: a name, an optional expiry, and optionally the sources it may use (some of yours; left out: all of yours).</summary>
public sealed record CreateApiKeyRequest(string? Name, DateTimeOffset? ExpiresAt = null, IReadOnlyList<string>? Sources = null);

/// <summary>
/// /api/keys: a user's personal API keys. They are made and revoked with the sign-in cookie (a key cannot make
/// more keys); another user's key answers 404 like one that does not exist. Admins list everyone's keys with
/// <c>?all=true</c> and may revoke any.
/// </summary>
public static class ApiKeyEndpoints
{
    public const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/keys").WithTags("API keys");
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync);
        group.MapDelete("/{keyId:guid}", RevokeAsync);
        return endpoints;
    }

    private static bool ByApiKey(ClaimsPrincipal user) => user.Identity?.AuthenticationType == ApiKeyAuthentication.Scheme;

    private static ProblemHttpResult CookieOnly() => TypedResults.Problem(
        "API keys are made and revoked when signed in with a password, not with an API key.",
        statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");

    private static async Task<Ok<List<ApiKeyView>>> ListAsync(ClaimsPrincipal user, IDbContextFactory<AppDbContext> contexts, bool? all, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var query = context.ApiKeys.AsNoTracking();
        if (!(all == true && user.IsInRole(WebServiceExtensions.AdminRole)))
        {
            var userId = user.UserId();
            query = query.Where(k => k.UserId == userId);
        }
        var keys = await query.OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(keys.Select(ApiKeyView.From).ToList());
    }

    private static async Task<Results<Created<CreatedApiKeyView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ClaimsPrincipal user, CreateApiKeyRequest request, IDbContextFactory<AppDbContext> contexts, ISourceAccess access, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ByApiKey(user))
            return CookieOnly();
        var name = request.Name?.Trim() ?? "";
        if (name.Length == 0)
            return ApiGroup.Invalid("name", "Give the key a name.");
        if (name.Length > MaxNameLength)
            return ApiGroup.Invalid("name", $"The name can have at most {MaxNameLength} characters.");
        var now = clock.GetUtcNow();
        if (request.ExpiresAt is { } expires && expires <= now)
            return ApiGroup.Invalid("expiresAt", "The expiry must be in the future.");
        List<string>? sources = null;
        if (request.Sources is { } wanted)
        {
            // Only sources the user may use now, under their registry names; one they may not use is refused like an unknown one.
            var allowed = await access.AllowedSourcesAsync(user.UserId(), cancellationToken);
            var unknown = wanted.Where(w => !allowed.Any(a => string.Equals(a.Name, w?.Trim(), StringComparison.OrdinalIgnoreCase))).ToList();
            if (unknown.Count > 0)
                return ApiGroup.Invalid("sources", $"You have no data source named {string.Join(", ", unknown.Select(u => $"'{u}'"))}. GET /api/data-sources lists yours.");
            if (wanted.Count == 0)
                return ApiGroup.Invalid("sources", "List at least one source, or leave sources out for all of yours.");
            sources = [.. allowed.Where(a => wanted.Any(w => string.Equals(a.Name, w.Trim(), StringComparison.OrdinalIgnoreCase))).Select(a => a.Name)];
        }
        var secret = ApiKeyAuthentication.NewKey();
        var key = new ApiKey
        {
            Id = Guid.NewGuid(),
            UserId = user.UserId(),
            Name = name,
            KeyHash = ApiKeyAuthentication.Hash(secret),
            CreatedAt = now,
            ExpiresAt = request.ExpiresAt?.ToUniversalTime(),
            Sources = sources,
        };
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.ApiKeys.Add(key);
        await context.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/keys/{key.Id}", new CreatedApiKeyView(key.Id, key.Name, secret, key.CreatedAt, key.ExpiresAt, key.Sources));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        ClaimsPrincipal user, Guid keyId, IDbContextFactory<AppDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ByApiKey(user))
            return CookieOnly();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await context.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null || (key.UserId != user.UserId() && !user.IsInRole(WebServiceExtensions.AdminRole)))
            return ApiGroup.NotFound("There is no such API key.");
        key.RevokedAt ??= clock.GetUtcNow();
        await context.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}

using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Web.Security;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A key to make: a name, an optional expiry, and optionally the sources it may use (some of yours; left out: all of yours).</summary>
public sealed record CreateApiKeyRequest(string? Name, DateTimeOffset? ExpiresAt = null, IReadOnlyList<string>? Sources = null);

/// <summary>
/// /api/keys: a user's personal API keys (the same <see cref="ApiKeys"/> as the profile page). They are made and revoked
/// with the sign-in cookie (a key cannot make more keys); another user's key answers 404 like one that does not exist.
/// Admins list everyone's keys with <c>?all=true</c> and may revoke any.
/// </summary>
public static class ApiKeyEndpoints
{
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

    private static async Task<Ok<List<ApiKeyView>>> ListAsync(ClaimsPrincipal user, ApiKeys keys, bool? all, CancellationToken cancellationToken) =>
        TypedResults.Ok(await keys.ListAsync(user.UserId(), all == true && user.IsInRole(WebServiceExtensions.AdminRole), cancellationToken));

    private static async Task<Results<Created<CreatedApiKeyView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ClaimsPrincipal user, CreateApiKeyRequest request, ApiKeys keys, CancellationToken cancellationToken)
    {
        if (ByApiKey(user))
            return CookieOnly();
        var made = await keys.CreateAsync(user.UserId(), request.Name, request.ExpiresAt, request.Sources, cancellationToken);
        return made.Created is { } key
            ? TypedResults.Created($"/api/keys/{key.Id}", key)
            : ApiGroup.Invalid(made.Field!, made.Error!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        ClaimsPrincipal user, Guid keyId, ApiKeys keys, CancellationToken cancellationToken)
    {
        if (ByApiKey(user))
            return CookieOnly();
        return await keys.RevokeAsync(user.UserId(), user.IsInRole(WebServiceExtensions.AdminRole), keyId, cancellationToken)
            ? TypedResults.NoContent()
            : ApiGroup.NotFound("There is no such API key.");
    }
}

using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Web.Components.Account;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A role change: <c>Analyst</c> or <c>Admin</c>.</summary>
public sealed record RoleChange(string? Role);

/// <summary>A new invitation: its role (Analyst by default), how many days it stays valid (Auth:InvitationDays) and a note.</summary>
public sealed record InvitationRequest(string? Role, int? ValidDays, string? Note);

/// <summary>A new invitation with its link's token, shown this once.</summary>
public sealed record InvitationCreated(InvitationView Invitation, string Token, string Link);

/// <summary>
/// /api/users and /api/invitations: what an Admin does on the Users page, for scripts: list accounts, change a role,
/// disable or enable, sign an account out everywhere, make, list and revoke invitation links. Admins only (403 for an
/// analyst, 401 without a session); the same <see cref="UserAdministration"/> and <see cref="Invitations"/> rules as the
/// page, so an Admin cannot demote or disable themselves here either.
/// </summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var users = endpoints.MapApiGroup("/api/users").WithTags("Users").RequireAuthorization(WebServiceExtensions.AdminRole);
        users.MapGet("/", ListUsersAsync);
        users.MapPut("/{userId}/role", SetRoleAsync);
        users.MapPost("/{userId}/disable", (ClaimsPrincipal user, string userId, UserAdministration admin, CancellationToken ct) =>
            Outcome(admin.SetDisabledAsync(user.UserId(), userId, true, ct)));
        users.MapPost("/{userId}/enable", (ClaimsPrincipal user, string userId, UserAdministration admin, CancellationToken ct) =>
            Outcome(admin.SetDisabledAsync(user.UserId(), userId, false, ct)));
        users.MapPost("/{userId}/sign-out", (string userId, UserAdministration admin, CancellationToken ct) =>
            Outcome(admin.SignOutEverywhereAsync(userId, ct)));

        var invitations = endpoints.MapApiGroup("/api/invitations").WithTags("Users").RequireAuthorization(WebServiceExtensions.AdminRole);
        invitations.MapGet("/", async (Invitations links, CancellationToken ct) => TypedResults.Ok(await links.ListAsync(ct)));
        invitations.MapPost("/", CreateInvitationAsync);
        invitations.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, Invitations links, CancellationToken ct) =>
            await links.RevokeAsync(id, ct) ? TypedResults.NoContent() : ApiGroup.NotFound("There is no open invitation with that id."));
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<UserView>>> ListUsersAsync(UserAdministration admin, CancellationToken cancellationToken) =>
        TypedResults.Ok(await admin.ListAsync(cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> SetRoleAsync(
        ClaimsPrincipal user, string userId, RoleChange? body, UserAdministration admin, CancellationToken cancellationToken)
    {
        if (body?.Role is not { } role || !Invitations.Roles.Contains(role))
            return ApiGroup.Invalid("role", $"The role must be one of {string.Join(", ", Invitations.Roles)}.");
        return await Outcome(admin.SetRoleAsync(user.UserId(), userId, role, cancellationToken));
    }

    private static async Task<Results<Created<InvitationCreated>, ValidationProblem>> CreateInvitationAsync(
        ClaimsPrincipal user, HttpRequest request, InvitationRequest? body, Invitations links, CancellationToken cancellationToken)
    {
        var role = body?.Role ?? WebServiceExtensions.AnalystRole;
        if (!Invitations.Roles.Contains(role))
            return ApiGroup.Invalid("role", $"The role must be one of {string.Join(", ", Invitations.Roles)}.");
        if (body?.ValidDays is < 1 or > 365)
            return ApiGroup.Invalid("validDays", "An invitation is valid for 1 to 365 days.");
        var created = await links.CreateAsync(role, body?.ValidDays, body?.Note, user.Identity?.Name ?? user.UserId(), cancellationToken);
        var link = $"{request.PathBase}/{created.RelativeLink}";
        return TypedResults.Created($"/api/invitations/{created.Invitation.Id}", new InvitationCreated(created.Invitation, created.Token, link));
    }

    /// <summary>204 when done; 404 for an unknown account; 409 for what the rules refuse (an Admin's own role or account).</summary>
    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Outcome(Task<AdminActionResult> action)
    {
        var result = await action;
        if (result.Succeeded)
            return TypedResults.NoContent();
        return result.Error == UserAdministration.NoSuchUser ? ApiGroup.NotFound(result.Error) : ApiGroup.Conflict(result.Error!);
    }
}

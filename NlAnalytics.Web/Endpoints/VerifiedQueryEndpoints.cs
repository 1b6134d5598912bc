using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Offline;
using NlAnalytics.Web.Extensions;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>
/// /api/verified: the verified-query memory of a source, as the Verified page shows it (the same
/// <see cref="VerifiedAnswers"/> rules): list, approve for everyone, withdraw. An entry the user may not see answers
/// 404 like one that does not exist; one they see but may not change, 403.
/// </summary>
public static class VerifiedQueryEndpoints
{
    public static IEndpointRouteBuilder MapVerifiedQueryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/verified").WithTags("Verified answers");
        group.AddEndpointFilter(ApiKeyScope.EnforceOnVerifiedEntryAsync);
        group.MapGet("/", ListAsync);
        group.MapPost("/{id:long}/approval", ApproveAsync);
        group.MapDelete("/{id:long}", WithdrawAsync);
        return endpoints;
    }

    public static VerifiedMemoryActor Actor(this ClaimsPrincipal user) =>
        new(user.UserId(), user.Identity?.Name, user.IsInRole(WebServiceExtensions.AdminRole));

    private static async Task<Results<Ok<IReadOnlyList<VerifiedEntryView>>, ProblemHttpResult, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, string? source, ConversationService conversations, VerifiedAnswers verified, CancellationToken cancellationToken)
    {
        var name = await conversations.KnownSourceAsync(source ?? ConversationService.DemoSourceName, user.UserId(), cancellationToken);
        if (name is null || !user.MayUse(name))
            return ApiGroup.Invalid("source", $"There is no data source \"{source}\".");
        return TypedResults.Ok(await verified.ListAsync(user.Actor(), name, cancellationToken));
    }

    private static async Task<Results<Ok<VerifiedEntryView>, ProblemHttpResult>> ApproveAsync(
        ClaimsPrincipal user, long id, VerifiedAnswers verified, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await verified.ApproveAsync(user.Actor(), id, cancellationToken));
        }
        catch (ConversationException e)
        {
            return ApiGroup.Refused(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> WithdrawAsync(
        ClaimsPrincipal user, long id, VerifiedAnswers verified, CancellationToken cancellationToken)
    {
        try
        {
            await verified.WithdrawAsync(user.Actor(), id, cancellationToken);
            return TypedResults.NoContent();
        }
        catch (ConversationException e)
        {
            return ApiGroup.Refused(e);
        }
    }
}

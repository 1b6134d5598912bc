using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Web.Endpoints;

/// <summary>What the signed-in user has spent on model calls, in total and per model.</summary>
public sealed record UserCostView(DateTimeOffset? Since, CostTotals Total, IReadOnlyList<ModelCostTotals> ByModel);

/// <summary>/api/costs: the signed-in user's own spend (per thread: GET /api/threads/{id}/totals).</summary>
public static class CostEndpoints
{
    public static IEndpointRouteBuilder MapCostEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/costs").WithTags("Costs");
        group.MapGet("/me", MineAsync);
        return endpoints;
    }

    /// <summary>Totals over every priced model call of the user, or those made at or after <c>since</c> (ISO 8601).</summary>
    private static async Task<Ok<UserCostView>> MineAsync(ClaimsPrincipal user, DateTimeOffset? since, CostLedger ledger, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var total = await ledger.ForUserAsync(userId, since, cancellationToken);
        var byModel = await ledger.ByModelForUserAsync(userId, since, cancellationToken);
        return TypedResults.Ok(new UserCostView(since, total, byModel));
    }
}

using System.Globalization;
using System.Security.Claims;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Web.Extensions;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>What the signed-in user has spent on model calls, in total and per model.</summary>
public sealed record UserCostView(DateTimeOffset? Since, CostTotals Total, IReadOnlyList<ModelCostTotals> ByModel);

/// <summary>
/// /api/costs: the signed-in user's own spend (per thread: GET /api/threads/{id}/totals), and the usage report of the
/// /usage page (own calls, or with <c>all=true</c> an Admin's view of everyone's) as JSON or CSV.
/// </summary>
public static class CostEndpoints
{
    /// <summary>The period when none is given: the last 30 days (UTC), today included.</summary>
    public const int DefaultDays = 30;

    public static IEndpointRouteBuilder MapCostEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/costs").WithTags("Costs");
        group.MapGet("/me", MineAsync);
        var allSources = ApiKeyScope.RefuseScoped("This API key is limited to some sources, and this report covers all of them. Use a key without a source list, or the browser.");
        group.MapGet("/usage", UsageAsync).AddEndpointFilter(allSources);
        group.MapGet("/usage.csv", UsageCsvAsync).Produces<string>(StatusCodes.Status200OK, "text/csv").AddEndpointFilter(allSources);
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

    /// <summary>
    /// Tokens in, cached and out, calls and dollars from <c>from</c> (inclusive) to <c>to</c> (exclusive; default: the last 30
    /// days), by day, user, model, agent role and thread, the costliest answers and the monthly budgets. <c>all=true</c>: every
    /// user's (Admins only).
    /// </summary>
    private static async Task<Results<Ok<UsageView>, ProblemHttpResult>> UsageAsync(
        ClaimsPrincipal user, DateTimeOffset? from, DateTimeOffset? to, bool? all, UsageReport usage, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Period(user, from, to, all, clock) is not ({ } who, var start, var end))
            return AdminsOnly();
        return TypedResults.Ok(await usage.ReadAsync(who.Length == 0 ? null : who, start, end, cancellationToken));
    }

    /// <summary>The same report as CSV: one line per total, day, user, model, agent role and thread (column <c>breakdown</c>).</summary>
    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> UsageCsvAsync(
        ClaimsPrincipal user, DateTimeOffset? from, DateTimeOffset? to, bool? all, UsageReport usage, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Period(user, from, to, all, clock) is not ({ } who, var start, var end))
            return AdminsOnly();
        var report = await usage.ReadAsync(who.Length == 0 ? null : who, start, end, cancellationToken);
        return TypedResults.Stream(stream => WriteCsvAsync(stream, report, cancellationToken), MessageEndpoints.CsvContentType,
            string.Create(CultureInfo.InvariantCulture, $"usage-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}.csv"));
    }

    /// <summary>Whose calls ("" for everyone's) and the period; null when a non-Admin asks for everyone's.</summary>
    private static (string Who, DateTimeOffset From, DateTimeOffset To)? Period(ClaimsPrincipal user, DateTimeOffset? from, DateTimeOffset? to, bool? all, TimeProvider clock)
    {
        var everyone = all == true;
        if (everyone && !user.IsInRole(WebServiceExtensions.AdminRole))
            return null;
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var end = to ?? new DateTimeOffset(today.AddDays(1), TimeSpan.Zero);
        var start = from ?? end.AddDays(-DefaultDays);
        return (everyone ? "" : user.UserId(), start, end);
    }

    private static ProblemHttpResult AdminsOnly() => TypedResults.Problem(
        "Only an Admin can see every user's usage; leave out all=true for your own.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");

    internal static async Task WriteCsvAsync(Stream stream, UsageView report, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(stream, new CsvWriterOptions(), leaveOpen: true);
        foreach (var header in (string[])["breakdown", "key", "label", "calls", "input_tokens", "cached_input_tokens", "output_tokens", "cost_usd"])
            csv.WriteField(header);
        await csv.EndRecordAsync(cancellationToken);
        await LineAsync("total", new UsageLine("", "", report.Total));
        foreach (var (breakdown, lines) in (IEnumerable<(string, IReadOnlyList<UsageLine>)>)
                 [("day", report.ByDay), ("user", report.ByUser), ("model", report.ByModel), ("agent", report.ByAgent), ("thread", report.ByThread)])
            foreach (var line in lines)
                await LineAsync(breakdown, line);
        await csv.FlushAsync(cancellationToken);

        async Task LineAsync(string breakdown, UsageLine line)
        {
            var t = line.Totals;
            // Labels are users' words (thread titles, emails): defused like any cell a spreadsheet might run.
            foreach (var field in (string[])[breakdown, MessageEndpoints.Defused(line.Key), MessageEndpoints.Defused(line.Label),
                         t.Calls.ToString(CultureInfo.InvariantCulture), t.InputTokens.ToString(CultureInfo.InvariantCulture),
                         t.CachedInputTokens.ToString(CultureInfo.InvariantCulture), t.OutputTokens.ToString(CultureInfo.InvariantCulture),
                         t.CostUsd.ToString(CultureInfo.InvariantCulture)])
                csv.WriteField(field);
            await csv.EndRecordAsync(cancellationToken);
        }
    }
}

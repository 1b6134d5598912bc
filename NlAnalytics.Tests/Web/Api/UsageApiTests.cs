using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// /api/costs/usage and its CSV against ledger rows the test writes itself, in a period of March 2025 that nothing else
/// uses: every figure below is worked out by hand from those rows (one row before the period and one at its end are
/// left out).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class UsageApiTests(ApiApp app)
{
    private const string Period = "from=2025-03-01T00:00:00Z&to=2025-03-04T00:00:00Z";

    [Fact]
    public async Task Usage_figures_are_exactly_the_sums_of_the_ledger_rows_for_a_user_and_for_an_admin()
    {
        var aliceThread = await ApiApp.CreateThreadAsync(app.Alice, "Usage: Alice's thread");
        var bobThread = await ApiApp.CreateThreadAsync(app.Bob, "=Usage: Bob's thread");
        var result = new QueryResult([new ResultColumn("n", "integer")], [[1]], false, TimeSpan.Zero);
        var m1 = await app.StoreAnswerAsync(ApiApp.AliceEmail, aliceThread, "Usage question one", result);
        var m2 = await app.StoreAnswerAsync(ApiApp.AliceEmail, aliceThread, "Usage question two", result);
        var m3 = await app.StoreAnswerAsync(ApiApp.BobEmail, bobThread, "Usage question three", result);
        var alice = await app.UserIdAsync(ApiApp.AliceEmail);
        var bob = await app.UserIdAsync(ApiApp.BobEmail);
        await using (var context = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            context.LlmCalls.AddRange(
                Row(m1, aliceThread, alice, "sql-writer", "gpt-4o", 1000, 200, 100, 0.0125m, "2025-03-01T10:00:00Z"),
                Row(m1, aliceThread, alice, "narrator", "gpt-4o-mini", 500, 0, 50, 0.0001m, "2025-03-01T10:01:00Z"),
                Row(m2, aliceThread, alice, "sql-writer", "gpt-4o", 2000, 0, 300, 0.0080m, "2025-03-02T09:00:00Z"),
                Row(m3, bobThread, bob, "sql-writer", "gpt-4o", 4000, 1000, 400, 0.0300m, "2025-03-02T12:00:00Z"),
                Row(m3, bobThread, bob, "narrator", "gpt-4o-mini", 100, 0, 10, 0.00002m, "2025-03-03T23:59:59Z"),
                // Outside the period: at its (exclusive) end, and just before its start.
                Row(m2, aliceThread, alice, "sql-writer", "gpt-4o", 9999, 0, 9999, 1m, "2025-03-04T00:00:00Z"),
                Row(m3, bobThread, bob, "sql-writer", "gpt-4o", 9999, 0, 9999, 1m, "2025-02-28T23:59:59Z"));
            await context.SaveChangesAsync();
        }

        // Alice's own: her three calls.
        var own = await GetAsync(app.Alice, $"/api/costs/usage?{Period}");
        AssertTotals(own["total"]!, 3, 3500, 200, 450, 0.0206m);
        Assert.Equal(["2025-03-01", "2025-03-02"], Keys(own["byDay"]!));
        AssertTotals(own["byDay"]![0]!["totals"]!, 2, 1500, 200, 150, 0.0126m);
        AssertTotals(own["byDay"]![1]!["totals"]!, 1, 2000, 0, 300, 0.0080m);
        Assert.Equal([ApiApp.AliceEmail], own["byUser"]!.AsArray().Select(l => l!["label"]!.GetValue<string>()));
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], Keys(own["byModel"]!));
        AssertTotals(own["byModel"]![0]!["totals"]!, 2, 3000, 200, 400, 0.0205m);
        AssertTotals(own["byModel"]![1]!["totals"]!, 1, 500, 0, 50, 0.0001m);
        Assert.Equal(["sql-writer", "narrator"], Keys(own["byAgent"]!));
        AssertTotals(own["byAgent"]![1]!["totals"]!, 1, 500, 0, 50, 0.0001m);
        Assert.Equal([aliceThread.ToString()], Keys(own["byThread"]!));
        Assert.Equal("Usage: Alice's thread", own["byThread"]![0]!["label"]!.GetValue<string>());
        var costliest = own["costliestAnswers"]!.AsArray();
        Assert.Equal([m1, m2], costliest.Select(a => a!["messageId"]!.GetValue<Guid>()));
        Assert.Equal("Usage question one", costliest[0]!["question"]!.GetValue<string>());
        Assert.Equal(aliceThread, costliest[0]!["threadId"]!.GetValue<Guid>());
        AssertTotals(costliest[0]!["totals"]!, 2, 1500, 200, 150, 0.0126m);

        // Everyone's, for an Admin: the five calls in the period.
        var all = await GetAsync(app.Admin, $"/api/costs/usage?{Period}&all=true");
        AssertTotals(all["total"]!, 5, 7600, 1200, 860, 0.05062m);
        Assert.Equal([ApiApp.BobEmail, ApiApp.AliceEmail], all["byUser"]!.AsArray().Select(l => l!["label"]!.GetValue<string>()));
        AssertTotals(all["byUser"]![0]!["totals"]!, 2, 4100, 1000, 410, 0.03002m);
        Assert.Equal(["2025-03-01", "2025-03-02", "2025-03-03"], Keys(all["byDay"]!));
        AssertTotals(all["byDay"]![1]!["totals"]!, 2, 6000, 1000, 700, 0.0380m);
        AssertTotals(all["byModel"]![0]!["totals"]!, 3, 7000, 1200, 800, 0.0505m);
        Assert.Equal(m3, all["costliestAnswers"]![0]!["messageId"]!.GetValue<Guid>());

        // An analyst cannot ask for everyone's.
        using (var refused = await app.Alice.Http.GetAsync($"/api/costs/usage?{Period}&all=true"))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // The CSV holds the same figures, a title a spreadsheet would run defused.
        using var csv = await app.Admin.Http.GetAsync($"/api/costs/usage.csv?{Period}&all=true");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("breakdown,key,label,calls,input_tokens,cached_input_tokens,output_tokens,cost_usd", lines[0]);
        Assert.Equal(("total", 5, 0.05062m), Parse(lines.Single(l => l.StartsWith("total,", StringComparison.Ordinal))));
        Assert.Equal(("model", 2, 0.00012m), Parse(lines.Single(l => l.StartsWith("model,gpt-4o-mini,", StringComparison.Ordinal))));
        Assert.Contains(lines, l => l.StartsWith($"thread,{bobThread},'=Usage: Bob's thread,2,", StringComparison.Ordinal));
    }

    private static LlmCallRow Row(Guid message, Guid thread, string user, string agent, string model, long input, long cached, long output, decimal cost, string at) => new()
    {
        MessageId = message, ThreadId = thread, UserId = user, Agent = agent, Model = model,
        InputTokens = input, CachedInputTokens = cached, OutputTokens = output, CostUsd = cost,
        CreatedAt = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture),
    };

    private static void AssertTotals(JsonNode totals, int calls, long input, long cached, long output, decimal cost)
    {
        Assert.Equal(calls, totals["calls"]!.GetValue<int>());
        Assert.Equal(input, totals["inputTokens"]!.GetValue<long>());
        Assert.Equal(cached, totals["cachedInputTokens"]!.GetValue<long>());
        Assert.Equal(output, totals["outputTokens"]!.GetValue<long>());
        Assert.Equal(cost, totals["costUsd"]!.GetValue<decimal>());
    }

    private static List<string> Keys(JsonNode lines) => [.. lines.AsArray().Select(l => l!["key"]!.GetValue<string>())];

    private static (string Breakdown, int Calls, decimal Cost) Parse(string line)
    {
        var cells = line.Split(',');
        return (cells[0], int.Parse(cells[3], CultureInfo.InvariantCulture), decimal.Parse(cells[7], CultureInfo.InvariantCulture));
    }

    private static async Task<JsonNode> GetAsync(BrowserSession session, string path)
    {
        using var response = await session.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ApiApp.ReadJsonAsync(response);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web.Api;

namespace NlAnalytics.Tests.Web.Load;

/// <summary>
/// Issue 10 point 3: monthly spend budgets. One LLM answer costs about a cent (10,000 input tokens at $1 a
/// million, 100 output at $10 a million, on the writer's priced model); a budget of half a cent is used up by it.
/// </summary>
public sealed class SpendBudgetTests : IAsyncLifetime
{
    private const string Question = "How many stores are there?";

    private ScriptedOpenAiServer _llm = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        _llm.WhenSystemPromptContains("You are the SQL writer", ScriptStep.Reply("```sql\nSELECT count(*) AS stores FROM sales.stores\n```", inputTokens: 10_000, outputTokens: 100));
        _llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Reply("There are a few stores.", inputTokens: 100, outputTokens: 10));
        _llm.When(_ => true, ScriptStep.Reply("OK", inputTokens: 10, outputTokens: 1));
    }

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    [Fact]
    public async Task A_used_up_user_budget_stops_that_users_model_calls_with_a_clear_message_while_offline_answers_and_other_users_go_on()
    {
        await using var factory = await StartAsync(("Budgets:MonthlyUsdPerUser", "0.005"));
        using var alice = await factory.RegisterAsync("alice@budget.test", "alice passphrase");
        using var bob = await factory.RegisterAsync("bob@budget.test", "bob passphrase");
        var thread = await ApiApp.CreateThreadAsync(alice);

        var first = await AskAsync(alice, thread, "llm");
        Assert.Equal("Succeeded", first["status"]!.GetValue<string>());
        Assert.True(first["costUsd"]!.GetValue<decimal>() >= 0.005m, $"the first answer should use the budget up, it cost {first["costUsd"]}");
        var calls = _llm.ChatRequests.Count;

        var refused = await AskAsync(alice, thread, "llm");
        Assert.Equal("Failed", refused["status"]!.GetValue<string>());
        Assert.Contains("monthly budget", refused["error"]!.GetValue<string>());
        Assert.Contains("Offline", refused["error"]!.GetValue<string>());
        // Hybrid would hand a question the offline analyst is unsure of to the model; with the budget used up it does not.
        var hybrid = await AskAsync(alice, thread, "hybrid", "Which stores feel the luckiest this season?");
        Assert.NotEqual("Llm", hybrid["path"]?.GetValue<string>());
        Assert.Contains("monthly budget", hybrid["narrative"]!.GetValue<string>());
        Assert.Contains("made offline", hybrid["narrative"]!.GetValue<string>());
        Assert.Equal(calls, _llm.ChatRequests.Count);

        var offline = await AskAsync(alice, thread, "offline");
        Assert.Equal("Succeeded", offline["status"]!.GetValue<string>());
        Assert.Equal(calls, _llm.ChatRequests.Count);

        // Bob's budget is his own.
        var bobs = await AskAsync(bob, await ApiApp.CreateThreadAsync(bob), "llm");
        Assert.Equal("Succeeded", bobs["status"]!.GetValue<string>());
        Assert.True(_llm.ChatRequests.Count > calls);
    }

    [Fact]
    public async Task A_budget_used_up_by_an_answers_first_model_call_refuses_its_second_says_why_and_both_figures_match_the_ledger()
    {
        // The writer's call (about $0.011) is allowed, as $0 of $0.004 is spent; the narrator's, next, is not.
        await using var factory = await StartAsync(("Budgets:MonthlyUsdPerUser", "0.004"));
        using var alice = await factory.RegisterAsync("alice@midway.test", "alice passphrase");

        var answer = await AskAsync(alice, await ApiApp.CreateThreadAsync(alice), "llm");

        Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains("You are the SQL writer", StringComparison.Ordinal));
        Assert.DoesNotContain(_llm.ChatRequests, r => r.SystemPrompt.Contains("You are the narrator", StringComparison.Ordinal));
        // The result is in hand, so the answer stands, and it says why the model stopped, with both figures.
        Assert.Equal("Succeeded", answer["status"]!.GetValue<string>());
        var narrative = answer["narrative"]!.GetValue<string>();
        Assert.Contains("Your monthly budget for the language model ($0.004) is used up: $0.0110", narrative);
        Assert.Contains("not asked again", narrative);
        // The ledger holds the one call that was made, priced, and the message's cost is that call's.
        using var costs = await alice.Http.GetAsync("/api/costs/me");
        var total = (await ApiApp.ReadJsonAsync(costs))["total"]!;
        Assert.Equal(1, total["calls"]!.GetValue<int>());
        Assert.Equal(0.011m, total["costUsd"]!.GetValue<decimal>());
        Assert.Equal(0.011m, answer["costUsd"]!.GetValue<decimal>());

        // Reached mid-answer in Llm mode, the next answer's first (writing) call is refused: it fails with the reason.
        var next = await AskAsync(alice, await ApiApp.CreateThreadAsync(alice), "llm");
        Assert.Equal("Failed", next["status"]!.GetValue<string>());
        Assert.Contains("$0.0110", next["error"]!.GetValue<string>());
        Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains("You are the SQL writer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_used_up_total_budget_stops_every_users_model_calls()
    {
        await using var factory = await StartAsync(("Budgets:MonthlyUsdTotal", "0.005"));
        using var alice = await factory.RegisterAsync("alice@total.test", "alice passphrase");
        using var bob = await factory.RegisterAsync("bob@total.test", "bob passphrase");

        Assert.Equal("Succeeded", (await AskAsync(alice, await ApiApp.CreateThreadAsync(alice), "llm"))["status"]!.GetValue<string>());
        var calls = _llm.ChatRequests.Count;

        var refused = await AskAsync(bob, await ApiApp.CreateThreadAsync(bob), "llm");
        Assert.Equal("Failed", refused["status"]!.GetValue<string>());
        Assert.Contains("installation's monthly budget", refused["error"]!.GetValue<string>());
        Assert.Equal(calls, _llm.ChatRequests.Count);
    }

    private async Task<NlAnalyticsWebFactory> StartAsync(params (string Key, string Value)[] budget)
    {
        var settings = _llm.LlmSettings();
        settings["Llm:Models:sql-writer"] = "priced-writer";
        settings["Pricing:Models:priced-writer:InputPerMillion"] = "1.00";
        settings["Pricing:Models:priced-writer:CachedInputPerMillion"] = "0.50";
        settings["Pricing:Models:priced-writer:OutputPerMillion"] = "10.00";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_budg_{Guid.NewGuid():N}"[..30];
        foreach (var (key, value) in budget)
            settings[key] = value;
        var factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        _ = factory.Server;
        await factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
        return factory;
    }

    private static async Task<JsonNode> AskAsync(BrowserSession session, Guid threadId, string mode, string question = Question)
    {
        using var response = await session.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true", new { question, clientRequestId = Guid.NewGuid(), mode });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ApiApp.ReadJsonAsync(response);
    }
}

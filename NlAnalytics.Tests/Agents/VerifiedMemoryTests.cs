using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Infrastructure;
using static NlAnalytics.Tests.Agents.AnalystOrchestratorTests;

namespace NlAnalytics.Tests.Agents;

/// <summary>The verified-query memory (real app database) feeding the team: reuse of a verified answer, and examples for the model.</summary>
public sealed class VerifiedMemoryTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    private const string VerifiedSql = "SELECT r.name AS region, count(*) AS orders\nFROM shop.orders o JOIN shop.regions r USING (region_id)\nGROUP BY 1 ORDER BY 1";

    private ScriptedOpenAiServer _llm = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        _services = AgentTeamServices.Create(_llm, await AppDatabase.CreateAsync("agentmem"));
        // Approved, so it serves every asker (the requests below have none).
        var store = _services.GetRequiredService<VerifiedQueryStore>();
        var saved = await store.MarkCorrectAsync(database.Source.Name, "How many orders does each region have?", VerifiedSql, "owner-id", "owner", CancellationToken.None);
        await store.ApproveAsync(saved.Id, "admin-id", "admin", CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task A_verified_answer_is_reused_without_asking_the_model()
    {
        var answer = await _services.Orchestrator().AnswerAsync(
            new AnalystRequest(database.Source, "How many orders does each region have?", [], AnalysisMode.Llm), CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal(AnswerPath.Verified, answer.Path);
        Assert.Equal(VerifiedSql, answer.Sql);
        Assert.Equal(4, answer.Result!.Rows.Count);
        Assert.Empty(_llm.ChatRequests);
    }

    [Fact]
    public async Task The_nearest_verified_pairs_are_examples_in_the_writers_prompt()
    {
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply($"```sql\n{SalesPerYearSql}\n```"));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Up."));

        var answer = await _services.Orchestrator().AnswerAsync(
            new AnalystRequest(database.Source, "What is the average order amount per region and year?", [], AnalysisMode.Llm), CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        var writer = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains(WriterPrompt));
        Assert.Contains("Verified examples", writer.SystemPrompt);
        Assert.Contains("How many orders does each region have?", writer.SystemPrompt);
        Assert.Contains("GROUP BY 1 ORDER BY 1", writer.SystemPrompt);
    }
}

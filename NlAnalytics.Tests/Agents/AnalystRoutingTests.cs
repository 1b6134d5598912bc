using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Infrastructure;
using static NlAnalytics.Tests.Agents.AnalystOrchestratorTests;

namespace NlAnalytics.Tests.Agents;

/// <summary>Offline, LLM and Hybrid routing with the real offline writer.</summary>
public sealed class AnalystRoutingTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    private ScriptedOpenAiServer _llm = null!;

    public async Task InitializeAsync() => _llm = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    private AnalystRequest Ask(string question, AnalysisMode mode) => new(database.Source, question, [], mode);

    [Fact]
    public async Task Offline_mode_answers_with_no_model_at_all_and_narrates_from_the_data()
    {
        await using var services = AgentTeamServices.Create(null);

        var answer = await services.Orchestrator().AnswerAsync(Ask("total sales by region", AnalysisMode.Offline), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage ?? answer.Narrative);
        Assert.Equal(AnswerPath.Offline, answer.Path);
        Assert.Equal(4, answer.Result!.Rows.Count);
        Assert.Empty(answer.Calls);
        Assert.Equal(0m, answer.CostUsd);
        Assert.Contains("Based on 4 rows.", answer.Narrative);
        Assert.Equal(AnalysisMode.Offline, services.Orchestrator().DefaultMode);
    }

    [Fact]
    public async Task Hybrid_takes_a_confident_offline_draft_without_calling_the_model()
    {
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(Ask("total sales by region", AnalysisMode.Hybrid), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage ?? answer.Narrative);
        Assert.Equal(AnswerPath.Offline, answer.Path);
        Assert.True(answer.Confidence >= 0.6, $"confidence {answer.Confidence}");
        Assert.Empty(_llm.ChatRequests);
        Assert.Equal(0m, answer.CostUsd);
        Assert.Equal(AnalysisMode.Hybrid, services.Orchestrator().DefaultMode);
    }

    [Fact]
    public async Task An_offline_answer_that_left_a_word_out_says_so_in_its_first_line_and_stays_under_the_hybrid_threshold()
    {
        // Uncalibrated: nothing is declined for a low score, so the answer is given and its caveat can be read.
        await using var services = AgentTeamServices.Create(null, null, configure: s => s.AddSingleton(OfflineCalibration.Uncalibrated));

        var answer = await services.Orchestrator().AnswerAsync(Ask("total sales by glorious region", AnalysisMode.Offline), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage ?? answer.Narrative);
        Assert.StartsWith("Left out: 'glorious' (not found in this database)", answer.Narrative);
        Assert.True(answer.Confidence < new AnalystOptions().HybridThreshold, $"confidence {answer.Confidence}");
    }

    [Fact]
    public async Task Hybrid_hands_a_question_the_offline_writer_cannot_answer_to_the_model()
    {
        const string sql = "SELECT r.name AS region, count(*) AS orders\nFROM shop.orders o JOIN shop.regions r USING (region_id)\nGROUP BY 1 ORDER BY 1";
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply($"```sql\n{sql}\n```\nChart: bar", inputTokens: 800, outputTokens: 60));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Each region has 22 orders."));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(
            Ask("Which regions show a quixotic flurry of zygomorphic purchasing?", AnalysisMode.Hybrid), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage ?? answer.Narrative);
        Assert.Equal(AnswerPath.Llm, answer.Path);
        Assert.Equal(sql, answer.Sql);
        Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains(WriterPrompt));
        Assert.Contains(answer.Transcript, e => e.Agent == AgentNames.SqlWriter && e.Content.Contains("below the hybrid threshold"));
    }

    [Fact]
    public async Task Offline_mode_declines_honestly_with_suggestions_and_no_error()
    {
        await using var services = AgentTeamServices.Create(null);

        var answer = await services.Orchestrator().AnswerAsync(
            Ask("Which regions show a quixotic flurry of zygomorphic purchasing?", AnalysisMode.Offline), null, CancellationToken.None);

        Assert.Null(answer.Sql);
        Assert.Null(answer.Error);
        Assert.Null(answer.Result);
        Assert.False(answer.Succeeded);
        Assert.Equal(AnswerPath.Offline, answer.Path);
        Assert.NotEmpty(answer.Suggestions!);
        Assert.Contains("can't answer", answer.Narrative);
    }
}

using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Agents;

/// <summary>The whole team against a real PostgreSQL and a scripted OpenAI-compatible server the real SDK talks to.</summary>
public sealed class AnalystOrchestratorTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    internal const string WriterPrompt = "You are the SQL writer";
    internal const string NarratorPrompt = "You are the narrator";
    internal const string ConversationPrompt = "You rewrite the user's latest message";

    internal const string SalesPerYearSql = "SELECT extract(year FROM order_date)::int AS year, sum(amount) AS total_sales\nFROM shop.orders GROUP BY 1 ORDER BY 1";

    private ScriptedOpenAiServer _llm = null!;

    public async Task InitializeAsync() => _llm = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    private AnalystRequest Ask(string question, AnalysisMode mode = AnalysisMode.Llm, params ThreadTurn[] history) =>
        new(database.Source, question, history, mode);

    private static string Fenced(string sql, string chart = "line", string interpretation = "As asked.") =>
        $"Here is the query.\n```sql\n{sql}\n```\nInterpretation: {interpretation}\nChart: {chart}";

    [Fact]
    public async Task A_plain_question_gets_sql_rows_a_chart_a_streamed_narrative_an_exact_cost_and_a_full_transcript()
    {
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply(Fenced(SalesPerYearSql), inputTokens: 1000, outputTokens: 200));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Sales rose 10% to 4,840 in 2025.", inputTokens: 500, outputTokens: 100));
        await using var services = AgentTeamServices.Create(_llm);
        var progress = new RecordingProgress();

        var answer = await services.Orchestrator().AnswerAsync(Ask("What were total sales per year?"), progress, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal(AnswerPath.Llm, answer.Path);
        Assert.Equal(SalesPerYearSql, answer.Sql);
        Assert.Equal("As asked.", answer.Interpretation);
        Assert.Equal([2024L, 2025L], answer.Result!.Rows.Select(r => (long)r[0]!));
        Assert.Equal([AgentTeamDatabase.Total2024, AgentTeamDatabase.Total2025], answer.Result.Rows.Select(r => (decimal)r[1]!));
        Assert.Equal(ChartKind.Line, answer.Chart!.Kind);
        Assert.Equal("year", answer.Chart.X);
        Assert.Equal(["total_sales"], answer.Chart.Y);
        Assert.Equal("Sales rose 10% to 4,840 in 2025.", answer.Narrative);
        Assert.Equal(answer.Narrative, progress.Narrative);

        // gpt-4o writer: 1000 x 2.50 + 200 x 10.00 per million; gpt-4o-mini narrator: 500 x 0.15 + 100 x 0.60 per million.
        Assert.Equal(0.0045m + 0.000135m, answer.CostUsd);
        Assert.Equal([AgentNames.SqlWriter, AgentNames.Narrator], answer.Calls.Select(c => c.Agent));
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], answer.Calls.Select(c => c.Model));

        string[] roles = [AgentNames.Conversation, AgentNames.SchemaSelector, AgentNames.SqlWriter, AgentNames.SqlReviewer, AgentNames.Executor, AgentNames.Visualizer, AgentNames.Narrator];
        Assert.All(roles, role => Assert.Contains(answer.Transcript, e => e.Agent == role));
        Assert.Contains(answer.Transcript, e => e.Agent == AgentNames.SqlWriter && e.Role == "system" && e.Content.Contains("Only a single SELECT statement"));
        Assert.Contains(answer.Transcript, e => e.Agent == AgentNames.Narrator && e.Role == "system");
        // The answer says where its time went, step by step.
        var times = StepTimes.From(answer.Transcript);
        Assert.NotNull(times);
        Assert.Equal(["charting", "execution", "memory", "narrative", "retrieval", "review", "understanding", "writing"], times.Milliseconds.Keys.Order());

        var steps = progress.Events.Select(e => e.Step).Distinct().ToList();
        Assert.Equal([AgentStep.Understanding, AgentStep.RetrievingSchema, AgentStep.WritingSql, AgentStep.Reviewing, AgentStep.Running, AgentStep.Charting, AgentStep.Explaining, AgentStep.Done], steps);

        var writerRequest = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains(WriterPrompt));
        Assert.Contains("shop.orders", writerRequest.SystemPrompt);
        Assert.Contains("Question: What were total sales per year?", writerRequest.LastUserMessage);
        Assert.Contains(answer.Tables, t => t.QualifiedName == "shop.orders");
    }

    [Fact]
    public async Task A_follow_up_is_rewritten_into_a_standalone_question_before_retrieval_and_writing()
    {
        const string standalone = "What were total sales per year in the North region?";
        const string northSql = "SELECT extract(year FROM o.order_date)::int AS year, sum(o.amount) AS total_sales\nFROM shop.orders o JOIN shop.regions r ON r.region_id = o.region_id\nWHERE r.name = 'North' GROUP BY 1 ORDER BY 1";
        _llm.WhenSystemPromptContains(ConversationPrompt, ScriptStep.Reply(standalone, inputTokens: 200, outputTokens: 12));
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply(Fenced(northSql)));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("North grew 10%."));
        await using var services = AgentTeamServices.Create(_llm);
        var earlier = new ThreadTurn("What were total sales per year?", "What were total sales per year?", SalesPerYearSql, "Sales rose.");

        var answer = await services.Orchestrator().AnswerAsync(Ask("and only for the North region?", AnalysisMode.Llm, earlier), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal("and only for the North region?", answer.Question);
        Assert.Equal(standalone, answer.StandaloneQuestion);
        Assert.Equal([1100m, 1210m], answer.Result!.Rows.Select(r => (decimal)r[1]!));
        var rewrite = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains(ConversationPrompt));
        Assert.Contains("What were total sales per year?", rewrite.LastUserMessage);
        Assert.Contains("Latest message: and only for the North region?", rewrite.LastUserMessage);
        var writer = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains(WriterPrompt));
        Assert.Contains("Question: " + standalone, writer.LastUserMessage);
        Assert.Contains("shop.regions", writer.SystemPrompt);
        Assert.Contains(answer.Calls, c => c.Agent == AgentNames.Conversation);
    }

    [Fact]
    public async Task An_sql_error_goes_back_to_the_writer_with_the_database_message_and_the_second_attempt_answers()
    {
        const string wrong = "SELECT region_name, sum(amount) AS sales FROM shop.orders GROUP BY 1";
        const string right = "SELECT r.name AS region, sum(o.amount) AS sales\nFROM shop.orders o JOIN shop.regions r ON r.region_id = o.region_id\nGROUP BY 1 ORDER BY 2 DESC, 1";
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply(Fenced(wrong, "bar")), ScriptStep.Reply(Fenced(right, "bar")));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("All regions sold the same."));
        await using var services = AgentTeamServices.Create(_llm);
        var progress = new RecordingProgress();

        var answer = await services.Orchestrator().AnswerAsync(Ask("Sales by region"), progress, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal(right, answer.Sql);
        Assert.Equal(4, answer.Result!.Rows.Count);
        Assert.Equal(ChartKind.Bar, answer.Chart!.Kind);
        var writes = _llm.ChatRequests.Where(r => r.SystemPrompt.Contains(WriterPrompt)).ToList();
        Assert.Equal(2, writes.Count);
        Assert.Contains(wrong, writes[1].LastUserMessage);
        Assert.Contains("column \"region_name\" does not exist", writes[1].LastUserMessage);
        Assert.DoesNotContain("does not exist", writes[0].LastUserMessage);
        Assert.Equal(2, answer.Calls.Count(c => c.Agent == AgentNames.SqlWriter));
        Assert.True(answer.Confidence < LlmSqlWriter.DraftConfidence);
        Assert.Contains(progress.Events, e => e.Step == AgentStep.WritingSql && e.Message.Contains("attempt 2 of 3"));
    }

    [Fact]
    public async Task Malformed_model_output_is_pointed_out_once_and_then_fails_clearly()
    {
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply("I would need to know more about your data first."));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(Ask("Sales by region"), null, CancellationToken.None);

        Assert.False(answer.Succeeded);
        Assert.Null(answer.Sql);
        Assert.Null(answer.Result);
        Assert.Equal(SqlFailureKind.Other, answer.Error!.Kind);
        Assert.Contains("did not return an SQL query", answer.Error.UserMessage);
        var writes = _llm.ChatRequests.Where(r => r.SystemPrompt.Contains(WriterPrompt)).ToList();
        Assert.Equal(2, writes.Count);
        Assert.Contains("Your reply contained no SQL query", writes[1].LastUserMessage);
        // The reply that had no SQL is quoted back to the model in the same request.
        Assert.Contains("Your previous reply:\nI would need to know more about your data first.", writes[1].LastUserMessage);
    }

    [Fact]
    public async Task Malformed_output_corrected_after_the_feedback_is_answered()
    {
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply("Sure, sales per year it is."), ScriptStep.Reply($$"""{"sql": "{{SalesPerYearSql.Replace("\n", " ")}}", "chart": "bar"}"""));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Up 10%."));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(Ask("sales per year"), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal(2, answer.Result!.Rows.Count);
        Assert.Equal(ChartKind.Bar, answer.Chart!.Kind);
    }

    [Fact]
    public async Task A_model_failure_comes_back_as_a_friendly_error_not_an_exception()
    {
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Unauthorized(AgentTeamServices.ApiKey));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(Ask("Sales by region"), null, CancellationToken.None);

        Assert.False(answer.Succeeded);
        Assert.NotNull(answer.Error);
        Assert.DoesNotContain(AgentTeamServices.ApiKey, answer.Error.UserMessage);
        Assert.DoesNotContain(AgentTeamServices.ApiKey, answer.Narrative);
        Assert.All(answer.Transcript, e => Assert.DoesNotContain(AgentTeamServices.ApiKey, e.Content));
    }

    [Fact]
    public async Task Cancelling_stops_the_team_with_an_exception()
    {
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply(Fenced(SalesPerYearSql)).After(TimeSpan.FromSeconds(5)));
        await using var services = AgentTeamServices.Create(_llm);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => services.Orchestrator().AnswerAsync(Ask("Sales per year"), null, cancel.Token));
    }

    [Fact]
    public async Task Llm_mode_without_a_configured_model_says_so()
    {
        await using var services = AgentTeamServices.Create(null);

        var answer = await services.Orchestrator().AnswerAsync(Ask("Sales per year"), null, CancellationToken.None);

        Assert.Contains("none is configured", answer.Error!.UserMessage);
        Assert.Empty(answer.Calls);
    }
}

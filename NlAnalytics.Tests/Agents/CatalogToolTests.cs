using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;
using static NlAnalytics.Tests.Agents.AnalystOrchestratorTests;

namespace NlAnalytics.Tests.Agents;

/// <summary>
/// The LLM writer's catalog functions, called by a scripted model through the real SDK and Semantic
/// Kernel's function invocation, against a real PostgreSQL; and the prompt token count against the usage
/// the server reports.
/// </summary>
public sealed partial class CatalogToolTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    private ScriptedOpenAiServer _llm = null!;

    public async Task InitializeAsync() => _llm = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    private AnalystRequest Ask(string question, params ThreadTurn[] history) => new(database.Source, question, history, AnalysisMode.Llm);

    [Fact]
    public async Task The_writer_looks_up_values_and_dry_runs_its_draft_before_answering_and_each_lookup_and_call_is_in_the_transcript()
    {
        const string sql = "SELECT count(*) AS orders FROM shop.orders o JOIN shop.regions r ON r.region_id = o.region_id WHERE r.name = 'North'";
        _llm.WhenSystemPromptContains(WriterPrompt,
            ScriptStep.ToolCall("catalog_distinct_values", """{"table":"shop.regions","column":"name"}""", inputTokens: 900, outputTokens: 30),
            ScriptStep.ToolCall("catalog_dry_run", $$"""{"sql":"{{sql}}"}""", inputTokens: 1000, outputTokens: 40),
            ScriptStep.Reply($"```sql\n{sql}\n```\nInterpretation: Orders in the North region.\nChart: kpi", inputTokens: 1100, outputTokens: 50));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("22 orders.", inputTokens: 300, outputTokens: 5));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(Ask("How many orders in the north?"), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal(sql, answer.Sql);
        var writes = _llm.ChatRequests.Where(r => r.SystemPrompt.Contains(WriterPrompt)).ToList();
        Assert.Equal(3, writes.Count);
        Assert.Contains("catalog_find_columns", writes[0].Tools);
        Assert.Contains("catalog_sample_rows", writes[0].Tools);
        // The database's own values came back to the model, then the dry run's columns.
        Assert.Contains("North", Assert.Single(writes[1].ToolResults));
        Assert.Contains("West", writes[1].ToolResults[0]);
        Assert.StartsWith("OK. Columns: orders (bigint)", writes[2].ToolResults[1]);
        // Three priced writer calls, gpt-4o at 2.50 in and 10.00 out per million: (3000 x 2.50 + 120 x 10.00) / 1e6.
        Assert.Equal(3, answer.Calls.Count(c => c.Agent == AgentNames.SqlWriter));
        Assert.Equal(0.0087m, answer.Calls.Where(c => c.Agent == AgentNames.SqlWriter).Sum(c => c.CostUsd));
        var tools = answer.Transcript.Where(e => e.Role == AgentTranscript.Tool).ToList();
        Assert.Equal(2, tools.Count);
        Assert.StartsWith("catalog.distinct_values(table: shop.regions, column: name) returned:", tools[0].Content);
        Assert.StartsWith("catalog.dry_run(", tools[1].Content);
        // "Tables used" is what the SQL reads, not everything retrieval offered.
        Assert.Equal(["shop.orders", "shop.regions"], answer.TablesUsed.Select(t => t.QualifiedName));
    }

    [Fact]
    public async Task Hand_written_sql_shows_the_tables_it_reads_and_a_narrative_in_words()
    {
        await using var services = AgentTeamServices.Create(null);
        var runner = new ManualQueryRunner(services.GetRequiredService<ISqlGate>(), services.GetRequiredService<ISqlExecutor>(),
            services.GetRequiredService<IOptions<AnalystOptions>>(), TimeProvider.System);

        var answer = await runner.AnswerAsync(database.Source, "users", "SELECT u.email, u.note FROM shop.users u ORDER BY u.user_id", edited: true, null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal(["shop.users"], answer.TablesUsed.Select(t => t.QualifiedName));
        Assert.StartsWith("The result lists 2 rows of email with note. The first has email ada@example.com and note Likes charts.", answer.Narrative);
    }

    [Fact]
    public async Task A_model_that_keeps_calling_tools_is_stopped_at_the_limit_and_the_draft_gets_one_plain_retry()
    {
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.ToolCall("catalog_find_columns", """{"words":"orders"}"""));
        await using var services = AgentTeamServices.Create(_llm, ("Analyst:MaxToolCalls", "2"));

        var answer = await services.Orchestrator().AnswerAsync(Ask("How many orders?"), null, CancellationToken.None);

        Assert.False(answer.Succeeded);
        Assert.Contains("did not return an SQL query", answer.Error!.UserMessage);
        var writes = _llm.ChatRequests.Where(r => r.SystemPrompt.Contains(WriterPrompt)).ToList();
        // Two lookups run and answered; the third reply's call is dropped, which ends the loop; the retry offers no tools.
        Assert.Equal(4, writes.Count);
        Assert.Equal(2, writes[2].ToolResults.Count);
        Assert.Empty(writes[3].Tools);
        Assert.Equal(2, answer.Transcript.Count(e => e.Role == AgentTranscript.Tool));
        Assert.Contains(answer.Transcript, e => e.Agent == AgentNames.SqlWriter && e.Content.Contains("Tool calls past the limit for this question were not run."));
        Assert.Equal(4, answer.Calls.Count(c => c.Agent == AgentNames.SqlWriter));
    }

    [Fact]
    public async Task A_lookup_of_a_table_the_catalog_does_not_know_runs_nothing_and_says_so()
    {
        _llm.WhenSystemPromptContains(WriterPrompt,
            ScriptStep.ToolCall("catalog_sample_rows", """{"table":"app.secrets","count":5}"""),
            ScriptStep.Reply("```sql\nSELECT count(*) AS n FROM shop.orders\n```"));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Counted."));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(Ask("How many orders?"), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        var result = Assert.Single(_llm.ChatRequests[1].ToolResults);
        Assert.StartsWith("There is no table app.secrets.", result);
        Assert.DoesNotContain("sk-live", string.Join("\n", _llm.Requests.Select(r => r.Body)));
    }

    [Fact]
    public async Task The_prompt_token_count_shown_before_each_call_equals_the_usage_the_server_counts()
    {
        // No scripted usage: the server counts the o200k tokens of the messages as they arrived on the wire.
        _llm.WhenSystemPromptContains(ConversationPrompt, ScriptStep.Reply("Question: What were total sales per year in the North?\nCarried over: none"));
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply($"```sql\n{SalesPerYearSql}\n```"));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Sales rose."));
        await using var services = AgentTeamServices.Create(_llm, ("Analyst:MaxToolCalls", "0"));

        var answer = await services.Orchestrator().AnswerAsync(
            Ask("and in the North?", new ThreadTurn("What were total sales per year?", "What were total sales per year?", SalesPerYearSql, "Up.")), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        var counted = answer.Transcript.Where(e => e.Role == AgentTranscript.Event && e.Content.StartsWith("Prompt for ", StringComparison.Ordinal))
            .Select(e => (e.Agent, Tokens: long.Parse(CountPattern().Match(e.Content).Groups["n"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal([AgentNames.Conversation, AgentNames.SqlWriter, AgentNames.Narrator], counted.Select(c => c.Agent));
        Assert.Equal(answer.Calls.Select(c => c.InputTokens), counted.Select(c => c.Tokens));
        Assert.All(counted, c => Assert.True(c.Tokens > 50, "a real prompt has more than a few tokens"));
    }

    [GeneratedRegex(@": (?<n>[\d,]+) tokens, counted before sending")]
    private static partial Regex CountPattern();
}

/// <summary>Point 6a in LLM mode: the rewrite says which filters it took from earlier questions, and a new question takes none.</summary>
public sealed class ConversationRewriteTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    private static readonly ThreadTurn NorthSales = new("Sales per year in the North", "What were total sales per year in the North?", SalesPerYearSql, "Up.");

    private ScriptedOpenAiServer _llm = null!;

    public async Task InitializeAsync() => _llm = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    [Fact]
    public async Task A_follow_up_shows_the_filters_it_carried_over_from_the_earlier_question()
    {
        _llm.WhenSystemPromptContains(ConversationPrompt, ScriptStep.Reply("Question: What were total sales in the North in 2025?\nCarried over: region = North"));
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply($"```sql\n{SalesPerYearSql}\n```\nInterpretation: Total sales of the North in 2025.\nChart: kpi"));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Up."));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(new AnalystRequest(database.Source, "and in 2025?", [NorthSales], AnalysisMode.Llm), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal("What were total sales in the North in 2025?", answer.StandaloneQuestion);
        Assert.Equal(["region = North"], answer.Interpretation!.InheritedFilters);
        Assert.Equal("Total sales of the North in 2025.", answer.Interpretation.Summary);
    }

    [Fact]
    public async Task A_new_question_after_a_filtered_one_keeps_none_of_its_filters_and_the_model_is_told_so()
    {
        _llm.WhenSystemPromptContains(ConversationPrompt, ScriptStep.Reply("Question: How many users are there?\nCarried over: none"));
        _llm.WhenSystemPromptContains(WriterPrompt, ScriptStep.Reply("```sql\nSELECT count(*) AS users FROM shop.users\n```\nInterpretation: All users.\nChart: kpi"));
        _llm.WhenSystemPromptContains(NarratorPrompt, ScriptStep.Reply("Three users."));
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(new AnalystRequest(database.Source, "How many users are there?", [NorthSales], AnalysisMode.Llm), null, CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        Assert.Equal("How many users are there?", answer.StandaloneQuestion);
        Assert.Empty(answer.Interpretation!.InheritedFilters);
        var rewrite = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains(ConversationPrompt));
        Assert.Contains("Never carry filters", rewrite.SystemPrompt);
        Assert.Contains("Latest message: How many users are there?", rewrite.LastUserMessage);
    }

    [Theory]
    [InlineData("Question: Sales in 2025 in the North?\nCarried over: region = North; channel = web", "Sales in 2025 in the North?", "region = North|channel = web")]
    [InlineData("Question: How many users?\nCarried over: none", "How many users?", "")]
    [InlineData("How many users?", "How many users?", "")]
    public void The_rewrite_reply_is_read_into_the_question_and_its_carried_filters(string reply, string question, string carried)
    {
        var parsed = ConversationAgent.Parse(reply);

        Assert.Equal(question, parsed.Text);
        Assert.Equal(carried.Length == 0 ? [] : carried.Split('|'), parsed.CarriedOver);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Knowledge;
using NlAnalytics.Tests.Agents;
using NlAnalytics.Tests.Evaluation;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Knowledge;

/// <summary>A source's glossary and instructions as answering uses them: the offline analyst grounds a term, the LLM's prompt carries it.</summary>
public sealed class GlossaryTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    private ScriptedOpenAiServer _llm = null!;
    private IDbContextFactory<AppDbContext> _app = null!;
    private KnowledgeEditor _admin = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        _app = await AppDatabase.CreateAsync("knowledge");
        _admin = new KnowledgeEditor(await AddUserAsync(_app, "admin@example.com", AppRoles.Admin), "admin@example.com");
    }

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    private ServiceProvider Services() => AgentTeamServices.Create(_llm, _app, services =>
    {
        services.AddSingleton<IDataSourceRegistry>(new SingleSourceRegistry(database.Source));
        services.AddOptions<SourceAccessOptions>().Configure(o => o.OpenToEveryone.Add(database.Source.Name));
        services.AddSingleton<ISourceAccess, SourceAccess>();
        services.AddSingleton<SharedChanges>();
        services.AddSingleton<SourceKnowledge>();
        services.AddSingleton<ISourceKnowledge>(sp => sp.GetRequiredService<SourceKnowledge>());
    });

    private AnalystRequest Ask(string question, AnalysisMode mode) => new(database.Source, question, [], mode);

    [Fact]
    public async Task A_glossary_term_the_schema_does_not_contain_turns_a_declined_offline_question_into_the_right_answer()
    {
        await using var services = Services();
        const string question = "Takings by region";

        var before = await services.Orchestrator().AnswerAsync(Ask(question, AnalysisMode.Offline), CancellationToken.None);
        Assert.Null(before.Sql);

        var knowledge = services.GetRequiredService<SourceKnowledge>();
        var added = await knowledge.AddTermAsync(database.Source.Name,
            new GlossaryTermDraft("takings", ["till receipts"], MeaningKind.Expression, "shop.orders", "SUM(amount)"), _admin, CancellationToken.None);
        Assert.Equal(KnowledgeStatus.Saved, added.Status);

        var after = await services.Orchestrator().AnswerAsync(Ask(question, AnalysisMode.Offline), CancellationToken.None);
        Assert.True(after.Succeeded, after.Narrative);
        var expected = await RowsAsync("SELECT r.name, SUM(o.amount) FROM shop.orders o JOIN shop.regions r ON r.region_id = o.region_id GROUP BY r.name");
        Assert.Equal(expected, after.Result!.Rows.Select(r => $"{r[0]}={Convert.ToDecimal(r[1], System.Globalization.CultureInfo.InvariantCulture):0.00}").Order());
        Assert.Contains(after.Transcript, e => e.Agent == AgentNames.SchemaSelector && e.Content.Contains("glossary of 1 term(s): takings", StringComparison.Ordinal));

        // The synonym means the same.
        var synonym = await services.Orchestrator().AnswerAsync(Ask("Total till receipts", AnalysisMode.Offline), CancellationToken.None);
        Assert.True(synonym.Succeeded, synonym.Narrative);
        Assert.Equal(AgentTeamDatabase.Total2024 + AgentTeamDatabase.Total2025, Convert.ToDecimal(Assert.Single(synonym.Result!.Rows)[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_column_meaning_names_the_column_for_the_offline_analyst()
    {
        await using var services = Services();
        const string question = "Number of orders by territory";
        var before = await services.Orchestrator().AnswerAsync(Ask(question, AnalysisMode.Offline), CancellationToken.None);
        Assert.DoesNotContain(before.Result?.Columns ?? [], c => c.Name.Contains("name", StringComparison.Ordinal) || c.Name.Contains("region", StringComparison.Ordinal));

        var knowledge = services.GetRequiredService<SourceKnowledge>();
        Assert.Equal(KnowledgeStatus.Saved, (await knowledge.AddTermAsync(database.Source.Name,
            new GlossaryTermDraft("territory", [], MeaningKind.Column, null, "shop.regions.name"), _admin, CancellationToken.None)).Status);

        var after = await services.Orchestrator().AnswerAsync(Ask(question, AnalysisMode.Offline), CancellationToken.None);
        Assert.True(after.Succeeded, after.Narrative);
        var expected = await RowsAsync("SELECT r.name, COUNT(*)::numeric FROM shop.orders o JOIN shop.regions r ON r.region_id = o.region_id GROUP BY r.name");
        Assert.Equal(expected, after.Result!.Rows.Select(r => $"{r[0]}={Convert.ToDecimal(r[1], System.Globalization.CultureInfo.InvariantCulture):0.00}").Order());
    }

    [Fact]
    public async Task The_glossary_and_the_instructions_reach_the_llm_writer_prompt_and_are_counted_in_the_transcript()
    {
        await using var services = Services();
        var knowledge = services.GetRequiredService<SourceKnowledge>();
        await knowledge.AddTermAsync(database.Source.Name,
            new GlossaryTermDraft("big order", ["whale"], MeaningKind.Filter, "shop.orders", "amount >= 105", "Orders of 2025 mostly"), _admin, CancellationToken.None);
        await knowledge.SetInstructionsAsync(database.Source.Name, "Fiscal year starts in April.", _admin, CancellationToken.None);
        _llm.WhenSystemPromptContains(AnalystOrchestratorTests.WriterPrompt,
            ScriptStep.Reply("```sql\nSELECT count(*) AS big_orders FROM shop.orders WHERE amount >= 105\n```\nInterpretation: Big orders.\nChart: kpi"));
        _llm.WhenSystemPromptContains(AnalystOrchestratorTests.NarratorPrompt, ScriptStep.Reply("44 big orders."));

        var answer = await services.Orchestrator().AnswerAsync(Ask("How many whales?", AnalysisMode.Llm), CancellationToken.None);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage);
        var writer = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains(AnalystOrchestratorTests.WriterPrompt));
        Assert.Contains("- big order (also: whale): rows of shop.orders where amount >= 105. Orders of 2025 mostly", writer.SystemPrompt);
        Assert.Contains("from its administrators (follow them):\nFiscal year starts in April.", writer.SystemPrompt);
        Assert.Contains(answer.Transcript, e => e.Agent == AgentNames.SqlWriter && e.Role == "event"
            && e.Content.StartsWith("Knowledge in the prompt: instructions ", StringComparison.Ordinal) && e.Content.Contains("glossary of 1 term(s)", StringComparison.Ordinal));
        Assert.Contains(answer.Transcript, e => e.Agent == AgentNames.SchemaSelector && e.Content.Contains("instructions version 1 by admin@example.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_change_is_kept_with_who_made_it_and_analysts_edit_only_where_an_admin_allows()
    {
        await using var services = Services();
        var knowledge = services.GetRequiredService<SourceKnowledge>();
        var analyst = new KnowledgeEditor(await AddUserAsync(_app, "ana@example.com", AppRoles.Analyst), "ana@example.com");
        var draft = new GlossaryTermDraft("takings", [], MeaningKind.Expression, "shop.orders", "SUM(amount)");

        Assert.Equal(KnowledgeStatus.Forbidden, (await knowledge.AddTermAsync(database.Source.Name, draft, analyst, CancellationToken.None)).Status);
        Assert.Equal(KnowledgeStatus.Forbidden, (await knowledge.SetAnalystsMayEditAsync(database.Source.Name, true, analyst, CancellationToken.None)).Status);
        Assert.Equal(KnowledgeStatus.Saved, (await knowledge.SetAnalystsMayEditAsync(database.Source.Name, true, _admin, CancellationToken.None)).Status);
        var added = await knowledge.AddTermAsync(database.Source.Name, draft, analyst, CancellationToken.None);
        Assert.Equal(KnowledgeStatus.Saved, added.Status);
        var changed = await knowledge.UpdateTermAsync(database.Source.Name, added.Term!.Id, draft with { Meaning = "AVG(amount)" }, _admin, CancellationToken.None);
        Assert.Equal(2, changed.Term!.Version);
        Assert.Equal(KnowledgeStatus.Conflict, (await knowledge.AddTermAsync(database.Source.Name, draft with { Term = "Takings" }, _admin, CancellationToken.None)).Status);
        var bad = await knowledge.AddTermAsync(database.Source.Name, draft with { Term = "x", Table = "shop.nowhere" }, _admin, CancellationToken.None);
        Assert.Equal(KnowledgeStatus.Invalid, bad.Status);
        Assert.Contains("no table 'shop.nowhere'", bad.Errors!["table"][0]);
        Assert.Equal(KnowledgeStatus.Saved, (await knowledge.RemoveTermAsync(database.Source.Name, added.Term.Id, analyst, CancellationToken.None)).Status);

        var history = (await knowledge.HistoryAsync(_admin.UserId, database.Source.Name, CancellationToken.None))!;
        Assert.Equal(["glossary Removed ana@example.com", "glossary Changed admin@example.com", "glossary Added ana@example.com", "settings Changed admin@example.com"],
            history.Select(h => $"{h.Subject} {h.Action} {h.ChangedBy}"));
        Assert.Contains("SUM(amount)", history[1].Before ?? "");
        Assert.Contains("AVG(amount)", history[1].After ?? "");
        Assert.Empty(knowledge.For(database.Source.Name).Glossary);

        // A restart reads the same knowledge back from the app database.
        var restarted = ActivatorUtilities.CreateInstance<SourceKnowledge>(services);
        await restarted.LoadAsync(CancellationToken.None);
        Assert.True(restarted.For(database.Source.Name).AnalystsMayEdit);
    }

    private async Task<IReadOnlyList<string>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add($"{reader.GetValue(0)}={reader.GetDecimal(1):0.00}");
        return [.. rows.Order()];
    }

    private static async Task<string> AddUserAsync(IDbContextFactory<AppDbContext> factory, string email, string role)
    {
        var id = await AppDatabase.AddUserAsync(factory, email);
        await using var context = await factory.CreateDbContextAsync();
        var roleRow = await context.Roles.FirstOrDefaultAsync(r => r.Name == role);
        if (roleRow is null)
        {
            roleRow = new Microsoft.AspNetCore.Identity.IdentityRole(role) { NormalizedName = role.ToUpperInvariant() };
            context.Roles.Add(roleRow);
        }
        context.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = id, RoleId = roleRow.Id });
        await context.SaveChangesAsync();
        return id;
    }
}

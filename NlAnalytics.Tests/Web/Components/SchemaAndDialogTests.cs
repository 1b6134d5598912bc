using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using MudBlazor;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Web.Components.Pages.Admin;
using NlAnalytics.Web.Components.Pages.Chat;
using static NlAnalytics.Tests.Web.Components.Messages;

namespace NlAnalytics.Tests.Web.Components;

public sealed class SchemaAndDialogTests : MudTestContext
{
    private static readonly DatabaseCatalog Catalog = new("shop", [
        new TableInfo("sales", "orders", TableKind.Table, "One row per order", 5000,
            [new ColumnInfo("order_id", "integer", false, true, null), new ColumnInfo("amount", "numeric", false, false, "Net amount")], []),
        new TableInfo("sales", "stores", TableKind.Table, null, 12, [new ColumnInfo("store_id", "integer", false, true, null)], []),
        new TableInfo("reporting", "monthly", TableKind.View, null, 0, [new ColumnInfo("month", "date", false, false, null)], []),
    ], DateTimeOffset.UnixEpoch);

    [Fact]
    public void The_schema_browser_tree_groups_tables_by_schema_and_reports_the_chosen_table()
    {
        string? chosen = null;
        var tree = Render<SchemaTree>(p => p
            .Add(c => c.Tree, SchemaBrowserState.BuildTree(Catalog, ""))
            .Add(c => c.OnSelect, (string name) => chosen = name));

        Assert.Equal(["reporting", "sales"], tree.FindAll(".schema-node > .mud-treeview-item-content .mud-treeview-item-label").Select(e => e.TextContent.Trim()));
        Assert.Equal(["reporting.monthly", "sales.orders", "sales.stores"], tree.FindAll("[data-table]").Select(e => e.GetAttribute("data-table")));

        tree.Find("[data-table='sales.orders'] .mud-treeview-item-content").Click();
        tree.WaitForAssertion(() => Assert.Equal("sales.orders", chosen));
    }

    [Fact]
    public void A_search_shows_why_a_table_matched()
    {
        var tree = Render<SchemaTree>(p => p.Add(c => c.Tree, SchemaBrowserState.BuildTree(Catalog, "net amount")).Add(c => c.Search, "net amount"));

        var table = Assert.Single(tree.FindAll("[data-table]"));
        Assert.Equal("sales.orders", table.GetAttribute("data-table"));
        Assert.Contains("comment on amount", table.TextContent);
    }

    [Fact]
    public async Task The_transcript_dialog_lists_each_call_and_shows_prompts_as_text()
    {
        var message = Message(MessageStatus.Succeeded) with
        {
            Calls = [new LlmCallRow { Agent = "sql-writer", Model = "gpt-4o", InputTokens = 1200, OutputTokens = 80, LatencyMs = 950, CostUsd = 0.0038m, UserId = "u" }],
            Transcript = [new TranscriptEntry("sql-writer", "user", "Question: " + Attack, DateTimeOffset.UnixEpoch)],
            InputTokens = 1200,
            OutputTokens = 80,
            CostUsd = 0.0038m,
        };
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        await provider.InvokeAsync(() => TranscriptDialog.ShowAsync(dialogs, message));

        provider.WaitForAssertion(() => Assert.NotNull(provider.Find(".transcript-calls")));
        var text = provider.Find(".mud-dialog").TextContent;
        Assert.Contains("Agents, tokens and transcript", text);
        Assert.Contains("sql-writer", text);
        Assert.Contains("gpt-4o", text);
        Assert.Contains("1,200", text);
        Assert.Contains("950 ms", text);
        Assert.Contains("$0.0038", text);
        Assert.Contains("Question: " + Attack, provider.Find(".transcript-content").TextContent);
        Assert.Empty(provider.FindAll(".mud-dialog img"));

        provider.Find("button.transcript-close").Click();
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
    }

    [Fact]
    public async Task An_offline_answer_says_no_model_was_called()
    {
        var provider = Render<MudDialogProvider>();

        await provider.InvokeAsync(() => TranscriptDialog.ShowAsync(Services.GetRequiredService<IDialogService>(), Message(MessageStatus.Succeeded)));

        provider.WaitForAssertion(() => Assert.Contains("No language model was called", provider.Find(".transcript-note").TextContent));
    }

    [Fact]
    public async Task The_delete_confirmation_keeps_the_thread_unless_the_user_confirms()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        var kept = provider.InvokeAsync(() => ChatDialogs.ConfirmDeleteAsync(dialogs, "Sales " + Attack, 3));
        provider.WaitForAssertion(() => Assert.Contains("Delete \"Sales " + Attack + "\" and its 3 messages?", provider.Find(".mud-dialog").TextContent));
        Assert.Empty(provider.FindAll(".mud-dialog img"));
        provider.FindAll(".mud-dialog button").Single(b => b.TextContent.Contains("Keep it")).Click();
        Assert.False(await kept);

        var confirmed = provider.InvokeAsync(() => ChatDialogs.ConfirmDeleteAsync(dialogs, "Sales", 1));
        provider.WaitForAssertion(() => Assert.Contains("its 1 message?", provider.Find(".mud-dialog").TextContent));
        provider.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();
        Assert.True(await confirmed);
    }
}

using System.Net;
using Bunit;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Retrieval;
using NlAnalytics.Web.Components.Pages.Chat;
using static NlAnalytics.Tests.Web.Components.Messages;

namespace NlAnalytics.Tests.Web.Components;

public sealed class AnswerCardTests : MudTestContext
{
    [Fact]
    public void Model_and_data_text_is_shown_as_text_never_as_markup()
    {
        var message = Message(MessageStatus.Succeeded) with
        {
            Question = "Sales " + Attack,
            Narrative = "Sales peaked in March. <script>alert(1)</script> ![x](https://evil.example/pixel.png)",
            Interpretation = "Summing sales " + Attack,
            Sql = "SELECT name, amount FROM sales.orders",
            Result = Snapshot(["name", "amount"], [Attack, 5], ["plain", 7]),
            Chart = new ChartSpec(ChartKind.Bar, "Sales", "name", ["amount"]),
            Tables = [new RetrievedTable("sales.orders", 0.9, "matches \"sales\" " + Attack)],
            SourcesUsed = [new NlAnalytics.Core.Knowledge.DocumentPassage(1, "policy.md", 0, "Refunds " + Attack, "Within 30 days. " + Attack + " ![x](https://evil.example/p.png)", 0.61f)],
        };

        var card = Render<AnswerCard>(p => p.Add(c => c.Message, message));

        // Had any of these been rendered as markup, the DOM would hold an <img> or a <script> element.
        Assert.Empty(card.FindAll("img"));
        Assert.Empty(card.FindAll("script"));
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", card.Markup);
        Assert.Contains(Attack, card.Find(".question-bubble").TextContent);
        Assert.Contains("<script>alert(1)</script>", card.Find(".answer-narrative").TextContent);
        Assert.Contains(Attack, card.Find(".interpretation-summary").TextContent);
        Assert.Contains(card.FindAll(".result-grid td"), cell => cell.TextContent == Attack);
        Assert.Equal("Within 30 days. " + Attack + " ![x](https://evil.example/p.png)", card.Find(".answer-source-text").TextContent);
        Assert.Contains("policy.md / Refunds " + Attack, card.Find(".answer-source-name").TextContent);
    }

    [Fact]
    public async Task A_result_says_how_old_its_data_is_and_the_refresh_button_runs_its_sql_again()
    {
        var readAt = new DateTime(2026, 12, 2, 14, 2, 37, DateTimeKind.Local);
        var message = Message(MessageStatus.Succeeded) with
        {
            Sql = "SELECT count(*) AS customers FROM sales.customers",
            Result = Snapshot(["customers"], [1200]) with { DataAsOf = new DateTimeOffset(readAt), FromCache = true },
        };
        string? ranAgain = null;

        var card = Render<AnswerCard>(p => p
            .Add(c => c.Message, message)
            .Add(c => c.OnRunSql, sql => ranAgain = sql));

        Assert.Equal("data as of 14:02", card.Find(".answer-data-age").TextContent.Trim());
        Assert.Contains("result cache", card.Find(".answer-data-age").GetAttribute("title"));
        await card.Find(".answer-refresh-data").ClickAsync(new());
        Assert.Equal("SELECT count(*) AS customers FROM sales.customers", ranAgain);
    }

    [Fact]
    public void A_result_read_before_the_cache_existed_shows_no_data_age()
    {
        var message = Message(MessageStatus.Succeeded) with { Sql = "SELECT 1 AS one", Result = Snapshot(["one"], [1]) };

        var card = Render<AnswerCard>(p => p.Add(c => c.Message, message));

        Assert.Empty(card.FindAll(".answer-data-age"));
        Assert.Empty(card.FindAll(".answer-refresh-data"));
    }

    [Fact]
    public void The_interpretation_comes_before_the_narrative_the_chart_and_the_table()
    {
        var message = Message(MessageStatus.Succeeded) with
        {
            Narrative = "Sales rose.",
            Interpretation = "Summing sales per month where the year is 2024",
            Sql = "SELECT month, total_sales FROM t",
            Result = Snapshot(["month", "total_sales"], ["date", "numeric"], ["2024-03-01", 10], ["2024-04-01", 12]),
            Chart = new ChartSpec(ChartKind.Line, "Sales", "month", ["total_sales"]),
        };

        var markup = Render<AnswerCard>(p => p.Add(c => c.Message, message)).Markup;

        var interpretation = markup.IndexOf("Summing sales per month", StringComparison.Ordinal);
        Assert.True(interpretation >= 0);
        Assert.True(interpretation < markup.IndexOf("Sales rose.", StringComparison.Ordinal), "above the narrative");
        Assert.True(interpretation < markup.IndexOf("chart-panel", StringComparison.Ordinal), "above the chart");
        Assert.True(interpretation < markup.IndexOf("result-grid", StringComparison.Ordinal), "above the table");
    }

    [Fact]
    public void A_succeeded_answer_offers_the_cost_mark_as_correct_and_retry()
    {
        var verified = new List<bool>();
        var asked = new List<string>();
        var message = Message(MessageStatus.Succeeded) with
        {
            Question = "and in 2020?", StandaloneQuestion = "Students by faculty in 2020", Sql = "SELECT 1 AS n", Result = Snapshot(["n"], [1]),
        };

        var card = Render<AnswerCard>(p => p
            .Add(c => c.Message, message)
            .Add(c => c.OnVerify, (bool v) => verified.Add(v))
            .Add(c => c.OnAsk, (string q) => asked.Add(q)));

        Assert.Contains("0 - answered offline", card.Find(".cost-badge").TextContent);
        card.Find("button.verify-toggle").Click();
        // Retrying a succeeded answer asks it again, as it was understood, instead of changing the answer shown.
        card.Find("button.answer-rerun").Click();
        Assert.Equal([true], verified);
        Assert.Equal(["Students by faculty in 2020"], asked);
    }

    [Fact]
    public void A_failed_answer_shows_its_error_and_a_retry_button_but_no_mark_as_correct()
    {
        var card = Render<AnswerCard>(p => p.Add(c => c.Message, Message(MessageStatus.Failed) with { Error = "The query took longer than 15 seconds and was stopped." }));

        Assert.Contains("The query took longer than 15 seconds and was stopped.", card.Find(".answer-error").TextContent);
        Assert.NotNull(card.Find("button.answer-retry"));
        Assert.Empty(card.FindAll("button.verify-toggle"));
    }

    [Fact]
    public void A_message_left_running_by_another_process_is_shown_as_interrupted_with_retry()
    {
        var card = Render<AnswerCard>(p => p.Add(c => c.Message, Message(MessageStatus.Running)));

        Assert.Contains("interrupted", card.Find(".answer-error").TextContent);
        Assert.NotNull(card.Find("button.answer-retry"));
        Assert.Empty(card.FindAll("button.answer-stop"));
    }

    [Fact]
    public void A_message_marked_interrupted_at_start_up_is_shown_as_interrupted_with_retry()
    {
        var card = Render<AnswerCard>(p => p.Add(c => c.Message, Message(MessageStatus.Interrupted)));

        Assert.Contains("interrupted", card.Find(".answer-error").TextContent);
        Assert.NotNull(card.Find("button.answer-retry"));
        Assert.Empty(card.FindAll("button.answer-stop"));
    }

    [Fact]
    public void A_result_cut_to_fit_the_stored_answer_says_truncated_and_how_many_rows_were_read()
    {
        var message = Message(MessageStatus.Succeeded) with
        {
            Sql = "SELECT n, text FROM t",
            Result = Snapshot(["n"], [1], [2]) with { Truncated = true, CutForSize = true, RowsRead = 480 },
        };

        var card = Render<AnswerCard>(p => p.Add(c => c.Message, message));

        var summary = card.Find(".result-count").TextContent;
        Assert.Contains("truncated", summary);
        Assert.Contains("2 of 480 rows read", summary);
        Assert.Contains("Table (2+)", card.Markup);
    }

    [Fact]
    public void The_sql_tab_shows_the_sql_laid_out_by_clause_until_the_editor_starts()
    {
        var message = Message(MessageStatus.Succeeded) with
        {
            Sql = "SELECT date_trunc('month', ordered_at) AS month, sum(amount) AS total_sales FROM sales.orders GROUP BY 1 ORDER BY 1",
            Result = Snapshot(["month", "total_sales"], ["2024-03-01", 10]),
        };

        var card = Render<AnswerCard>(p => p.Add(c => c.Message, message));

        Assert.Contains("SELECT\n  date_trunc('month', ordered_at) AS month,\n  sum(amount) AS total_sales\nFROM sales.orders\nGROUP BY 1\nORDER BY 1",
            WebUtility.HtmlDecode(card.Find("pre.sql-code").TextContent));
    }

    [Fact]
    public void The_cost_badge_says_what_was_spent()
    {
        var offline = Render<CostBadge>();
        var paid = Render<CostBadge>(p => p.Add(c => c.InputTokens, 1234L).Add(c => c.OutputTokens, 210L).Add(c => c.CostUsd, 0.0042m));

        Assert.Contains("0 - answered offline", offline.Markup);
        Assert.Contains("1,234 in / 210 out · $0.0042", WebUtility.HtmlDecode(paid.Markup));
    }
}

using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Web.Components.Pages.Chat;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Tests.Web.Chat;

public sealed partial class AnswerCardMarkupTests
{
    private const string Attack = "<img src=x onerror=alert(1)>";

    [Fact]
    public async Task A_cell_containing_html_is_shown_as_text_not_markup()
    {
        var html = await MarkupRenderer.RenderAsync<ResultGrid>(new Dictionary<string, object?>
        {
            [nameof(ResultGrid.Result)] = Snapshot(["name", "amount"], [[Attack, 5], ["plain", 7]]),
        });

        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("plain", html);
    }

    [Fact]
    public async Task The_grid_right_aligns_and_formats_numbers_and_formats_dates()
    {
        var html = await MarkupRenderer.RenderAsync<ResultGrid>(new Dictionary<string, object?>
        {
            [nameof(ResultGrid.Result)] = Snapshot(["month", "total_sales", "orders"], [["2024-03-01", 1234567.891m, 1200], ["2024-04-01", 0.5m, 3]]),
        });

        Assert.Contains(">1,234,567.89<", html);
        Assert.Contains(">1,200<", html);
        Assert.Contains(">0.5<", html);
        Assert.Contains(">2024-03-01<", html);
        Assert.Matches(CellOf("cell-number", "1,234,567.89"), html);
        // Radzen right-aligns a column's cells with this class when TextAlign is Right.
        Assert.Contains("rz-text-align-right", html);
        Assert.Contains("Showing 2 of 2 rows", html);
    }

    [Fact]
    public async Task A_truncated_result_says_it_was_cut_at_the_row_cap()
    {
        var snapshot = Snapshot(["n"], [.. Enumerable.Range(1, 25).Select(i => new object?[] { i })]) with { Truncated = true };

        var html = await MarkupRenderer.RenderAsync<ResultGrid>(new Dictionary<string, object?> { [nameof(ResultGrid.Result)] = snapshot });

        Assert.Contains("Showing 1–10 of 25 rows (cut at the row cap", WebUtility.HtmlDecode(html));
    }

    [Fact]
    public async Task The_cost_badge_says_answered_offline_when_nothing_was_spent()
    {
        var offline = await MarkupRenderer.RenderAsync<CostBadge>(new Dictionary<string, object?>());
        var paid = await MarkupRenderer.RenderAsync<CostBadge>(new Dictionary<string, object?>
        {
            [nameof(CostBadge.InputTokens)] = 1234L,
            [nameof(CostBadge.OutputTokens)] = 210L,
            [nameof(CostBadge.CostUsd)] = 0.0042m,
        });

        Assert.Contains("0 - answered offline", offline);
        Assert.Contains("1,234 in / 210 out · $0.0042", WebUtility.HtmlDecode(paid));
    }

    [Fact]
    public async Task An_answer_card_shows_narrative_sql_and_tables_as_text_only()
    {
        var message = Message(MessageStatus.Succeeded) with
        {
            Narrative = "Sales peaked in March. <script>alert(1)</script> ![x](https://evil.example/pixel.png)",
            Interpretation = "Summing sales per month where the year is 2024",
            Sql = "SELECT date_trunc('month', ordered_at) AS month, sum(amount) AS total_sales FROM sales.orders GROUP BY 1 ORDER BY 1",
            Result = Snapshot(["month", "total_sales"], [["2024-03-01", 10], ["2024-04-01", Attack]]),
            Chart = new ChartSpec(ChartKind.Line, "Sales", "month", ["total_sales"]),
            Tables = [new RetrievedTable("sales.orders", 0.9, "matches \"sales\" " + Attack)],
        };

        var html = await RenderCardAsync(message);

        Assert.Contains("Sales peaked in March. &lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.DoesNotContain("<script>alert", html);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Summing sales per month where the year is 2024", html);
        // The SQL is laid out one clause per line.
        Assert.Contains("SELECT\n  date_trunc('month', ordered_at) AS month,\n  sum(amount) AS total_sales\nFROM sales.orders\nGROUP BY 1\nORDER BY 1", WebUtility.HtmlDecode(html));
        Assert.Contains("sales.orders", html);
        Assert.Contains("0 - answered offline", html);
        Assert.Contains("Mark as correct", html);
        Assert.Contains("chart-surface chart-line", html);
    }

    [Fact]
    public async Task A_failed_answer_shows_its_error_and_a_retry_button()
    {
        var html = await RenderCardAsync(Message(MessageStatus.Failed) with { Error = "The query took longer than 15 seconds and was stopped." });

        Assert.Contains("The query took longer than 15 seconds and was stopped.", html);
        Assert.Contains("Retry", html);
        Assert.DoesNotContain("Mark as correct", html);
    }

    [Fact]
    public async Task A_message_left_running_by_another_process_is_shown_as_interrupted_with_retry()
    {
        var html = await RenderCardAsync(Message(MessageStatus.Running));

        Assert.Contains("interrupted", html);
        Assert.Contains("Retry", html);
        Assert.DoesNotContain("answer-stop", html);
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

        var html = await MarkupRenderer.RenderAsync<TranscriptDialog>(new Dictionary<string, object?> { [nameof(TranscriptDialog.Message)] = message });

        Assert.Contains("sql-writer", html);
        Assert.Contains("gpt-4o", html);
        Assert.Contains("1,200", html);
        Assert.Contains("950 ms", html);
        Assert.Contains("$0.0038", html);
        Assert.Contains("Question: &lt;img src=x onerror=alert(1)&gt;", html);
    }

    private static Task<string> RenderCardAsync(MessageView message) =>
        MarkupRenderer.RenderAsync<AnswerCard>(new Dictionary<string, object?> { [nameof(AnswerCard.Message)] = message });

    private static MessageView Message(MessageStatus status) => new(
        Guid.NewGuid(), 1, "What were total sales by month?", null, status, "Offline", null, null, null, null, null, null,
        [], [], [], [], 0, 0, 0m, false, DateTimeOffset.UnixEpoch, status is MessageStatus.Pending or MessageStatus.Running ? null : DateTimeOffset.UnixEpoch.AddSeconds(1));

    private static ResultSnapshot Snapshot(string[] columns, object?[][] rows) => new(
        [.. columns.Select(c => new ResultColumn(c, "text"))],
        [.. rows.Select(r => r.Select(v => JsonSerializer.SerializeToElement(v)).ToArray())],
        false, 3);

    private static Regex CellOf(string kind, string text) => new($"class=\"cell {Regex.Escape(kind)}\">{Regex.Escape(text)}<");
}

using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Tests.Conversations;

public sealed class ThreadStoreTests : IAsyncLifetime
{
    private IDbContextFactory<AppDbContext> _factory = null!;
    private ThreadStore _store = null!;
    private string _alice = "";
    private string _bob = "";

    public async Task InitializeAsync()
    {
        _factory = await AppDatabase.CreateAsync("threads");
        _store = new ThreadStore(_factory, TimeProvider.System);
        _alice = await AppDatabase.AddUserAsync(_factory, "alice@example.com");
        _bob = await AppDatabase.AddUserAsync(_factory, "bob@example.com");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Nobody_sees_or_changes_another_users_threads()
    {
        var thread = await _store.CreateAsync(_alice, "demo", "Alice's sales", CancellationToken.None);

        Assert.Empty(await _store.ListAsync(_bob, includeArchived: true, search: null, CancellationToken.None));
        Assert.Null(await _store.FindAsync(_bob, thread.Id, CancellationToken.None));
        Assert.False(await _store.RenameAsync(_bob, thread.Id, "hijacked", CancellationToken.None));
        Assert.False(await _store.DeleteAsync(_bob, thread.Id, CancellationToken.None));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.AddQuestionAsync(_bob, thread.Id, "q", Guid.NewGuid(), CancellationToken.None));
        var (aliceMessage, _) = await _store.AddQuestionAsync(_alice, thread.Id, "Alice's private question", Guid.NewGuid(), CancellationToken.None);
        var bobThread = await _store.CreateAsync(_bob, "demo", null, CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.AddQuestionAsync(_bob, bobThread.Id, "q", aliceMessage.ClientRequestId!.Value, CancellationToken.None));
        Assert.Equal("Alice's sales", (await _store.FindAsync(_alice, thread.Id, CancellationToken.None))!.Title);
    }

    [Fact]
    public async Task Sending_the_same_question_twice_stores_it_once()
    {
        var thread = await _store.CreateAsync(_alice, "demo", null, CancellationToken.None);
        var requestId = Guid.NewGuid();

        var first = await _store.AddQuestionAsync(_alice, thread.Id, "Total sales by month", requestId, CancellationToken.None);
        var second = await _store.AddQuestionAsync(_alice, thread.Id, "Total sales by month", requestId, CancellationToken.None);
        var parallel = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _store.AddQuestionAsync(_alice, thread.Id, "Top stores", Guid.Parse("00000000-0000-0000-0000-000000000042"), CancellationToken.None)));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Message.Id, second.Message.Id);
        Assert.Single(parallel.Select(p => p.Message.Id).Distinct());
        var messages = await _store.MessagesAsync(_alice, thread.Id, CancellationToken.None);
        Assert.Equal(["Total sales by month", "Top stores"], messages.Select(m => m.Question));
        Assert.All(messages, m => Assert.Equal(MessageStatus.Pending, m.Status));
    }

    [Fact]
    public async Task A_new_thread_takes_its_title_from_the_first_question()
    {
        var thread = await _store.CreateAsync(_alice, "demo", null, CancellationToken.None);
        await _store.AddQuestionAsync(_alice, thread.Id, "How many students in HEC in 2020?", Guid.NewGuid(), CancellationToken.None);
        await _store.AddQuestionAsync(_alice, thread.Id, "and in 2021?", Guid.NewGuid(), CancellationToken.None);

        Assert.Equal("How many students in HEC in 2020?", (await _store.FindAsync(_alice, thread.Id, CancellationToken.None))!.Title);
    }

    [Fact]
    public async Task Archived_threads_leave_the_default_list_but_are_kept_and_searchable()
    {
        var kept = await _store.CreateAsync(_alice, "demo", "Enrollment trends", CancellationToken.None);
        var archived = await _store.CreateAsync(_alice, "demo", "Old sales", CancellationToken.None);
        await _store.AddQuestionAsync(_alice, archived.Id, "revenue in Lausanne last year", Guid.NewGuid(), CancellationToken.None);
        await _store.SetArchivedAsync(_alice, archived.Id, true, CancellationToken.None);

        var active = await _store.ListAsync(_alice, includeArchived: false, search: null, CancellationToken.None);
        var all = await _store.ListAsync(_alice, includeArchived: true, search: null, CancellationToken.None);
        var byMessageText = await _store.ListAsync(_alice, includeArchived: true, search: "lausanne", CancellationToken.None);
        var byTitle = await _store.ListAsync(_alice, includeArchived: true, search: "enrollment", CancellationToken.None);
        var literalPercent = await _store.ListAsync(_alice, includeArchived: true, search: "%", CancellationToken.None);

        Assert.Equal([kept.Id], active.Select(t => t.Id));
        Assert.Equal(2, all.Count);
        Assert.Equal([archived.Id], byMessageText.Select(t => t.Id));
        Assert.Equal([kept.Id], byTitle.Select(t => t.Id));
        Assert.Empty(literalPercent);
    }

    [Fact]
    public async Task A_saved_answer_reads_back_exactly_with_its_costs_and_feeds_the_history()
    {
        var thread = await _store.CreateAsync(_alice, "demo", null, CancellationToken.None);
        var (message, _) = await _store.AddQuestionAsync(_alice, thread.Id, "Sales by month", Guid.NewGuid(), CancellationToken.None);
        var result = new QueryResult(
            [new ResultColumn("month", "date"), new ResultColumn("sales", "numeric")],
            [[new DateOnly(2025, 1, 1), 1234.50m], [new DateOnly(2025, 2, 1), 99.99m]],
            Truncated: false,
            TimeSpan.FromMilliseconds(12));
        var answer = new AnalystAnswer(
            "Sales by month", "Total sales by month", "SELECT 1", result,
            new ChartSpec(ChartKind.Line, "Sales by month", "month", ["sales"]),
            "Sales peaked in January.",
            [new RetrievedTable("sales.orders", 3.2, "name matches 'sales'")],
            [new TranscriptEntry("sql-writer", "assistant", "SELECT 1", DateTimeOffset.UtcNow)],
            [new LlmCallRecord("sql-writer", "gpt-4o", 1000, 200, 50, TimeSpan.FromMilliseconds(800), 0.00325m),
             new LlmCallRecord("narrator", "gpt-4o-mini", 300, 0, 40, TimeSpan.FromMilliseconds(300), 0.000069m)],
            AnswerPath.Llm);

        await _store.SaveAnswerAsync(_alice, message.Id, answer, CancellationToken.None);

        var stored = Assert.Single(await _store.MessagesAsync(_alice, thread.Id, CancellationToken.None));
        Assert.Equal(MessageStatus.Succeeded, stored.Status);
        Assert.Equal("SELECT 1", stored.Sql);
        Assert.Equal(ChartKind.Line, stored.Chart!.Kind);
        Assert.Equal(["month", "sales"], stored.Result!.Columns.Select(c => c.Name));
        Assert.Equal("2025-01-01", stored.Result.Rows[0][0].GetString());
        Assert.Equal(1234.50m, stored.Result.Rows[0][1].GetDecimal());
        Assert.Equal(0.003319m, stored.CostUsd);
        Assert.Equal(1300, stored.InputTokens);
        Assert.Equal(["sql-writer", "narrator"], stored.Calls.Select(c => c.Agent));
        Assert.Equal("name matches 'sales'", Assert.Single(stored.Tables).Reason);

        var totals = await _store.TotalsAsync(_alice, thread.Id, CancellationToken.None);
        Assert.Equal(0.003319m, totals.CostUsd);
        var turn = Assert.Single(await _store.HistoryAsync(thread.Id, beforeSequence: 99, CancellationToken.None));
        Assert.Equal("Total sales by month", turn.StandaloneQuestion);
        Assert.Equal("Line", turn.ChartKind);
    }
}

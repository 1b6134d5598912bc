using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Accounting;

public sealed class CostLedgerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualClock _clock = new(Start);
    private PooledDbContextFactory<AppDbContext> _contexts = null!;
    private CostLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("ledger");
        _contexts = new PooledDbContextFactory<AppDbContext>(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(connectionString).Options);
        await using (var db = await _contexts.CreateDbContextAsync())
            await db.Database.EnsureCreatedAsync();
        _ledger = new CostLedger(_contexts, _clock);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_message_stores_its_calls_and_carries_their_totals()
    {
        var (_, message) = await NewMessageAsync("ada");

        await _ledger.RecordAsync(message, [Call("sql-writer", "gpt-4o", 1234, 200, 567, 0.008505m), Call("narrator", "gpt-4o-mini", 800, 0, 120, 0.000192m)], CancellationToken.None);

        Assert.Equal(new CostTotals(2, 2034, 200, 687, 0.008697m), await _ledger.ForMessageAsync(message, CancellationToken.None));
        await using var db = await _contexts.CreateDbContextAsync();
        var stored = await db.Messages.Include(m => m.Calls).SingleAsync(m => m.Id == message);
        Assert.Equal((2034L, 687L, 0.008697m), (stored.InputTokens, stored.OutputTokens, stored.CostUsd));
        var writer = stored.Calls.Single(c => c.Agent == "sql-writer");
        Assert.Equal(("gpt-4o", 1234L, 200L, 567L, 0.008505m, 1500, "ada"), (writer.Model, writer.InputTokens, writer.CachedInputTokens, writer.OutputTokens, writer.CostUsd, writer.LatencyMs, writer.UserId));
        Assert.Equal(Start, writer.CreatedAt);
    }

    [Fact]
    public async Task Recording_a_message_again_replaces_its_calls_instead_of_counting_twice()
    {
        var (_, message) = await NewMessageAsync("ada");
        await _ledger.RecordAsync(message, [Call("sql-writer", "gpt-4o", 1000, 0, 100, 0.0035m)], CancellationToken.None);

        await _ledger.RecordAsync(message, [Call("sql-writer", "gpt-4o", 1000, 0, 100, 0.0035m)], CancellationToken.None);

        Assert.Equal(new CostTotals(1, 1000, 0, 100, 0.0035m), await _ledger.ForMessageAsync(message, CancellationToken.None));
    }

    [Fact]
    public async Task An_answer_that_used_no_model_costs_nothing()
    {
        var (thread, message) = await NewMessageAsync("ada");

        await _ledger.RecordAsync(message, [], CancellationToken.None);

        Assert.Equal(CostTotals.Zero, await _ledger.ForMessageAsync(message, CancellationToken.None));
        Assert.Equal(CostTotals.Zero, await _ledger.ForThreadAsync(thread, CancellationToken.None));
        await using var db = await _contexts.CreateDbContextAsync();
        Assert.Equal(0m, (await db.Messages.SingleAsync(m => m.Id == message)).CostUsd);
    }

    [Fact]
    public async Task Thread_and_user_totals_sum_their_own_messages_only()
    {
        var (thread, first) = await NewMessageAsync("ada");
        var second = await AddMessageAsync(thread, 2);
        var (otherThread, third) = await NewMessageAsync("ada");
        var (_, someoneElses) = await NewMessageAsync("grace");
        await _ledger.RecordAsync(first, [Call("sql-writer", "gpt-4o", 1000, 0, 100, 0.0035m)], CancellationToken.None);
        await _ledger.RecordAsync(second, [Call("sql-writer", "gpt-4o", 2000, 1000, 200, 0.00575m)], CancellationToken.None);
        await _ledger.RecordAsync(third, [Call("narrator", "gpt-4o-mini", 500, 0, 50, 0.000105m)], CancellationToken.None);
        await _ledger.RecordAsync(someoneElses, [Call("sql-writer", "gpt-4o", 9000, 0, 900, 0.0315m)], CancellationToken.None);

        Assert.Equal(new CostTotals(2, 3000, 1000, 300, 0.00925m), await _ledger.ForThreadAsync(thread, CancellationToken.None));
        Assert.Equal(new CostTotals(1, 500, 0, 50, 0.000105m), await _ledger.ForThreadAsync(otherThread, CancellationToken.None));
        Assert.Equal(new CostTotals(3, 3500, 1000, 350, 0.009355m), await _ledger.ForUserAsync("ada", since: null, CancellationToken.None));
        Assert.Equal(new CostTotals(1, 9000, 0, 900, 0.0315m), await _ledger.ForUserAsync("grace", since: null, CancellationToken.None));
        Assert.Equal(CostTotals.Zero, await _ledger.ForUserAsync("nobody", since: null, CancellationToken.None));
    }

    [Fact]
    public async Task A_user_total_since_a_date_leaves_out_earlier_calls()
    {
        var (_, march) = await NewMessageAsync("ada");
        await _ledger.RecordAsync(march, [Call("sql-writer", "gpt-4o", 1000, 0, 100, 0.0035m)], CancellationToken.None);
        _clock.Now = Start.AddDays(31);
        var (_, april) = await NewMessageAsync("ada");
        await _ledger.RecordAsync(april, [Call("narrator", "gpt-4o-mini", 500, 0, 50, 0.000105m)], CancellationToken.None);

        var sinceApril = await _ledger.ForUserAsync("ada", since: new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.FromHours(2)), CancellationToken.None);
        var byModel = await _ledger.ByModelForUserAsync("ada", since: null, CancellationToken.None);

        Assert.Equal(new CostTotals(1, 500, 0, 50, 0.000105m), sinceApril);
        Assert.Equal(
            [new ModelCostTotals("gpt-4o", new CostTotals(1, 1000, 0, 100, 0.0035m)), new ModelCostTotals("gpt-4o-mini", new CostTotals(1, 500, 0, 50, 0.000105m))],
            byModel);
    }

    [Fact]
    public async Task Recording_for_a_message_that_does_not_exist_fails_clearly()
    {
        var missing = Guid.NewGuid();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _ledger.RecordAsync(missing, [Call("sql-writer", "gpt-4o", 1, 0, 1, 0m)], CancellationToken.None));

        Assert.Contains(missing.ToString(), error.Message);
    }

    private static LlmCallRecord Call(string agent, string model, long input, long cached, long output, decimal cost) =>
        new(agent, model, input, cached, output, TimeSpan.FromMilliseconds(1500), cost);

    private async Task<(Guid Thread, Guid Message)> NewMessageAsync(string userName)
    {
        await using var db = await _contexts.CreateDbContextAsync();
        if (await db.Users.FindAsync(userName) is null)
            db.Users.Add(new AppUser { Id = userName, UserName = userName });
        var thread = new ChatThread { Id = Guid.NewGuid(), UserId = userName, DataSource = "demo", Title = "Orders", CreatedAt = _clock.Now, UpdatedAt = _clock.Now };
        db.Threads.Add(thread);
        await db.SaveChangesAsync();
        return (thread.Id, await AddMessageAsync(thread.Id, 1));
    }

    private async Task<Guid> AddMessageAsync(Guid thread, int sequence)
    {
        await using var db = await _contexts.CreateDbContextAsync();
        var message = new ChatMessage { Id = Guid.NewGuid(), ThreadId = thread, Sequence = sequence, Question = "How many orders?", Status = MessageStatus.Succeeded, CreatedAt = _clock.Now };
        db.Messages.Add(message);
        await db.SaveChangesAsync();
        return message.Id;
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

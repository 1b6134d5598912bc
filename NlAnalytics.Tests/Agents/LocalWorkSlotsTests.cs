using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Agents;

/// <summary>
/// The local-work slots of offline answers (docs/decisions/0038): the slot itself, and an offline answer that waits for
/// one, against the real team and PostgreSQL. No test here waits for a time to pass: each step is awaited or is known
/// not to be able to finish yet.
/// </summary>
public sealed class LocalWorkSlotsTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    private static LocalWorkSlots Slots(int configured) => new(Options.Create(new AnalystOptions { LocalWorkSlots = configured }));

    [Fact]
    public void There_is_one_slot_per_processor_and_at_least_two_unless_configured()
    {
        using var byDefault = Slots(0);
        using var configured = Slots(3);

        Assert.Equal(Math.Max(2, Environment.ProcessorCount), byDefault.Count);
        Assert.Equal(3, configured.Count);
    }

    [Fact]
    public async Task A_slot_left_for_a_query_lets_another_answer_in_and_is_taken_back_only_when_one_is_free()
    {
        using var slots = Slots(1);
        var first = await slots.EnterAsync(CancellationToken.None);
        Assert.Same(first, LocalWorkSlots.Current);
        var second = slots.EnterAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);

        first.Leave();
        var secondSlot = await second.WaitAsync(HangGuard);
        var back = first.ReenterAsync(CancellationToken.None);
        // The query is over, but the only slot is the second answer's now.
        Assert.False(back.IsCompleted);

        secondSlot.Dispose();
        await back.WaitAsync(HangGuard);
        Assert.False(slots.EnterAsync(CancellationToken.None).IsCompleted);
        first.Dispose();
    }

    [Fact]
    public async Task An_answer_that_ends_while_its_query_still_runs_outside_does_not_keep_a_slot()
    {
        using var slots = Slots(1);
        var answer = await slots.EnterAsync(CancellationToken.None);
        answer.Leave();
        var other = await slots.EnterAsync(CancellationToken.None).WaitAsync(HangGuard);
        var late = answer.ReenterAsync(CancellationToken.None);

        answer.Dispose();
        other.Dispose();
        await late.WaitAsync(HangGuard);

        Assert.True(slots.EnterAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Answers_sharing_one_cached_query_all_finish_with_a_single_slot()
    {
        // The result cache runs one answer's query for all who ask for it at once: the others wait for it holding their
        // slots, so the query must not need one to finish (it did: .ci/run hung in LoadBoundsTests until this was fixed).
        await using var services = AgentTeamServices.Create(null, ("Analyst:LocalWorkSlots", "1"));
        var orchestrator = services.Orchestrator();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            orchestrator.AnswerAsync(new AnalystRequest(database.Source, "total sales by region", [], AnalysisMode.Offline), null, CancellationToken.None)))).WaitAsync(HangGuard);

        Assert.All(answers, a => Assert.Equal(4, a.Result?.Rows.Count));
    }

    [Fact]
    public async Task An_offline_answer_waits_for_a_free_slot_and_says_how_long_it_queued_apart_from_its_steps()
    {
        await using var services = AgentTeamServices.Create(null, ("Analyst:LocalWorkSlots", "1"));
        var slots = services.GetRequiredService<LocalWorkSlots>();
        // Taken in a method of its own, so this test's flow holds no slot and the answer has to take one.
        var taken = await TakeAsync(slots);

        var answering = services.Orchestrator().AnswerAsync(new AnalystRequest(database.Source, "total sales by region", [], AnalysisMode.Offline), null, CancellationToken.None);
        Assert.False(answering.IsCompleted);
        taken.Dispose();
        var answer = await answering.WaitAsync(HangGuard);

        Assert.True(answer.Succeeded, answer.Error?.UserMessage ?? answer.Narrative);
        Assert.Equal(4, answer.Result!.Rows.Count);
        var times = StepTimes.From(answer.Transcript);
        Assert.NotNull(times);
        Assert.Contains(StepTimes.Queued, times.Milliseconds.Keys);
        Assert.DoesNotContain(StepTimes.Queued, StepTimes.Steps);
        // The slot was given back: the next one is free at once.
        Assert.True(slots.EnterAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public void Time_reassigned_from_the_current_step_counts_under_the_other_name_only()
    {
        var time = new ManualTime();
        var clock = new StepClock(time);
        clock.Enter("execution");
        time.Advance(TimeSpan.FromMilliseconds(30));
        clock.Reassign(StepTimes.Queued, TimeSpan.FromMilliseconds(12));
        time.Advance(TimeSpan.FromMilliseconds(5));

        var times = clock.Stop();

        Assert.Equal(23, times["execution"], 3);
        Assert.Equal(12, times[StepTimes.Queued], 3);
    }

    private static async Task<LocalWorkSlots.Slot> TakeAsync(LocalWorkSlots slots) => await slots.EnterAsync(CancellationToken.None);

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Web.Components.Pages.Chat;

namespace NlAnalytics.Tests.Web.Chat;

/// <summary>
/// The real app (offline analyst, a small demo warehouse, a scripted model whose SQL writer is slow) and two
/// registered users, for the chat page's session.
/// </summary>
public sealed class ChatSessionApp : IAsyncLifetime
{
    public NlAnalyticsWebFactory Factory { get; private set; } = null!;
    public ScriptedOpenAiServer Llm { get; private set; } = null!;
    public string Alice { get; private set; } = "";
    public string Bob { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Llm = await ScriptedOpenAiServer.StartAsync();
        // Only LLM-mode questions reach the model, and its SQL writer takes minutes: long enough to queue behind it and stop it.
        Llm.WhenSystemPromptContains("You are the SQL writer", ScriptStep.Reply("SELECT 1").After(TimeSpan.FromMinutes(3)));
        var settings = Llm.LlmSettings();
        settings["Llm:TimeoutSeconds"] = "600";
        settings["Llm:MaxRetries"] = "0";
        settings["Analyst:Mode"] = "Offline";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_session_{Guid.NewGuid():N}"[..30];
        Factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        (await Factory.RegisterAsync("alice@session.test", "alice passphrase")).Dispose();
        (await Factory.RegisterAsync("bob@session.test", "bob passphrase")).Dispose();
        Alice = await UserIdAsync("alice@session.test");
        Bob = await UserIdAsync("bob@session.test");
        await Factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task<ChatSession> SessionAsync(string userId, string userName)
    {
        var session = ActivatorUtilities.CreateInstance<ChatSession>(Factory.Services);
        await session.StartAsync(userId, userName);
        return session;
    }

    public async Task<MessageStatus> StoredStatusAsync(Guid messageId)
    {
        await using var context = await Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await context.Messages.Where(m => m.Id == messageId).Select(m => m.Status).SingleAsync();
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var context = await Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await context.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Llm.DisposeAsync();
    }
}

/// <summary>
/// The chat page's session over the conversation service: every action the page offers, with the state the page
/// renders afterwards, against the real service, database and background answers.
/// </summary>
public sealed class ChatSessionTests(ChatSessionApp app) : IClassFixture<ChatSessionApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_first_question_makes_a_thread_and_its_answer_arrives_in_the_state_the_page_renders()
    {
        using var session = await app.SessionAsync(app.Alice, "alice@session.test");
        await session.ShowNewThreadAsync();
        Assert.NotEmpty(session.State.Examples);

        var sent = await session.SendAsync("  How many customers are there?  ");

        Assert.True(sent.Taken);
        var threadId = Assert.IsType<Guid>(sent.OpenThread);
        var finished = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.AnswerFinished += id => finished.TrySetResult(id);
        Assert.True(await session.OpenThreadAsync(threadId));
        // Opening the new thread puts it at the top of the thread list, without reading the list again.
        Assert.Equal(threadId, session.State.Threads![0].Id);
        var message = Assert.Single(session.State.Messages);
        Assert.Equal("How many customers are there?", message.Question);
        if (session.State.Messages[0].Status != MessageStatus.Succeeded)
            Assert.Equal(message.Id, await finished.Task.WaitAsync(Patience));

        Assert.Equal(MessageStatus.Succeeded, session.State.Messages[0].Status);
        Assert.False(session.State.Busy);
        Assert.Equal(1, session.State.Totals!.Messages);
        var expected = Convert.ToInt64(await Sql.ScalarAsync(app.Factory.DemoConnectionString, "SELECT count(*) FROM sales.customers"));
        Assert.Equal(expected, session.State.Messages[0].Result!.Rows[0][0].GetInt64());
        Assert.NotNull(session.Completions);
        Assert.Contains("sales.customers", session.Completions!.Keys);
    }

    [Fact]
    public async Task A_question_sent_while_an_answer_runs_is_saved_to_wait_its_turn_and_stop_and_retry_act_on_the_running_one()
    {
        using var session = await app.SessionAsync(app.Alice, "alice@session.test");
        await session.ShowNewThreadAsync();
        session.Mode = AnalysisMode.Llm;
        var threadId = (await session.SendAsync("How many students are there?")).OpenThread!.Value;
        Assert.True(await session.OpenThreadAsync(threadId));
        var slow = session.State.Messages[0].Id;
        // The model's SQL writer is answering (slowly): the progress the service records shows the step.
        await WaitUntilAsync(() => session.State.Live.TryGetValue(slow, out var live) && live.Steps.Any(s => s.Step == AgentStep.WritingSql));
        Assert.True(session.State.Busy);

        session.Mode = AnalysisMode.Offline;
        var next = await session.SendAsync("How many customers are there?");

        // Taken at once and stored, waiting for the running answer: the service queues it, as it does for the API.
        Assert.True(next.Taken);
        Assert.Null(next.OpenThread);
        Assert.Equal(2, session.State.Messages.Count);
        var waiting = session.State.Messages[1].Id;
        Assert.Equal(MessageStatus.Pending, await app.StoredStatusAsync(waiting));
        Assert.True(session.State.Live.ContainsKey(waiting));

        await session.StopAsync(slow);
        Assert.True(session.State.Live.TryGetValue(slow, out var stopping) ? stopping.StopRequested : true);
        await WaitUntilAsync(() => !session.State.Busy);
        Assert.Equal(MessageStatus.Cancelled, session.State.Messages[0].Status);
        Assert.Equal(MessageStatus.Succeeded, session.State.Messages[1].Status);

        // Retry answers the stopped question again in place (offline now), as POST /api/messages/{id}/retry does.
        await session.RetryAsync(slow);
        Assert.Null(session.Error);
        await WaitUntilAsync(() => !session.State.Busy && session.State.Messages[0].Status != MessageStatus.Cancelled);
        Assert.Equal(2, session.State.Messages.Count);
        Assert.Equal(slow, session.State.Messages[0].Id);
        Assert.Equal(MessageStatus.Succeeded, await app.StoredStatusAsync(slow));

        // A successful answer is not retried: the service's refusal is shown as the page's error.
        await session.RetryAsync(slow);
        Assert.Contains("answered successfully", session.Error);
    }

    [Fact]
    public async Task Edited_sql_runs_as_a_new_message_under_the_same_question_and_an_empty_one_is_refused()
    {
        using var session = await app.SessionAsync(app.Alice, "alice@session.test");
        await session.ShowNewThreadAsync();
        var threadId = (await session.SendAsync("How many customers are there?")).OpenThread!.Value;
        await session.OpenThreadAsync(threadId);
        await WaitUntilAsync(() => !session.State.Busy && session.State.Messages[0].Status == MessageStatus.Succeeded);
        var answered = session.State.Messages[0].Id;

        Assert.False(await session.RunSqlAsync(answered, "   "));
        Assert.Equal("Write the SQL to run first.", session.Error);

        Assert.True(await session.RunSqlAsync(answered, "SELECT count(*) AS online FROM sales.orders WHERE channel = 'online'"));
        Assert.Null(session.Error);
        await WaitUntilAsync(() => !session.State.Busy && session.State.Messages.Count == 2 && session.State.Messages[1].CompletedAt is not null);
        var manual = session.State.Messages[1];
        Assert.Equal(MessageStatus.Succeeded, manual.Status);
        Assert.Equal("How many customers are there?", manual.Question);
        Assert.Equal(nameof(AnswerPath.Manual), manual.Path);
        var expected = Convert.ToInt64(await Sql.ScalarAsync(app.Factory.DemoConnectionString, "SELECT count(*) FROM sales.orders WHERE channel = 'online'"));
        Assert.Equal(expected, manual.Result!.Rows[0][0].GetInt64());
    }

    [Fact]
    public async Task Marking_an_answer_correct_feeds_the_verified_memory_and_unmarking_takes_it_out()
    {
        using var session = await app.SessionAsync(app.Alice, "alice@session.test");
        await session.ShowNewThreadAsync();
        const string question = "How many products are there?";
        var threadId = (await session.SendAsync(question)).OpenThread!.Value;
        await session.OpenThreadAsync(threadId);
        await WaitUntilAsync(() => !session.State.Busy && session.State.Messages[0].Status == MessageStatus.Succeeded);
        var memory = app.Factory.Services.GetRequiredService<VerifiedQueryStore>();

        Assert.True(await session.MarkCorrectAsync(session.State.Messages[0].Id, true));

        Assert.True(session.State.Messages[0].IsVerified);
        Assert.Contains(await memory.ListAsync("demo", CancellationToken.None), v => v.Question == question && v.Sql == session.State.Messages[0].Sql);

        Assert.True(await session.MarkCorrectAsync(session.State.Messages[0].Id, false));

        Assert.False(session.State.Messages[0].IsVerified);
        Assert.DoesNotContain(await memory.ListAsync("demo", CancellationToken.None), v => v.Question == question);
    }

    [Fact]
    public async Task Threads_are_renamed_archived_and_deleted_and_another_users_thread_is_not_found()
    {
        using var alice = await app.SessionAsync(app.Alice, "alice@session.test");
        await alice.ShowNewThreadAsync();
        var threadId = (await alice.SendAsync("How many orders are there?")).OpenThread!.Value;
        await alice.OpenThreadAsync(threadId);

        Assert.True(await alice.RenameAsync(threadId, "Order count"));
        Assert.Equal("Order count", alice.State.Thread!.Title);
        Assert.Contains(alice.State.Threads!, t => t.Id == threadId && t.Title == "Order count");
        Assert.False(await alice.RenameAsync(threadId, " "));
        Assert.Equal("The title cannot be empty.", alice.Error);

        Assert.True(await alice.SetArchivedAsync(threadId, true));
        Assert.True(alice.State.Thread!.IsArchived);
        Assert.DoesNotContain(alice.State.Threads!, t => t.Id == threadId);
        await alice.ShowArchivedAsync(true);
        Assert.Contains(alice.State.Threads!, t => t.Id == threadId && t.IsArchived);

        using var bob = await app.SessionAsync(app.Bob, "bob@session.test");
        Assert.False(await bob.OpenThreadAsync(threadId));
        Assert.True(bob.State.NotFound);
        Assert.Empty(bob.State.Messages);

        await WaitUntilAsync(() => !alice.State.Busy);
        Assert.True(await alice.DeleteAsync(threadId));
        Assert.DoesNotContain(alice.State.Threads!, t => t.Id == threadId);
        Assert.False(await alice.OpenThreadAsync(threadId));
    }

    [Fact]
    public async Task The_api_reports_the_progress_the_page_shows_while_an_answer_runs_and_only_the_status_once_it_ended()
    {
        using var session = await app.SessionAsync(app.Alice, "alice@session.test");
        await session.ShowNewThreadAsync();
        session.Mode = AnalysisMode.Llm;
        var threadId = (await session.SendAsync("How many faculties are there?")).OpenThread!.Value;
        await session.OpenThreadAsync(threadId);
        var messageId = session.State.Messages[0].Id;
        await WaitUntilAsync(() => session.State.Live.TryGetValue(messageId, out var live) && live.Steps.Any(s => s.Step == AgentStep.WritingSql));
        using var alice = await app.Factory.SignInAsync("alice@session.test", "alice passphrase");
        using var bob = await app.Factory.SignInAsync("bob@session.test", "bob passphrase");

        var running = await alice.Http.GetFromJsonAsync<JsonObject>($"/api/messages/{messageId}/progress");

        Assert.True(running!["running"]!.GetValue<bool>());
        Assert.Equal("Running", running["status"]!.GetValue<string>());
        var steps = running["steps"]!.AsArray().Select(s => (s!["step"]!.GetValue<string>(), s["message"]!.GetValue<string>())).ToList();
        Assert.Equal(session.State.Live[messageId].Steps.Select(s => (s.Step.ToString(), s.Message)), steps);
        Assert.Contains(steps, s => s.Item1 == "WritingSql");
        using (var stranger = await bob.Http.GetAsync($"/api/messages/{messageId}/progress"))
            Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);

        await session.StopAsync(messageId);
        await WaitUntilAsync(() => !session.State.Busy);
        var ended = await alice.Http.GetFromJsonAsync<JsonObject>($"/api/messages/{messageId}/progress");

        Assert.False(ended!["running"]!.GetValue<bool>());
        Assert.Equal("Cancelled", ended["status"]!.GetValue<string>());
        Assert.Empty(ended["steps"]!.AsArray());
    }

    [Fact]
    public async Task A_new_question_after_one_about_a_faculty_is_not_kept_on_that_faculty_and_a_follow_up_says_what_it_carried_over()
    {
        using var session = await app.SessionAsync(app.Alice, "alice@session.test");
        await session.ShowNewThreadAsync();
        var threadId = (await session.SendAsync("How many students were enrolled in HEC in 2020?")).OpenThread!.Value;
        await session.OpenThreadAsync(threadId);
        await WaitUntilAsync(() => !session.State.Busy && session.State.Messages[0].CompletedAt is not null);

        await session.SendAsync("enrolment by faculty and sex in 2021");
        await WaitUntilAsync(() => !session.State.Busy && session.State.Messages.Count == 2 && session.State.Messages[1].CompletedAt is not null);
        await session.SendAsync("and in 2020?");
        await WaitUntilAsync(() => !session.State.Busy && session.State.Messages.Count == 3 && session.State.Messages[2].CompletedAt is not null);

        var split = session.State.Messages[1];
        Assert.Equal(MessageStatus.Succeeded, split.Status);
        Assert.DoesNotContain("HEC", split.Sql);
        Assert.Empty(split.Interpretation!.InheritedFilters);
        Assert.Equal("sex", split.Chart!.Series);
        var followUp = session.State.Messages[2];
        Assert.Equal(MessageStatus.Succeeded, followUp.Status);
        Assert.DoesNotContain("HEC", followUp.Sql);
        Assert.Contains("2020", followUp.Sql);
        Assert.Equal("sex", followUp.Chart!.Series);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The condition did not hold within " + Patience);
            await Task.Delay(50);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web.Api;
using NlAnalytics.Web.Components.Pages.Chat;

namespace NlAnalytics.Tests.Web.Chat;

/// <summary>
/// Issue 10 points 3 and 6 on the chat page's session: the page starts answers from the same per-user rate-limit
/// bucket as the API (a burst of 2 here, refilled at 1 a minute), and it opens a long thread a page at a time.
/// </summary>
public sealed class ChatSessionLimitsTests : IAsyncLifetime
{
    private NlAnalyticsWebFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Analyst:Mode"] = "Offline",
            ["Llm:Endpoint"] = "",
            ["RateLimiting:AnswerBurst"] = "2",
            ["RateLimiting:AnswersPerMinute"] = "1",
            ["Demo:Seed"] = "4242",
            ["Demo:Scale"] = "0.002",
            ["Demo:EndDate"] = "2025-06-30",
            ["Demo:ReaderRole"] = $"nla_reader_limits_{Guid.NewGuid():N}"[..30],
        });
        _ = _factory.Server;
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task The_page_and_the_api_share_one_rate_limit_per_user_and_a_refused_send_says_why_and_keeps_the_question()
    {
        using var alice = await _factory.RegisterAsync("alice@limits.test", "alice passphrase");
        var thread = await ApiApp.CreateThreadAsync(alice);
        using var session = await SessionAsync("alice@limits.test");
        Assert.True(await session.OpenThreadAsync(thread));

        // The burst of two: one through the API, one through the page.
        using (var api = await AskAsync(alice, thread))
            Assert.Equal(HttpStatusCode.Accepted, api.StatusCode);
        Assert.True((await session.SendAsync("How many customers are there?")).Taken);

        // The bucket is empty for both: the page refuses with the reason and keeps the question, the API says 429.
        var refused = await session.SendAsync("How many stores are there?");
        Assert.False(refused.Taken);
        Assert.Contains("faster than this installation allows", session.Error);
        Assert.Contains("Your question is kept", session.Error);
        using (var api = await AskAsync(alice, thread))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, api.StatusCode);
            Assert.NotNull(api.Headers.RetryAfter);
        }
        // Retry and run-SQL on the page take from the same bucket.
        var first = session.State.Messages[^1];
        Assert.False(await session.RunSqlAsync(first.Id, "SELECT 1"));
        Assert.Contains("faster than this installation allows", session.Error);
        Assert.Equal(2, await StoredCountAsync(thread));

        // Another user's bucket is their own.
        using var bob = await _factory.RegisterAsync("bob@limits.test", "bob passphrase");
        using var bobs = await AskAsync(bob, await ApiApp.CreateThreadAsync(bob));
        Assert.Equal(HttpStatusCode.Accepted, bobs.StatusCode);
    }

    [Fact]
    public async Task An_api_key_takes_from_its_users_bucket_and_gets_429_with_retry_after()
    {
        using var carol = await _factory.RegisterAsync("carol@limits.test", "carol passphrase");
        var thread = await ApiApp.CreateThreadAsync(carol);
        using var made = await carol.Http.PostAsJsonAsync("/api/keys", new { name = "limited script" });
        var key = (await ApiApp.ReadJsonAsync(made))["key"]!.GetValue<string>();
        using var script = _factory.CreateSession();

        // The burst of two: one with the cookie, one with the key; the third, with the key, is refused.
        using (var cookie = await AskAsync(carol, thread))
            Assert.Equal(HttpStatusCode.Accepted, cookie.StatusCode);
        using (var first = await AskWithKeyAsync(script, key, thread))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using var refused = await AskWithKeyAsync(script, key, thread);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.ToString());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("faster than this installation allows", (await ApiApp.ReadJsonAsync(refused))["detail"]!.GetValue<string>());
        Assert.Equal(2, await StoredCountAsync(thread));
    }

    private static Task<HttpResponseMessage> AskWithKeyAsync(BrowserSession session, string key, Guid thread)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/threads/{thread}/messages")
        {
            Content = JsonContent.Create(new { question = "How many customers are there?", clientRequestId = Guid.NewGuid() }),
        };
        request.Headers.Add("X-API-Key", key);
        return session.Http.SendAsync(request);
    }

    [Fact]
    public async Task A_thread_of_many_messages_opens_with_the_latest_page_and_show_earlier_loads_the_rest_in_order()
    {
        using var carol = await _factory.RegisterAsync("carol@limits.test", "carol passphrase");
        var thread = await ApiApp.CreateThreadAsync(carol);
        var userId = await UserIdAsync("carol@limits.test");
        var store = _factory.Services.GetRequiredService<ThreadStore>();
        const int Count = 75;
        for (var i = 1; i <= Count; i++)
        {
            var (message, _) = await store.AddQuestionAsync(userId, thread, $"Question {i}", Guid.NewGuid(), CancellationToken.None);
            await store.MarkEndedAsync(message.Id, MessageStatus.Failed, "scripted", CancellationToken.None);
        }
        using var session = await SessionAsync("carol@limits.test");

        Assert.True(await session.OpenThreadAsync(thread));

        Assert.Equal(ChatSession.PageSize, session.State.Messages.Count);
        Assert.Equal($"Question {Count}", session.State.Messages[^1].Question);
        Assert.Equal($"Question {Count - ChatSession.PageSize + 1}", session.State.Messages[0].Question);
        Assert.True(session.State.HasOlder);
        // The totals are the whole thread's, not the page's.
        Assert.Equal(Count, session.State.Totals!.Messages);

        while (session.State.HasOlder)
            await session.LoadEarlierAsync();

        Assert.Equal(Enumerable.Range(1, Count).Select(i => $"Question {i}"), session.State.Messages.Select(m => m.Question));
    }

    private async Task<ChatSession> SessionAsync(string email)
    {
        var session = ActivatorUtilities.CreateInstance<ChatSession>(_factory.Services);
        await session.StartAsync(await UserIdAsync(email), email);
        return session;
    }

    private static Task<HttpResponseMessage> AskAsync(BrowserSession session, Guid thread) =>
        session.Http.PostAsJsonAsync($"/api/threads/{thread}/messages", new { question = "How many stores are there?", clientRequestId = Guid.NewGuid() });

    private async Task<int> StoredCountAsync(Guid thread)
    {
        await using var context = await _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await context.Messages.CountAsync(m => m.ThreadId == thread);
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var context = await _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await context.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }
}

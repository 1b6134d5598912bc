using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web.Api;

namespace NlAnalytics.Tests.Web.Load;

/// <summary>
/// Issue 10 point 3: 200 asks in a burst from one user (into one thread, and into 200 threads) on the
/// running app with its default limits. Every response is 202, 429 or 409 (never a 5xx), every accepted
/// answer ends answered, another user's question is still answered, and the PostgreSQL connections of the
/// app (counted in pg_stat_activity while the burst runs) stay bounded.
/// </summary>
public sealed class LoadBoundsTests : IAsyncLifetime
{
    private const int Burst = 200;
    private const string Question = "How many stores are there?";

    /// <summary>The app database's pool (30) plus the demo source's query pool (10), and room for the lease connection, the catalog and the demo set-up.</summary>
    private const int ConnectionBound = 30 + 10 + 10;

    private NlAnalyticsWebFactory _factory = null!;
    private BrowserSession _alice = null!;
    private BrowserSession _bob = null!;

    public async Task InitializeAsync()
    {
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Demo:Seed"] = "4242",
            ["Demo:Scale"] = "0.002",
            ["Demo:EndDate"] = "2025-06-30",
            ["Demo:ReaderRole"] = $"nla_reader_load_{Guid.NewGuid():N}"[..30],
            ["Llm:Endpoint"] = "",
            ["Analyst:Mode"] = "",
        });
        _alice = await _factory.RegisterAsync("alice@load.test", "alice passphrase");
        _bob = await _factory.RegisterAsync("bob@load.test", "bob passphrase");
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Two_hundred_asks_into_one_thread_get_202_429_or_409_and_another_users_question_is_answered()
    {
        var threadId = await ApiApp.CreateThreadAsync(_alice);
        var bobThread = await ApiApp.CreateThreadAsync(_bob);

        var (codes, peak, bob) = await BurstAsync(_ => threadId, bobThread);

        AssertOnlyAcceptedOrRefused(codes);
        Assert.Equal("Succeeded", bob["status"]!.GetValue<string>());
        Assert.True(peak <= ConnectionBound, $"peak app connections {peak} > {ConnectionBound}");
        await AssertEveryAnswerEndedAnsweredAsync([threadId]);
    }

    [Fact]
    public async Task Two_hundred_asks_into_two_hundred_threads_get_202_or_429_and_connections_stay_bounded()
    {
        var threads = new List<Guid>();
        for (var i = 0; i < Burst; i++)
            threads.Add(await ApiApp.CreateThreadAsync(_alice, $"Thread {i}"));
        var bobThread = await ApiApp.CreateThreadAsync(_bob);

        var (codes, peak, bob) = await BurstAsync(i => threads[i], bobThread);

        AssertOnlyAcceptedOrRefused(codes);
        Assert.Equal("Succeeded", bob["status"]!.GetValue<string>());
        Assert.True(peak <= ConnectionBound, $"peak app connections {peak} > {ConnectionBound}");
        await AssertEveryAnswerEndedAnsweredAsync(threads);
    }

    [Fact]
    public async Task Saves_racing_for_the_next_sequence_number_of_a_thread_all_get_one_or_a_conflict_never_a_database_error()
    {
        var threadId = await ApiApp.CreateThreadAsync(_alice);
        var userId = await UserIdAsync("alice@load.test");
        var store = _factory.Services.GetRequiredService<ThreadStore>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            try
            {
                return (await store.AddQuestionAsync(userId, threadId, $"Question {i}", Guid.NewGuid(), CancellationToken.None)).Message.Sequence;
            }
            catch (SequenceTakenException)
            {
                return -1;
            }
        })));

        var saved = outcomes.Where(s => s > 0).ToList();
        Assert.NotEmpty(saved);
        Assert.Equal(saved.Count, saved.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, saved.Count), saved.Order());
    }

    private async Task<(IReadOnlyList<(HttpStatusCode Code, HttpResponseMessage Response)> Codes, int Peak, JsonNode Bob)> BurstAsync(Func<int, Guid> threadFor, Guid bobThread)
    {
        using var sampling = new CancellationTokenSource();
        var sampler = PeakConnectionsAsync(sampling.Token);
        var asks = Enumerable.Range(0, Burst).Select(i => Task.Run(async () =>
        {
            var response = await _alice.Http.PostAsJsonAsync($"/api/threads/{threadFor(i)}/messages", new { question = Question, clientRequestId = Guid.NewGuid() });
            return (response.StatusCode, response);
        })).ToList();
        // Bob asks while Alice's burst is on; he waits for his answer.
        var bob = Task.Run(async () =>
        {
            using var response = await _bob.Http.PostAsJsonAsync($"/api/threads/{bobThread}/messages?wait=true", new { question = Question, clientRequestId = Guid.NewGuid() });
            return await ApiApp.ReadJsonAsync(response);
        });
        var codes = await Task.WhenAll(asks);
        var bobAnswer = await bob;
        await WaitUntilNoAnswerRunsAsync();
        await sampling.CancelAsync();
        var peak = await sampler;
        Console.WriteLine($"burst of {Burst}: {codes.Count(c => c.StatusCode == HttpStatusCode.Accepted)} accepted (202), "
            + $"{codes.Count(c => c.StatusCode == HttpStatusCode.TooManyRequests)} refused (429), {codes.Count(c => c.StatusCode == HttpStatusCode.Conflict)} conflicts (409), "
            + $"{codes.Count(c => (int)c.StatusCode >= 500)} 5xx; peak PostgreSQL connections of the app's databases {peak}");
        return (codes, peak, bobAnswer);
    }

    private static void AssertOnlyAcceptedOrRefused(IReadOnlyList<(HttpStatusCode Code, HttpResponseMessage Response)> codes)
    {
        try
        {
            Assert.All(codes, c => Assert.Contains(c.Code, new[] { HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.Conflict }));
            Assert.Contains(codes, c => c.Code == HttpStatusCode.Accepted);
            var refused = codes.Where(c => c.Code == HttpStatusCode.TooManyRequests).ToList();
            Assert.NotEmpty(refused);
            Assert.All(refused, c =>
            {
                Assert.True(c.Response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "a 429 says when to try again");
                Assert.Equal("application/problem+json", c.Response.Content.Headers.ContentType?.MediaType);
            });
        }
        finally
        {
            foreach (var (_, response) in codes)
                response.Dispose();
        }
    }

    private async Task AssertEveryAnswerEndedAnsweredAsync(IEnumerable<Guid> threads)
    {
        foreach (var threadId in threads)
        {
            var messages = (await ApiApp.ReadJsonAsync(await _alice.GetAsync($"/api/threads/{threadId}/messages"))).AsArray();
            Assert.All(messages, m => Assert.Equal("Succeeded", m!["status"]!.GetValue<string>()));
        }
    }

    private async Task WaitUntilNoAnswerRunsAsync()
    {
        var runner = _factory.Services.GetRequiredService<AnswerRunner>();
        var alice = await UserIdAsync("alice@load.test");
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(3);
        while (runner.InProgress(alice) > 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the accepted answers did not end in time");
            await Task.Delay(50);
        }
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var connection = new NpgsqlConnection(_factory.AppConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT \"Id\" FROM \"AspNetUsers\" WHERE \"Email\" = @e", connection);
        command.Parameters.AddWithValue("e", email);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The most connections open at once to the app's two databases, polled from pg_stat_activity until cancelled.</summary>
    private async Task<int> PeakConnectionsAsync(CancellationToken cancellationToken)
    {
        var databases = new[]
        {
            new NpgsqlConnectionStringBuilder(_factory.AppConnectionString).Database!,
            new NpgsqlConnectionStringBuilder(_factory.DemoConnectionString).Database!,
        };
        await using var connection = new NpgsqlConnection(await TestPostgres.SuperuserConnectionStringAsync());
        await connection.OpenAsync(CancellationToken.None);
        var peak = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand("SELECT count(*)::int FROM pg_stat_activity WHERE datname = ANY(@d)", connection);
            command.Parameters.AddWithValue("d", databases);
            peak = Math.Max(peak, (int)(await command.ExecuteScalarAsync(CancellationToken.None))!);
            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return peak;
    }
}

/// <summary>Issue 10 point 3 in LLM mode: a burst of asks starts no more model calls than the answers one user may have in progress.</summary>
public sealed class LlmAskBurstTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _llm = null!;
    private NlAnalyticsWebFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        // Every model call hangs: no answer ends during the burst, so nothing frees a place for another.
        _llm.When(_ => true, ScriptStep.Reply("```sql\nSELECT 1\n```") with { Delay = TimeSpan.FromMinutes(10) });
        var settings = _llm.LlmSettings();
        settings["Llm:TimeoutSeconds"] = "600";
        settings["Llm:MaxRetries"] = "0";
        settings["Analyst:Mode"] = "Llm";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_llmb_{Guid.NewGuid():N}"[..30];
        _factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        _ = _factory.Server;
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task Fifty_asks_in_llm_mode_start_at_most_one_model_call_per_answer_in_progress()
    {
        using var session = await _factory.RegisterAsync("burst@llm.test", "burst passphrase");
        var threads = new List<Guid>();
        for (var i = 0; i < 50; i++)
            threads.Add(await ApiApp.CreateThreadAsync(session, $"Thread {i}"));

        var codes = await Task.WhenAll(threads.Select(t => Task.Run(async () =>
        {
            using var response = await session.Http.PostAsJsonAsync($"/api/threads/{t}/messages", new { question = "Which region sells most?", clientRequestId = Guid.NewGuid(), mode = "llm" });
            return response.StatusCode;
        })));

        var accepted = codes.Count(c => c == HttpStatusCode.Accepted);
        Assert.Equal(5, accepted);
        Assert.Equal(45, codes.Count(c => c == HttpStatusCode.TooManyRequests));
        await _llm.WaitForRequestsAsync(accepted, TimeSpan.FromMinutes(2));
        // Each accepted answer is waiting on its first call; no other answer was started to call the model.
        Assert.Equal(accepted, _llm.ChatRequests.Count);
        Console.WriteLine($"50 asks in LLM mode: {accepted} accepted, {_llm.ChatRequests.Count} model calls started");
    }
}

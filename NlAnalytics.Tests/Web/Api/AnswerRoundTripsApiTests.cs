using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// The app-database round trips of one answer asked through the API with wait=true, counted by
/// <see cref="AppDatabaseCommands"/> in the test's own flow (the test server carries it into the request and the
/// answer it starts): the EF commands and the answer lease's lock commands.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AnswerRoundTripsApiTests(ApiApp app)
{
    private const string Question = "How many students were enrolled in HEC in 2020?";

    [Fact]
    public async Task A_second_question_in_a_thread_is_saved_answered_and_returned_in_at_most_three_app_database_round_trips()
    {
        var threadId = await ThreadWithOneAnswerAsync();

        var server = app.Factory.Server;
        server.PreserveExecutionContext = true;
        IReadOnlyList<string> commands;
        try
        {
            using var http = new HttpClient(server.CreateHandler()) { BaseAddress = app.Alice.Http.BaseAddress };
            http.DefaultRequestHeaders.Add("Cookie", app.Alice.CookieHeader);
            using var tally = AppDatabaseCommands.Measure();
            using var response = await http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true",
                new { question = Question, clientRequestId = Guid.NewGuid(), mode = "offline" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var message = await ApiApp.ReadJsonAsync(response);
            Assert.Equal("Succeeded", message["status"]!.GetValue<string>());
            Assert.Equal(2, message["sequence"]!.GetValue<int>());
            commands = tally.Commands;
            // Returned without a read back: it must be exactly what a read of the stored message gives.
            var stored = await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/messages/{message["id"]!.GetValue<Guid>()}"));
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(stored, message), $"returned:\n{message.ToJsonString()}\nstored:\n{stored.ToJsonString()}");
        }
        finally
        {
            server.PreserveExecutionContext = false;
        }

        // The verified pairs of a source are read once every few seconds (VerifiedQueryTests counts that read); not per answer.
        var perAnswer = commands.Where(c => !c.Contains("verified_queries", StringComparison.Ordinal)).ToList();
        var listing = string.Join("\n---\n", perAnswer);
        // The question is saved (with its lease held) before the answer is: a crash in between keeps the question.
        var lease = perAnswer.FindIndex(c => c.Contains("advisory_lock(@c", StringComparison.Ordinal));
        var question = perAnswer.FindIndex(c => c.Contains("INSERT INTO messages", StringComparison.Ordinal));
        var answer = perAnswer.FindIndex(c => c.Contains("UPDATE messages", StringComparison.Ordinal));
        Assert.True(lease >= 0 && question > lease && answer > question, listing);
        // Measured 3: the lease; the question (one batch: the message, the thread's answered turns, the thread's time); the
        // answer (one batch: the message, its model calls, the thread's time), returned as saved without a read back.
        // Before: 7 (a thread check first, the thread read apart from the question's insert, the lease's unlock in the
        // answer's path, the finished message read back).
        Assert.True(perAnswer.Count <= 3, $"{perAnswer.Count} round trips:\n{listing}");
    }

    [Fact]
    public async Task A_thread_deleted_elsewhere_after_a_question_refuses_the_next_one_as_not_found_and_saves_nothing()
    {
        var threadId = await ThreadWithOneAnswerAsync();
        // As another instance (or an account deletion) would: straight in the database, not through this app's store.
        await using (var context = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
            Assert.Equal(1, await context.Threads.Where(t => t.Id == threadId).ExecuteDeleteAsync());

        var requestId = Guid.NewGuid();
        using var response = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true",
            new { question = Question, clientRequestId = requestId, mode = "offline" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await using var check = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await check.Messages.AnyAsync(m => m.ClientRequestId == requestId));
    }

    private async Task<Guid> ThreadWithOneAnswerAsync()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);
        using var first = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true",
            new { question = Question, clientRequestId = Guid.NewGuid(), mode = "offline" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        return threadId;
    }
}

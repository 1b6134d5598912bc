using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Offline;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>The rules that used to live in the chat page only, now kept by the conversation service for the API too.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConversationApiTests(ApiApp app)
{
    private const string Question = "How many students were enrolled in HEC in 2020?";

    [Fact]
    public async Task Marking_an_answer_correct_through_the_api_feeds_the_verified_memory_and_unmarking_removes_it()
    {
        // A question of its own: while it is marked, the verified memory answers it.
        var (_, answer) = await AskAsync("How many students were enrolled in HEC in 2021?");
        var sql = answer["sql"]!.GetValue<string>();
        var memory = app.Factory.Services.GetRequiredService<VerifiedQueryStore>();

        using var marked = await app.Alice.Http.PutAsJsonAsync($"/api/messages/{answer["id"]}/verified", new { verified = true });
        var afterMark = await memory.ListAsync("demo", CancellationToken.None);
        using var unmarked = await app.Alice.Http.PutAsJsonAsync($"/api/messages/{answer["id"]}/verified", new { verified = false });
        var afterUnmark = await memory.ListAsync("demo", CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        Assert.Contains(afterMark, v => v.Question == "How many students were enrolled in HEC in 2021?" && v.Sql == sql.Trim() && v.CreatedBy == ApiApp.AliceEmail);
        Assert.Equal(HttpStatusCode.OK, unmarked.StatusCode);
        Assert.DoesNotContain(afterUnmark, v => v.Question == "How many students were enrolled in HEC in 2021?");
    }

    [Fact]
    public async Task Edited_sql_runs_as_a_new_message_under_the_same_question_and_a_failing_edit_is_retried_as_sql()
    {
        var (threadId, answer) = await AskAsync(Question);
        var broken = "SELEC count(*) FROM university.enrollments";

        using var run = await app.Alice.Http.PostAsJsonAsync($"/api/messages/{answer["id"]}/sql?wait=true", new { sql = broken, clientRequestId = Guid.NewGuid() });
        var failed = await ApiApp.ReadJsonAsync(run);
        using var retry = await PostAsync($"/api/messages/{failed["id"]}/retry?wait=true");
        var retried = await ApiApp.ReadJsonAsync(retry);

        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal("Failed", failed["status"]!.GetValue<string>());
        Assert.Equal(Question, failed["question"]!.GetValue<string>());
        Assert.Equal("Manual", failed["path"]!.GetValue<string>());
        Assert.Equal(broken, failed["sql"]!.GetValue<string>());
        // The database's own words, not a refusal of the statement kind.
        Assert.Contains("syntax error at or near \"SELEC\"", failed["error"]!.GetValue<string>());
        Assert.DoesNotContain("not allowed", failed["error"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("Manual", retried["path"]!.GetValue<string>());
        Assert.Equal(broken, retried["sql"]!.GetValue<string>());
        Assert.Equal(Question, retried["question"]!.GetValue<string>());
        var messages = (await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/threads/{threadId}/messages"))).AsArray();
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.DoesNotContain("edited by hand", m!["question"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Edited_sql_that_works_answers_from_the_analysts_own_query()
    {
        var (_, answer) = await AskAsync(Question);
        var sql = "SELECT faculty_code, SUM(students) AS students FROM university.enrollments WHERE year = 2020 GROUP BY faculty_code ORDER BY 2 DESC";

        using var run = await app.Alice.Http.PostAsJsonAsync($"/api/messages/{answer["id"]}/sql?wait=true", new { sql, clientRequestId = Guid.NewGuid() });
        var message = await ApiApp.ReadJsonAsync(run);

        Assert.Equal("Succeeded", message["status"]!.GetValue<string>());
        Assert.Equal(sql, message["sql"]!.GetValue<string>());
        Assert.True(message["result"]!["rows"]!.AsArray().Count > 1);
        Assert.Equal("SQL edited by hand, run as written", message["interpretation"]!["summary"]!.GetValue<string>());
    }

    [Fact]
    public async Task Running_sql_needs_sql_and_another_users_message_is_not_found()
    {
        var (_, answer) = await AskAsync(Question);

        using var empty = await app.Alice.Http.PostAsJsonAsync($"/api/messages/{answer["id"]}/sql", new { sql = " ", clientRequestId = Guid.NewGuid() });
        using var foreign = await app.Bob.Http.PostAsJsonAsync($"/api/messages/{answer["id"]}/sql", new { sql = "SELECT 1", clientRequestId = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.NotNull((await ApiApp.ReadJsonAsync(empty))["errors"]!["sql"]);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task A_second_question_asked_while_the_first_runs_waits_for_it_and_sees_it_as_history()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);

        using var first = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", new { question = Question, clientRequestId = Guid.NewGuid(), mode = "offline" });
        using var second = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true", new { question = "and in 2021?", clientRequestId = Guid.NewGuid(), mode = "offline" });
        var followUp = await ApiApp.ReadJsonAsync(second);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("Succeeded", followUp["status"]!.GetValue<string>());
        // Answered as a follow-up of the first question: the faculty filter carried over, the year changed.
        var sql = followUp["sql"]!.GetValue<string>();
        Assert.Contains("HEC", sql);
        Assert.Contains("2021", sql);
        var firstAnswer = await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync(first.Headers.Location));
        Assert.Equal("Succeeded", firstAnswer["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_question_saved_behind_an_answer_that_ended_before_it_started_still_sees_that_answer_as_history()
    {
        // The race the API test above can hit on a busy machine, made certain: the follow-up was saved as
        // Pending (another answer ran) with the history of that moment, and that answer ended before it started.
        var (threadId, _) = await AskAsync(Question);
        var userId = await app.UserIdAsync(ApiApp.AliceEmail);
        var added = await app.Store.AddQuestionAsync(userId, threadId, "and in 2021?", Guid.NewGuid(), null, NlAnalytics.Core.Data.MessageStatus.Pending, Guid.CreateVersion7(), CancellationToken.None);
        var runner = app.Factory.Services.GetRequiredService<AnswerRunner>();

        var running = runner.Start(new AnswerJob(userId, threadId, added.Message.Id, added.Message.Sequence, "and in 2021?", NlAnalytics.Core.Agents.AnalysisMode.Offline,
            added.DataSource, History: [], SavedAsRunning: false, SavedWhileAnotherRan: true));
        await running.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        var followUp = await app.Store.MessageAsync(userId, added.Message.Id, CancellationToken.None);

        Assert.Equal(NlAnalytics.Core.Data.MessageStatus.Succeeded, followUp!.Status);
        Assert.Contains("HEC", followUp.Sql);
        Assert.Contains("2021", followUp.Sql);
    }

    [Fact]
    public async Task A_question_asked_again_is_answered_from_the_result_cache_and_running_its_sql_again_reads_fresh_rows()
    {
        const string question = "How many stores are there?";
        var (_, first) = await AskAsync(question);
        var (_, again) = await AskAsync(question);

        Assert.Equal(first["sql"]!.GetValue<string>(), again["sql"]!.GetValue<string>());
        Assert.True(again["result"]!["fromCache"]?.GetValue<bool>(), again["result"]!.ToJsonString());
        Assert.Equal(first["result"]!["dataAsOf"]!.GetValue<DateTimeOffset>(), again["result"]!["dataAsOf"]!.GetValue<DateTimeOffset>());
        Assert.Contains(again["transcript"]!.AsArray(), e => e!["content"]!.GetValue<string>().Contains("from the result cache"));
        Assert.Contains(again["transcript"]!.AsArray(), e => e!["content"]!.GetValue<string>().StartsWith("No dry run"));

        // The card's refresh button: the same SQL run again as written, never from the cache.
        using var refresh = await app.Alice.Http.PostAsJsonAsync($"/api/messages/{again["id"]}/sql?wait=true", new { sql = again["sql"]!.GetValue<string>(), clientRequestId = Guid.NewGuid() });
        var fresh = await ApiApp.ReadJsonAsync(refresh);
        Assert.Equal("Succeeded", fresh["status"]!.GetValue<string>());
        Assert.False(fresh["result"]!["fromCache"]!.GetValue<bool>());
        Assert.True(fresh["result"]!["dataAsOf"]!.GetValue<DateTimeOffset>() > again["result"]!["dataAsOf"]!.GetValue<DateTimeOffset>());
    }

    private async Task<(Guid ThreadId, JsonNode Answer)> AskAsync(string question)
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);
        using var response = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true", new { question, clientRequestId = Guid.NewGuid(), mode = "offline" });
        var answer = await ApiApp.ReadJsonAsync(response);
        Assert.True(answer["status"]!.GetValue<string>() == "Succeeded", answer.ToJsonString());
        return (threadId, answer);
    }

    private Task<HttpResponseMessage> PostAsync(string path) =>
        app.Alice.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Headers = { { "X-Requested-With", "test" } } });
}

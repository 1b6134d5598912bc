using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Tests.Web.Api;

[Collection(ApiCollection.Name)]
public sealed class MessageApiTests(ApiApp app)
{
    private const string HecQuestion = "How many students were enrolled in HEC in 2020?";

    [Fact]
    public async Task Asking_with_wait_returns_the_stored_answer_computed_from_the_demo_data()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice, "New thread");
        var expected = await DemoScalarAsync("SELECT SUM(students) FROM university.enrollments WHERE faculty_code = 'HEC' AND year = 2020");

        using var response = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true",
            new { question = HecQuestion, clientRequestId = Guid.NewGuid(), mode = "offline" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = await ApiApp.ReadJsonAsync(response);
        Assert.True(message["status"]!.GetValue<string>() == "Succeeded", message.ToJsonString());
        Assert.Equal("Offline", message["path"]!.GetValue<string>());
        Assert.Contains("university.enrollments", message["sql"]!.GetValue<string>());
        Assert.Equal(expected, message["result"]!["rows"]![0]![0]!.GetValue<decimal>());
        Assert.Equal(0m, message["costUsd"]!.GetValue<decimal>());

        // Stored, not just returned: the thread shows it, titled after the first question.
        var stored = Assert.Single((await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/threads/{threadId}/messages"))).AsArray())!;
        Assert.Equal(message["id"]!.GetValue<Guid>(), stored["id"]!.GetValue<Guid>());
        Assert.Equal(expected, stored["result"]!["rows"]![0]![0]!.GetValue<decimal>());
        Assert.Equal(HecQuestion, (await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/threads/{threadId}")))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Asking_without_wait_answers_202_with_a_location_to_poll()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);

        using var response = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", new { question = HecQuestion, clientRequestId = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await ApiApp.ReadJsonAsync(response);
        var messageId = accepted["messageId"]!.GetValue<Guid>();
        Assert.Equal(threadId, accepted["threadId"]!.GetValue<Guid>());
        Assert.Equal($"/api/messages/{messageId}", response.Headers.Location!.ToString());
        var message = await PollUntilFinishedAsync(response.Headers.Location.ToString());
        Assert.Equal("Succeeded", message["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Asking_twice_with_the_same_client_request_id_stores_one_message()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);
        var requestId = Guid.NewGuid();
        var body = new { question = HecQuestion, clientRequestId = requestId };

        using var first = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", body);
        using var second = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", body);
        using var afterwards = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages?wait=true", body);

        var id = (await ApiApp.ReadJsonAsync(first))["messageId"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(id, (await ApiApp.ReadJsonAsync(second))["messageId"]!.GetValue<Guid>());
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
        Assert.Equal(id, (await ApiApp.ReadJsonAsync(afterwards))["id"]!.GetValue<Guid>());
        var messages = (await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/threads/{threadId}/messages"))).AsArray();
        Assert.Equal(id, Assert.Single(messages)!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task A_client_request_id_used_by_someone_else_is_refused_without_revealing_their_message()
    {
        var aliceThread = await ApiApp.CreateThreadAsync(app.Alice);
        var bobThread = await ApiApp.CreateThreadAsync(app.Bob);
        var requestId = Guid.NewGuid();
        using var alice = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{aliceThread}/messages?wait=true", new { question = HecQuestion, clientRequestId = requestId });

        using var bob = await app.Bob.Http.PostAsJsonAsync($"/api/threads/{bobThread}/messages?wait=true", new { question = "Anything", clientRequestId = requestId });

        Assert.Equal(HttpStatusCode.Conflict, bob.StatusCode);
        var body = await bob.Content.ReadAsStringAsync();
        Assert.DoesNotContain("HEC", body);
        Assert.DoesNotContain((await ApiApp.ReadJsonAsync(alice))["id"]!.GetValue<Guid>().ToString(), body);
        Assert.Empty((await ApiApp.ReadJsonAsync(await app.Bob.Http.GetAsync($"/api/threads/{bobThread}/messages"))).AsArray());
    }

    [Theory]
    [InlineData("", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", null, "question")]
    [InlineData("How many?", null, null, "clientRequestId")]
    [InlineData("How many?", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "psychic", "mode")]
    [InlineData("How many?", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "llm", "mode")]
    public async Task An_invalid_question_is_refused_with_a_validation_problem_naming_the_field(string question, string? clientRequestId, string? mode, string field)
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);

        using var response = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages",
            new { question, clientRequestId = clientRequestId is null ? (Guid?)null : Guid.Parse(clientRequestId), mode });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ApiApp.ReadJsonAsync(response);
        Assert.NotEmpty(problem["errors"]![field]![0]!.GetValue<string>());
        Assert.Empty((await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/threads/{threadId}/messages"))).AsArray());
    }

    [Fact]
    public async Task The_result_downloads_as_csv_with_every_stored_row_and_defused_formulas()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);
        var messageId = await app.StoreAnswerAsync(ApiApp.AliceEmail, threadId, "Sales by store, in Zürich?", new QueryResult(
            [new ResultColumn("store", "text"), new ResultColumn("amount", "numeric"), new ResultColumn("day", "date"), new ResultColumn("note", "text")],
            [
                ["Zürich, \"HQ\"", -12.5m, new DateOnly(2020, 1, 31), null],
                ["=HYPERLINK(\"http://evil.example\")", 3L, new DateOnly(2020, 2, 1), "line 1\nline 2"],
            ],
            false, TimeSpan.FromMilliseconds(4)));

        using var response = await app.Alice.Http.GetAsync($"/api/messages/{messageId}/result.csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("sales-by-store-in-zurich.csv", response.Content.Headers.ContentDisposition.FileNameStar);
        Assert.False(response.Headers.Contains("X-Result-Truncated"));
        Assert.Equal(
            "store,amount,day,note\r\n" +
            "\"Zürich, \"\"HQ\"\"\",-12.5,2020-01-31,\r\n" +
            "\"'=HYPERLINK(\"\"http://evil.example\"\")\",3,2020-02-01,\"line 1\nline 2\"\r\n",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_large_truncated_result_downloads_whole_and_says_it_was_capped()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);
        var rows = Enumerable.Range(1, 5000).Select(i => new object?[] { i, $"customer number {i} with a reasonably long name to fill the buffer" }).ToList();
        var messageId = await app.StoreAnswerAsync(ApiApp.AliceEmail, threadId, "All customers",
            new QueryResult([new ResultColumn("id", "integer"), new ResultColumn("name", "text")], rows, true, TimeSpan.FromMilliseconds(40)));

        using var response = await app.Alice.Http.GetAsync($"/api/messages/{messageId}/result.csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", Assert.Single(response.Headers.GetValues("X-Result-Truncated")));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5001, lines.Length);
        Assert.Equal("5000,customer number 5000 with a reasonably long name to fill the buffer", lines[^1]);
    }

    [Fact]
    public async Task A_message_without_a_result_has_no_csv()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);
        var userId = await app.UserIdAsync(ApiApp.AliceEmail);
        var (message, _) = await app.Store.AddQuestionAsync(userId, threadId, "Will fail", Guid.NewGuid(), CancellationToken.None);
        await app.Store.MarkEndedAsync(message.Id, MessageStatus.Failed, "The query timed out.", CancellationToken.None);

        using var response = await app.Alice.Http.GetAsync($"/api/messages/{message.Id}/result.csv");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("This message has no result to download.", (await ApiApp.ReadJsonAsync(response))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failed_answer_can_be_retried_in_place_and_then_verified()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice);
        var userId = await app.UserIdAsync(ApiApp.AliceEmail);
        // A question of its own: marking it correct puts it in the verified memory, which other tests must not meet.
        var (failed, _) = await app.Store.AddQuestionAsync(userId, threadId, "How many students were enrolled in HEC in 2019?", Guid.NewGuid(), CancellationToken.None);
        await app.Store.MarkEndedAsync(failed.Id, MessageStatus.Failed, "The data source could not be reached.", CancellationToken.None);
        using var verifyFailed = await app.Alice.Http.PutAsJsonAsync($"/api/messages/{failed.Id}/verified", new { verified = true });
        using var stopIdle = await PostWithHeaderAsync($"/api/messages/{failed.Id}/stop");

        using var retried = await PostWithHeaderAsync($"/api/messages/{failed.Id}/retry?wait=true&mode=offline");
        using var retryAgain = await PostWithHeaderAsync($"/api/messages/{failed.Id}/retry");
        using var verified = await app.Alice.Http.PutAsJsonAsync($"/api/messages/{failed.Id}/verified", new { verified = true });

        Assert.Equal(HttpStatusCode.Conflict, verifyFailed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stopIdle.StatusCode);
        Assert.Contains("not running", (await ApiApp.ReadJsonAsync(stopIdle))["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var answer = await ApiApp.ReadJsonAsync(retried);
        Assert.Equal(failed.Id, answer["id"]!.GetValue<Guid>());
        Assert.Equal("Succeeded", answer["status"]!.GetValue<string>());
        Assert.Null(answer["error"]);
        Assert.Equal(HttpStatusCode.Conflict, retryAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        var stored = await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/messages/{failed.Id}"));
        Assert.True(stored["isVerified"]!.GetValue<bool>());
        Assert.Single((await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/threads/{threadId}/messages"))).AsArray());
        // Marked correct, the pair is in the verified memory, which would answer the other tests' HEC questions.
        using var unmarked = await app.Alice.Http.PutAsJsonAsync($"/api/messages/{failed.Id}/verified", new { verified = false });
        Assert.Equal(HttpStatusCode.OK, unmarked.StatusCode);
    }

    private Task<HttpResponseMessage> PostWithHeaderAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Headers = { { "X-Requested-With", "test" } } };
        return app.Alice.Http.SendAsync(request);
    }

    private async Task<JsonNode> PollUntilFinishedAsync(string location)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var message = await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync(location));
            if (message["status"]!.GetValue<string>() is not ("Pending" or "Running") || DateTime.UtcNow > deadline)
                return message;
            await Task.Delay(100);
        }
    }

    private async Task<decimal> DemoScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.Factory.DemoConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToDecimal(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

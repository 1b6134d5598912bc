using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// Issue 10 point 6: a query of 5,000 rows of 64 KB text. What the answer stores stays under 2 MB and says it
/// was truncated, the thread's messages load, and the messages API pages.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class LargeResultApiTests(ApiApp app)
{
    private const int StoredCap = 2 * 1024 * 1024;
    private const string WideSql = "SELECT g AS n, repeat('x', 65536) AS text FROM generate_series(1, 5000) g";

    [Fact]
    public async Task Five_thousand_rows_of_64_kb_are_stored_under_2_mb_marked_truncated_and_the_thread_pages()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice, "Wide rows");
        var source = await app.StoreAnswerAsync(ApiApp.AliceEmail, threadId, "Show every row with its text",
            new QueryResult([new ResultColumn("n", "integer")], [[1]], false, TimeSpan.Zero));

        using var run = await app.Alice.Http.PostAsJsonAsync($"/api/messages/{source}/sql?wait=true", new { sql = WideSql, clientRequestId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        var message = await ApiApp.ReadJsonAsync(run);
        Assert.Equal("Succeeded", message["status"]!.GetValue<string>());
        var result = message["result"]!;
        Assert.True(result["truncated"]!.GetValue<bool>());
        Assert.True(result["cutForSize"]!.GetValue<bool>());
        var kept = result["rows"]!.AsArray().Count;
        Assert.InRange(kept, 1, 5000 - 1);
        Assert.True(result["rowsRead"]!.GetValue<int>() > kept);

        var messageId = message["id"]!.GetValue<Guid>();
        var stored = await StoredResultBytesAsync(messageId);
        Assert.True(stored <= StoredCap, $"the stored result is {stored:N0} bytes, over 2 MB");

        using var all = await app.Alice.GetAsync($"/api/threads/{threadId}/messages");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        var body = await all.Content.ReadAsByteArrayAsync();
        Assert.True(body.Length < StoredCap + 512 * 1024, $"the thread's messages are {body.Length:N0} bytes");
        Assert.Equal(2, JsonNode.Parse(body)!.AsArray().Count);
        Console.WriteLine($"64 KB x 5,000 rows: {result["rowsRead"]} rows read, {kept} kept, stored result {stored:N0} bytes, thread's messages {body.Length:N0} bytes");

        using var latest = await app.Alice.GetAsync($"/api/threads/{threadId}/messages?limit=1");
        var page = (await ApiApp.ReadJsonAsync(latest)).AsArray();
        Assert.Equal(messageId, page.Single()!["id"]!.GetValue<Guid>());
        var next = latest.Headers.GetValues("Link").Single();
        Assert.Contains("rel=\"next\"", next);
        var nextPath = next[(next.IndexOf('<') + 1)..next.IndexOf('>')];
        using var older = await app.Alice.GetAsync(nextPath);
        Assert.Equal(source, (await ApiApp.ReadJsonAsync(older)).AsArray().Single()!["id"]!.GetValue<Guid>());
        Assert.False(older.Headers.Contains("Link"));

        using var tooMany = await app.Alice.GetAsync($"/api/threads/{threadId}/messages?limit=100000");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    private async Task<long> StoredResultBytesAsync(Guid messageId)
    {
        await using var connection = new NpgsqlConnection(app.Factory.AppConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT octet_length(\"ResultJson\"::text) FROM messages WHERE \"Id\" = @id", connection);
        command.Parameters.AddWithValue("id", messageId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}

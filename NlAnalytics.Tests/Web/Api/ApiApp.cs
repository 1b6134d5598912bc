using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// The running app with a small, fixed demo warehouse (no LLM: answers are offline) and three signed-in
/// users: an administrator (registered first), Alice and Bob.
/// </summary>
public sealed class ApiApp : IAsyncLifetime
{
    public const string AdminEmail = "admin@example.test";
    public const string AliceEmail = "alice@example.test";
    public const string BobEmail = "bob@example.test";

    public NlAnalyticsWebFactory Factory { get; private set; } = null!;
    public BrowserSession Admin { get; private set; } = null!;
    public BrowserSession Alice { get; private set; } = null!;
    public BrowserSession Bob { get; private set; } = null!;

    public ThreadStore Store => Factory.Services.GetRequiredService<ThreadStore>();

    public async Task InitializeAsync()
    {
        Factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Demo:Seed"] = "4242",
            ["Demo:Scale"] = "0.01",
            ["Demo:EndDate"] = "2025-06-30",
            // Roles are cluster-wide: a role of its own keeps other hosts on the test cluster from resetting its password.
            ["Demo:ReaderRole"] = $"nla_reader_api_{Guid.NewGuid():N}"[..30],
            ["Llm:Endpoint"] = "",
            ["Analyst:Mode"] = "",
            // The API classes share these users and ask far more than 20 questions in a row; LoadBoundsTests covers the limits.
            ["RateLimiting:AnswerBurst"] = "10000",
            ["RateLimiting:AnswersPerMinute"] = "100000",
        });
        Admin = await Factory.RegisterAsync(AdminEmail, "admin passphrase");
        Alice = await Factory.RegisterAsync(AliceEmail, "alice passphrase");
        Bob = await Factory.RegisterAsync(BobEmail, "bob passphrase");
        await Factory.Services.GetRequiredService<DemoStatus>().WhenReady.WaitAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        Alice.Dispose();
        Bob.Dispose();
        await Factory.DisposeAsync();
    }

    public async Task<string> UserIdAsync(string email)
    {
        await using var context = await Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await context.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }

    /// <summary>Creates a thread through the API and returns its id.</summary>
    public static async Task<Guid> CreateThreadAsync(BrowserSession session, string title = "Test thread", string dataSource = "demo")
    {
        using var response = await session.Http.PostAsJsonAsync("/api/threads", new { dataSource, title });
        response.EnsureSuccessStatusCode();
        return (await ReadJsonAsync(response))["id"]!.GetValue<Guid>();
    }

    /// <summary>Stores a finished answer directly (as the runner would), so tests control exactly what the result holds.</summary>
    public async Task<Guid> StoreAnswerAsync(string email, Guid threadId, string question, QueryResult result, IReadOnlyList<LlmCallRecord>? calls = null)
    {
        var userId = await UserIdAsync(email);
        var (message, _) = await Store.AddQuestionAsync(userId, threadId, question, Guid.NewGuid(), CancellationToken.None);
        var answer = new AnalystAnswer(question, question, "SELECT 1", result, null, "Stored by the test.", [], [], calls ?? [], AnswerPath.Manual);
        await Store.SaveAnswerAsync(userId, message.Id, answer, CancellationToken.None);
        return message.Id;
    }

    /// <summary>Uploads a CSV through <c>POST /api/uploads</c> (optional column meanings as JSON) and returns the new source's name.</summary>
    public static async Task<string> UploadAsync(BrowserSession session, string fileName, byte[] content, string? descriptions = null)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(content), "file", fileName } };
        if (descriptions is not null)
            form.Add(new StringContent(descriptions), "descriptions");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = form };
        request.Headers.Add("X-Requested-With", "test");
        using var response = await session.Http.SendAsync(request);
        var body = await ReadJsonAsync(response);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body.ToJsonString());
        return body["source"]!.GetValue<string>();
    }

    /// <summary>The names of the sources <c>GET /api/data-sources</c> lists for the session's user.</summary>
    public static async Task<List<string>> SourceNamesAsync(BrowserSession session)
    {
        using var response = await session.GetAsync("/api/data-sources");
        return [.. (await ReadJsonAsync(response)).AsArray().Select(s => s!["name"]!.GetValue<string>())];
    }

    public static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException($"Expected JSON, got: {text}");
    }
}

/// <summary>The API test classes share one app (and one demo warehouse load) and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiApp>
{
    public const string Name = "Api";
}

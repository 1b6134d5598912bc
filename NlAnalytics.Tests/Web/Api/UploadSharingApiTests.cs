using System.Net;
using System.Net.Http.Json;
using System.Text;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// An upload is its owner's until they share it (ADR 0026): through <c>PUT /api/sources/{name}/grants</c>, which an
/// uploader may call for their own upload only. Someone it is shared with asks about it but cannot pass it on; anyone
/// else is told nothing about it (404); unsharing leaves their thread readable but unable to ask more.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class UploadSharingApiTests(ApiApp app)
{
    private const string Question = "how many women in 2015?";

    [Fact]
    public async Task The_uploader_shares_with_one_user_who_asks_about_it_cannot_share_it_further_and_loses_it_when_unshared()
    {
        var source = await ApiApp.UploadAsync(app.Alice, "shared-enrolment.csv", Encoding.UTF8.GetBytes(UploadApiTests.UnilCsv), """{"femmes": "women", "hommes": "men"}""");
        var carolEmail = $"carol-{Guid.NewGuid():N}@example.test";
        using var carol = await app.Factory.RegisterAsync(carolEmail, "carol passphrase");

        // Private: Bob and Carol are told nothing about it.
        foreach (var other in new[] { app.Bob, carol })
        {
            Assert.DoesNotContain(source, await ApiApp.SourceNamesAsync(other));
            using var read = await other.GetAsync($"/api/sources/{source}/grants");
            await AssertProblemAsync(read, HttpStatusCode.NotFound);
        }
        using (var mine = await app.Alice.GetAsync($"/api/sources/{source}/grants"))
        {
            var grants = await ApiApp.ReadJsonAsync(mine);
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
            Assert.Equal(await app.UserIdAsync(ApiApp.AliceEmail), grants["ownerUserId"]!.GetValue<string>());
            Assert.Empty(grants["users"]!.AsArray());
        }

        using (var shared = await PutGrantsAsync(app.Alice, source, new { users = new[] { ApiApp.BobEmail } }))
        {
            Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
            Assert.Equal([ApiApp.BobEmail], (await ApiApp.ReadJsonAsync(shared))["users"]!.AsArray().Select(u => u!["email"]!.GetValue<string>()));
        }
        Assert.Contains(source, await ApiApp.SourceNamesAsync(app.Bob));
        var thread = await ApiApp.CreateThreadAsync(app.Bob, "Alice's file", source);
        using (var asked = await AskAsync(app.Bob, thread))
        {
            var answer = await ApiApp.ReadJsonAsync(asked);
            Assert.True(answer["status"]?.GetValue<string>() == "Succeeded", answer.ToJsonString());
            Assert.Contains("1735", answer["result"]!.ToJsonString().Replace(",", ""));
        }

        // Carol still sees nothing; Bob may query it but not pass it on, nor read who else has it.
        Assert.DoesNotContain(source, await ApiApp.SourceNamesAsync(carol));
        using (var peek = await carol.Http.PostAsJsonAsync("/api/threads", new { dataSource = source, title = "Peek" }))
            Assert.Equal(HttpStatusCode.BadRequest, peek.StatusCode);
        using (var carolShares = await PutGrantsAsync(carol, source, new { users = new[] { carolEmail } }))
            await AssertProblemAsync(carolShares, HttpStatusCode.NotFound);
        using (var reshare = await PutGrantsAsync(app.Bob, source, new { users = new[] { ApiApp.BobEmail, carolEmail } }))
            await AssertProblemAsync(reshare, HttpStatusCode.Forbidden);
        using (var bobReads = await app.Bob.GetAsync($"/api/sources/{source}/grants"))
            await AssertProblemAsync(bobReads, HttpStatusCode.Forbidden);
        Assert.DoesNotContain(source, await ApiApp.SourceNamesAsync(carol));

        // Bad input refuses the whole change with problem details naming the field: Bob keeps it.
        using (var unknown = await PutGrantsAsync(app.Alice, source, new { users = new[] { ApiApp.BobEmail, "nobody@example.test" } }))
        {
            await AssertProblemAsync(unknown, HttpStatusCode.BadRequest);
            Assert.Contains("'nobody@example.test'", (await ApiApp.ReadJsonAsync(unknown))["errors"]!["users"]![0]!.GetValue<string>());
        }
        using (var notJson = new HttpRequestMessage(HttpMethod.Put, $"/api/sources/{source}/grants") { Content = new StringContent("{users:", Encoding.UTF8, "application/json") })
        using (var malformed = await app.Alice.Http.SendAsync(notJson))
            await AssertProblemAsync(malformed, HttpStatusCode.BadRequest);
        Assert.Contains(source, await ApiApp.SourceNamesAsync(app.Bob));

        // Unshared: Bob's thread stays readable, but it cannot ask more.
        using (var unshared = await PutGrantsAsync(app.Alice, source, new { users = Array.Empty<string>(), roles = Array.Empty<string>() }))
            Assert.Equal(HttpStatusCode.OK, unshared.StatusCode);
        Assert.DoesNotContain(source, await ApiApp.SourceNamesAsync(app.Bob));
        using (var messages = await app.Bob.GetAsync($"/api/threads/{thread}/messages"))
            Assert.Single((await ApiApp.ReadJsonAsync(messages)).AsArray());
        using (var again = await AskAsync(app.Bob, thread))
        {
            await AssertProblemAsync(again, HttpStatusCode.Forbidden);
            Assert.Contains("no longer have access", (await ApiApp.ReadJsonAsync(again))["detail"]!.GetValue<string>());
        }
        // The owner keeps it throughout.
        Assert.Contains(source, await ApiApp.SourceNamesAsync(app.Alice));

        // An Admin may share anyone's upload, here with a group: every analyst, Carol included.
        using (var toGroup = await PutGrantsAsync(app.Admin, source, new { roles = new[] { "Analyst" } }))
            Assert.Equal(HttpStatusCode.OK, toGroup.StatusCode);
        Assert.Contains(source, await ApiApp.SourceNamesAsync(carol));

        using var deleted = await app.Alice.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/uploads/{source}") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(source, await ApiApp.SourceNamesAsync(carol));
    }

    private static Task<HttpResponseMessage> PutGrantsAsync(BrowserSession session, string source, object body) =>
        session.Http.PutAsJsonAsync($"/api/sources/{source}/grants", body);

    private static Task<HttpResponseMessage> AskAsync(BrowserSession session, Guid thread) =>
        session.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true", new { question = Question, clientRequestId = Guid.NewGuid(), mode = "offline" });

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static NlAnalytics.Tests.Web.Accounts.AccountsTestApp;

namespace NlAnalytics.Tests.Web.Accounts;

/// <summary>
/// /api/users and /api/invitations: the Users page's actions for scripts, Admins only. An analyst (or a stranger) who
/// calls them by hand gets 403 (401) and changes nothing; the Admin's actions end sessions like the page's.
/// </summary>
public sealed class UserApiTests
{
    private const string Password = "an analyst's long passphrase";

    [Fact]
    public async Task An_Admin_invites_lists_changes_roles_disables_and_signs_out_through_the_api_and_an_analyst_can_do_none_of_it()
    {
        var (factory, admin) = await StartAsync("InviteOnly");
        await using var _ = factory;
        using var __ = admin;

        // An invitation made through the API registers one analyst.
        using var created = await admin.Http.PostAsJsonAsync("/api/invitations", new { role = "Analyst", validDays = 2, note = "api" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var invitation = await created.Content.ReadFromJsonAsync<JsonElement>();
        var link = invitation.GetProperty("link").GetString()!;
        using var visitor = factory.CreateSession();
        using (var registered = await visitor.SubmitFormAsync(link, new Dictionary<string, string>
               {
                   ["Input.Email"] = "api-analyst@example.test", ["Input.Password"] = Password, ["Input.ConfirmPassword"] = Password,
               }))
            Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        using var analyst = await factory.SignInAsync("api-analyst@example.test", Password);
        var analystId = (await FindAsync(factory, "api-analyst@example.test"))!.Id;
        var adminId = (await FindAsync(factory, "admin@example.test"))!.Id;

        // IDOR: the analyst calls every Admin route, on someone else and on themselves: 403, nothing changes.
        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, "/api/users", null),
            (HttpMethod.Put, $"/api/users/{analystId}/role", new { role = "Admin" }),
            (HttpMethod.Put, $"/api/users/{adminId}/role", new { role = "Analyst" }),
            (HttpMethod.Post, $"/api/users/{adminId}/disable", new { }),
            (HttpMethod.Post, $"/api/users/{adminId}/sign-out", new { }),
            (HttpMethod.Get, "/api/invitations", null),
            (HttpMethod.Post, "/api/invitations", new { role = "Admin" }),
            (HttpMethod.Delete, $"/api/invitations/{invitation.GetProperty("invitation").GetProperty("id").GetString()}", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("X-Requested-With", "test");
            using var refused = await analyst.Http.SendAsync(request);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} answered {(int)refused.StatusCode} to an analyst");
            using var stranger = factory.CreateSession();
            using var anonymous = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            anonymous.Headers.Add("X-Requested-With", "test");
            using var unauthenticated = await stranger.Http.SendAsync(anonymous);
            Assert.True(unauthenticated.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)unauthenticated.StatusCode} without a session");
        }
        Assert.Equal(["Analyst"], await RolesOfAsync(factory, "api-analyst@example.test"));
        Assert.Equal(["Admin"], await RolesOfAsync(factory, "admin@example.test"));
        Assert.Null((await FindAsync(factory, "admin@example.test"))!.DisabledAt);

        // The Admin lists both accounts with their roles.
        var users = await admin.Http.GetFromJsonAsync<JsonElement>("/api/users");
        Assert.Equal(["admin@example.test:Admin", "api-analyst@example.test:Analyst"],
            users.EnumerateArray().Select(u => $"{u.GetProperty("email").GetString()}:{u.GetProperty("role").GetString()}").Order(StringComparer.Ordinal));

        // Cannot demote or disable themselves (409), an unknown account is 404, a made-up role 400.
        using (var self = await admin.Http.PutAsJsonAsync($"/api/users/{adminId}/role", new { role = "Analyst" }))
            Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        using (var selfDisable = await admin.Http.PostAsJsonAsync($"/api/users/{adminId}/disable", new { }))
            Assert.Equal(HttpStatusCode.Conflict, selfDisable.StatusCode);
        using (var unknown = await admin.Http.PostAsJsonAsync("/api/users/no-such-id/sign-out", new { }))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var badRole = await admin.Http.PutAsJsonAsync($"/api/users/{analystId}/role", new { role = "Root" }))
            Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);

        // Sign out everywhere ends the analyst's cookie; disabling refuses sign-in; enabling allows it again.
        var captured = analyst.CookieHeader;
        using (var signedOut = await admin.Http.PostAsJsonAsync($"/api/users/{analystId}/sign-out", new { }))
            Assert.Equal(HttpStatusCode.NoContent, signedOut.StatusCode);
        using (var replay = await ReplayAsync(factory, captured, "/api/threads"))
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        using (var disabled = await admin.Http.PostAsJsonAsync($"/api/users/{analystId}/disable", new { }))
            Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        using (var refusedSignIn = factory.CreateSession())
        {
            using var response = await refusedSignIn.SignInAsync("api-analyst@example.test", Password);
            Assert.False(refusedSignIn.IsSignedIn);
        }
        using (var enabled = await admin.Http.PostAsJsonAsync($"/api/users/{analystId}/enable", new { }))
            Assert.Equal(HttpStatusCode.NoContent, enabled.StatusCode);

        // A role change through the API: the next sign-in carries it.
        using (var promoted = await admin.Http.PutAsJsonAsync($"/api/users/{analystId}/role", new { role = "Admin" }))
            Assert.Equal(HttpStatusCode.NoContent, promoted.StatusCode);
        Assert.Equal(["Admin"], await RolesOfAsync(factory, "api-analyst@example.test"));
        using var again = await factory.SignInAsync("api-analyst@example.test", Password);
        using (var list = await again.Http.GetAsync("/api/users"))
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);

        // The invitation was used: revoking it is 404; a fresh one is revoked (204) and its link then refused.
        var used = invitation.GetProperty("invitation").GetProperty("id").GetString();
        using (var revokeUsed = await admin.Http.DeleteWithHeaderAsync($"/api/invitations/{used}"))
            Assert.Equal(HttpStatusCode.NotFound, revokeUsed.StatusCode);
        using var second = await admin.Http.PostAsJsonAsync("/api/invitations", new { });
        var secondInvitation = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Analyst", secondInvitation.GetProperty("invitation").GetProperty("role").GetString());
        using (var revoke = await admin.Http.DeleteWithHeaderAsync($"/api/invitations/{secondInvitation.GetProperty("invitation").GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using var late = factory.CreateSession();
        Assert.Contains("cannot be used", await late.Http.GetStringAsync(secondInvitation.GetProperty("link").GetString()));
    }
}

internal static class UserApiHttp
{
    public static Task<HttpResponseMessage> DeleteWithHeaderAsync(this HttpClient http, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.Add("X-Requested-With", "test");
        return http.SendAsync(request);
    }
}

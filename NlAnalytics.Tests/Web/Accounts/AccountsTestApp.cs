using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Web.Components.Account;

namespace NlAnalytics.Tests.Web.Accounts;

/// <summary>Helpers the account tests share: an app in a registration mode, its first Admin, invitations, replayed cookies.</summary>
public static class AccountsTestApp
{
    public const string AdminPassword = "the admin's long passphrase";

    /// <summary>A fresh installation in <paramref name="mode"/>, whose cookies are re-checked on every request, with its first account (the Admin).</summary>
    public static async Task<(NlAnalyticsWebFactory Factory, BrowserSession Admin)> StartAsync(string mode, string adminEmail = "admin@example.test")
    {
        var factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Auth:Registration"] = mode,
            ["Auth:SessionCheckSeconds"] = "0",
        });
        var admin = await factory.RegisterAsync(adminEmail, AdminPassword);
        return (factory, admin);
    }

    public static async Task<CreatedInvitation> InviteAsync(NlAnalyticsWebFactory factory, string role, string by = "admin@example.test")
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<Invitations>().CreateAsync(role, 2, "for a test", by, CancellationToken.None);
    }

    public static async Task<AppUser?> FindAsync(NlAnalyticsWebFactory factory, string email)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
    }

    public static async Task<IList<string>> RolesOfAsync(NlAnalyticsWebFactory factory, string email)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await users.GetRolesAsync((await users.FindByEmailAsync(email))!);
    }

    public static async Task<int> UserCountAsync(NlAnalyticsWebFactory factory)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.CountAsync();
    }

    /// <summary>GET <paramref name="path"/> with nothing but a replayed Cookie header, the way a stolen cookie is used.</summary>
    public static async Task<HttpResponseMessage> ReplayAsync(NlAnalyticsWebFactory factory, string cookieHeader, string path)
    {
        using var client = factory.CreateDefaultClient(factory.ServerAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookieHeader);
        return await client.SendAsync(request);
    }

    public static bool IsLoginRedirect(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/account/login", StringComparison.Ordinal);
}

using System.Net;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Web;

public sealed class DataProtectionTests
{
    [Fact]
    public async Task Keys_live_in_the_app_database_so_a_second_instance_accepts_the_first_ones_sign_in_cookie()
    {
        await using var first = await NlAnalyticsWebFactory.CreateAsync();
        using var session = await first.RegisterAsync("shared@example.test", "a shared passphrase");
        var cookie = session.Cookie(BrowserSession.AuthCookieName);
        Assert.NotNull(cookie);

        await using (var connection = new NpgsqlConnection(first.AppConnectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM data_protection_keys WHERE \"Xml\" LIKE '<key %'", connection);
            Assert.True((long)(await count.ExecuteScalarAsync())! >= 1);
        }

        await using var second = await NlAnalyticsWebFactory.CreateAsync(appConnectionString: first.AppConnectionString, demoConnectionString: first.DemoConnectionString);
        using var http = second.CreateDefaultClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", $"{BrowserSession.AuthCookieName}={cookie}");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("shared@example.test", await response.Content.ReadAsStringAsync());
    }
}

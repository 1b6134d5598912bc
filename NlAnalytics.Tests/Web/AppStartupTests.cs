using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Web;

public sealed class AppStartupTests
{
    [Fact]
    public async Task Start_up_migrates_an_empty_database_and_records_the_migration()
    {
        await using var factory = await NlAnalyticsWebFactory.CreateAsync();
        _ = factory.Server;

        await using var connection = new NpgsqlConnection(factory.AppConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        Assert.Contains("AspNetUsers", tables);
        Assert.Contains("AspNetRoles", tables);
        Assert.Contains("threads", tables);
        Assert.Contains("messages", tables);
        Assert.Contains("llm_calls", tables);
        Assert.Contains("data_protection_keys", tables);

        await using var history = new NpgsqlCommand("SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\"", connection);
        var migration = (string?)await history.ExecuteScalarAsync();
        Assert.NotNull(migration);
        Assert.EndsWith("_InitialCreate", migration);
    }

    [Fact]
    public async Task Start_up_creates_the_Admin_and_Analyst_roles()
    {
        await using var factory = await NlAnalyticsWebFactory.CreateAsync();
        using var scope = factory.Services.CreateScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();

        Assert.True(await roles.RoleExistsAsync("Admin"));
        Assert.True(await roles.RoleExistsAsync("Analyst"));
    }

    [Fact]
    public async Task The_factory_can_serve_on_a_real_loopback_port_for_browsers()
    {
        await using var factory = await NlAnalyticsWebFactory.CreateAsync();
        var address = factory.StartKestrel();

        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(0, address.Port);
        using var http = new HttpClient { BaseAddress = address };
        using var response = await http.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Sign in", await response.Content.ReadAsStringAsync());
        // The static assets a browser needs are served too.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/_framework/blazor.web.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/_content/MudBlazor/MudBlazor.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/_content/Plotly.Blazor/plotly-basic-3.7.0.min.js")).StatusCode);
        // The SQL editor bundle the build made from wwwroot-assets.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/lib/sql-editor/sql-editor.js")).StatusCode);
    }
}

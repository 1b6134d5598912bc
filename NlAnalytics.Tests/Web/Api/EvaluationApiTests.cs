using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>The app with the scripted model of <see cref="EvaluationScript"/>, an Admin and an analyst.</summary>
public sealed class EvaluationApiApp : IAsyncLifetime
{
    public ScriptedOpenAiServer Llm { get; private set; } = null!;
    public NlAnalyticsWebFactory Factory { get; private set; } = null!;
    public BrowserSession Admin { get; private set; } = null!;
    public BrowserSession Analyst { get; private set; } = null!;
    public Dictionary<string, string?> Settings { get; private set; } = null!;
    private TaskCompletionSource _held = null!;

    public async Task InitializeAsync()
    {
        Llm = await ScriptedOpenAiServer.StartAsync();
        _held = EvaluationScript.Script(Llm);
        Settings = EvaluationScript.Settings(Llm, "nla_reader_evalapi");
        Factory = await NlAnalyticsWebFactory.CreateAsync(Settings);
        Admin = await Factory.RegisterAsync("eval-admin@example.test", "eval admin passphrase");
        Analyst = await Factory.RegisterAsync("eval-analyst@example.test", "eval analyst passphrase");
        await Factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        _held.TrySetResult();
        Admin.Dispose();
        Analyst.Dispose();
        await Factory.DisposeAsync();
        await Llm.DisposeAsync();
    }
}

/// <summary>
/// /api/evaluation on the scripted model: a run's figures worked out by hand from the script, a comparison of two runs,
/// Stop keeping what was done, a restart turning an open run into an interrupted one, the exports' shapes, a bad set
/// refused with its line, and an analyst refused.
/// </summary>
public sealed class EvaluationApiTests(EvaluationApiApp app) : IClassFixture<EvaluationApiApp>
{
    [Fact]
    public async Task A_run_scores_two_of_three_right_and_a_comparison_names_what_got_better_and_worse()
    {
        var first = await EvaluationScript.StartAsync(app.Admin, EvaluationScript.ModelA);
        var a = await EvaluationScript.WaitForAsync(app.Admin, first, EvaluationScript.Ended);
        Assert.Equal("Finished", a["run"]!["status"]!.GetValue<string>());
        Assert.Equal(EvaluationScript.ModelA, a["run"]!["model"]!.GetValue<string>());
        Assert.Equal(3, a["run"]!["done"]!.GetValue<int>());
        // 2 right of 3 scored, 1 answered wrong, none declined, every SQL ran.
        var totals = a["summary"]!["totals"]!;
        Assert.Equal(66.67, totals["executionAccuracyPercent"]!.GetValue<double>());
        Assert.Equal(33.33, totals["answeredWrongPercent"]!.GetValue<double>());
        Assert.Equal(0, totals["declinedPercent"]!.GetValue<double>());
        Assert.Equal(100, totals["validSqlPercent"]!.GetValue<double>());
        // By tier: the two easy ones right, the medium one wrong.
        Assert.Equal(100, a["summary"]!["byTier"]!["easy"]!["executionAccuracyPercent"]!.GetValue<double>());
        Assert.Equal(0, a["summary"]!["byTier"]!["medium"]!["executionAccuracyPercent"]!.GetValue<double>());
        Assert.Equal(1, a["summary"]!["byTag"]!["synonym"]!["correct"]!.GetValue<int>());
        // Each writer call of model-a was 1,000 tokens in: three of them at least.
        Assert.True(a["summary"]!["inputTokens"]!.GetValue<long>() >= 3000, a["summary"]!.ToJsonString());
        // model-a is priced: the run's cost is the sum of its questions' and at least the three writer calls' $0.0025 each.
        var cost = a["summary"]!["totalCostUsd"]!.GetValue<decimal>();
        Assert.True(cost >= 0.0075m, a["summary"]!.ToJsonString());
        Assert.Equal(cost, a["cases"]!.AsArray().Sum(c => c!["costUsd"]!.GetValue<decimal>()));

        var cases = a["cases"]!.AsArray();
        Assert.Equal(["stores", "products", "customers"], cases.Select(c => c!["id"]!.GetValue<string>()));
        Assert.Equal([true, true, false], cases.Select(c => c!["right"]!.GetValue<bool>()));
        Assert.Equal([false, false, true], cases.Select(c => c!["answeredWrong"]!.GetValue<bool>()));
        var customers = cases[2]!;
        Assert.Equal("SELECT count(*) FROM sales.customers", customers["goldSql"]!.GetValue<string>());
        Assert.Contains("SELECT -1", customers["generatedSql"]!.GetValue<string>());
        Assert.Equal(-1, customers["generatedRows"]!["rows"]![0]![0]!.GetValue<int>());
        Assert.True(customers["goldRows"]!["rows"]![0]![0]!.GetValue<long>() > 0);

        var second = await EvaluationScript.StartAsync(app.Admin, EvaluationScript.ModelB);
        await EvaluationScript.WaitForAsync(app.Admin, second, EvaluationScript.Ended);
        using var compared = await app.Admin.Http.GetAsync($"/api/evaluation/compare?before={first}&after={second}");
        Assert.Equal(HttpStatusCode.OK, compared.StatusCode);
        var comparison = await ApiApp.ReadJsonAsync(compared);
        Assert.Equal(["customers"], Ids(comparison["better"]));
        Assert.Equal(["products"], Ids(comparison["worse"]));
        Assert.Equal(["stores"], Ids(comparison["unchanged"]));
        Assert.Empty(Ids(comparison["notCompared"]));
        Assert.Equal(66.67, comparison["afterSummary"]!["totals"]!["executionAccuracyPercent"]!.GetValue<double>());

        using var list = await app.Admin.Http.GetAsync("/api/evaluation/runs");
        var runs = (await ApiApp.ReadJsonAsync(list)).AsArray().Select(r => r!["id"]!.GetValue<Guid>()).ToList();
        Assert.Contains(first, runs);
        Assert.Contains(second, runs);
    }

    [Fact]
    public async Task Stopping_a_run_half_way_keeps_the_questions_it_finished_and_says_so()
    {
        var run = await EvaluationScript.StartAsync(app.Admin, EvaluationScript.ModelHeld);
        // The first question is scored; the second waits on the held model call.
        await EvaluationScript.WaitForAsync(app.Admin, run, d => d["run"]!["done"]!.GetValue<int>() == 1);
        using var stop = await app.Admin.Http.PostAsync($"/api/evaluation/runs/{run}/stop", JsonContent.Create(new { }));
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        var stopped = await EvaluationScript.WaitForAsync(app.Admin, run, EvaluationScript.Ended);

        Assert.Equal("Stopped", stopped["run"]!["status"]!.GetValue<string>());
        Assert.Equal(1, stopped["run"]!["done"]!.GetValue<int>());
        Assert.Equal("stores", Assert.Single(stopped["cases"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Equal("Stopped after 1 of 3 questions. The report covers those 1.", stopped["run"]!["message"]!.GetValue<string>());
        Assert.Equal(1, stopped["summary"]!["totals"]!["scored"]!.GetValue<int>());
        Assert.Equal(100, stopped["summary"]!["totals"]!["executionAccuracyPercent"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_shipped_set_runs_offline_on_the_sample_it_was_written_for_loaded_on_first_use()
    {
        using var started = await app.Admin.Http.PostAsJsonAsync("/api/evaluation/runs", new { shippedSet = "chinook.jsonl", dataSource = "chinook", mode = "Offline" });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var id = (await ApiApp.ReadJsonAsync(started))["id"]!.GetValue<Guid>();
        var run = await EvaluationScript.WaitForAsync(app.Admin, id, EvaluationScript.Ended);

        Assert.Equal("Finished", run["run"]!["status"]!.GetValue<string>());
        // benchmarks/dev/chinook.jsonl has 87 questions (one per line), and every gold query runs on the Chinook sample.
        Assert.Equal(87, run["run"]!["done"]!.GetValue<int>());
        Assert.Equal(0, run["summary"]!["totals"]!["goldFailed"]!.GetValue<int>());
        Assert.Equal(0m, run["summary"]!["totalCostUsd"]!.GetValue<decimal>());
        Assert.Null(run["run"]!["model"]);
    }

    [Fact]
    public async Task A_run_left_running_by_a_process_that_died_is_interrupted_when_the_app_starts_again()
    {
        var id = Guid.CreateVersion7();
        await using (var context = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            context.EvaluationRuns.Add(new EvaluationRunRow
            {
                Id = id, SetName = "dead.jsonl", SetHash = new string('0', 64), SetText = EvaluationScript.SetText, DataSource = "demo",
                Mode = "Offline", StartedById = "nobody", StartedBy = "nobody", Status = "Running", Total = 3, Done = 0,
                CreatedAt = DateTimeOffset.UtcNow, StartedAt = DateTimeOffset.UtcNow,
            });
            await context.SaveChangesAsync();
        }

        // A second instance on the same app database starts (as after a crash of the first one's worker: nobody holds the run).
        await using var restarted = await NlAnalyticsWebFactory.CreateAsync(
            app.Settings, app.Factory.AppConnectionString, app.Factory.DemoConnectionString);
        _ = restarted.Server;

        using var read = await app.Admin.Http.GetAsync($"/api/evaluation/runs/{id}");
        var run = (await ApiApp.ReadJsonAsync(read))["run"]!;
        Assert.Equal("Interrupted", run["status"]!.GetValue<string>());
        Assert.Equal("Interrupted: the app stopped after 0 of 3 questions. The report covers those 0.", run["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_exports_write_the_verified_pairs_as_a_question_set_and_as_chat_examples_with_the_schema_and_no_secret()
    {
        await using (var context = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            context.VerifiedQueries.AddRange(
                new VerifiedQuery { DataSource = "demo", Question = "Stores in all", Sql = "SELECT count(*) FROM sales.stores", CreatedAt = DateTimeOffset.UtcNow, ApprovedAt = DateTimeOffset.UtcNow },
                new VerifiedQuery { DataSource = "demo", Question = "Songs by genre", Sql = "SELECT g.name, count(*) FROM music.songs s JOIN music.genres g ON g.genre_id = s.genre_id GROUP BY g.name", CreatedAt = DateTimeOffset.UtcNow });
            await context.SaveChangesAsync();
        }

        using var questions = await app.Admin.Http.GetAsync("/api/evaluation/exports/demo/questions.jsonl");
        Assert.Equal(HttpStatusCode.OK, questions.StatusCode);
        var set = EvaluationSet.Parse(await questions.Content.ReadAsStringAsync(), "exported.jsonl");
        var stores = Assert.Single(set.Cases, c => c.Question == "Stores in all");
        Assert.Equal("SELECT count(*) FROM sales.stores", stores.Sql);
        Assert.Equal(["verified", "approved"], stores.Tags);
        Assert.Contains(set.Cases, c => c.Question == "Songs by genre" && c.Tags.Contains("unapproved"));

        using var tuning = await app.Admin.Http.GetAsync("/api/evaluation/exports/demo/fine-tuning.jsonl");
        Assert.Equal(HttpStatusCode.OK, tuning.StatusCode);
        var text = await tuning.Content.ReadAsStringAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2, text);
        var source = app.Factory.Services.GetRequiredService<IDataSourceRegistry>().Resolve("demo");
        var password = new Npgsql.NpgsqlConnectionStringBuilder(source.QueryConnectionString).Password!;
        foreach (var line in lines)
        {
            var messages = JsonNode.Parse(line)!["messages"]!.AsArray();
            Assert.Equal(["system", "user", "assistant"], messages.Select(m => m!["role"]!.GetValue<string>()));
            var system = messages[0]!["content"]!.GetValue<string>();
            Assert.DoesNotContain(password, system, StringComparison.Ordinal);
            Assert.DoesNotContain("Password=", system, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Host=", system, StringComparison.OrdinalIgnoreCase);
        }
        var songs = lines.Select(l => JsonNode.Parse(l)!["messages"]!.AsArray()).Single(m => m[1]!["content"]!.GetValue<string>() == "Songs by genre");
        var prompt = songs[0]!["content"]!.GetValue<string>();
        // The schema of the two tables the SQL reads, not of the others.
        Assert.Contains("music.songs", prompt);
        Assert.Contains("music.genres", prompt);
        Assert.DoesNotContain("sales.stores", prompt);
        Assert.StartsWith("SELECT g.name", songs[2]!["content"]!.GetValue<string>());

        using var unknown = await app.Admin.Http.GetAsync("/api/evaluation/exports/nowhere/fine-tuning.jsonl");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_bad_set_is_refused_naming_its_line_and_an_analyst_may_not_use_the_workspace()
    {
        var bad = EvaluationScript.SetText.Replace("\"sql\": \"SELECT count(*) FROM sales.products\", ", "", StringComparison.Ordinal);
        using var refused = await app.Admin.Http.PostAsJsonAsync("/api/evaluation/runs", new { setName = "bad.jsonl", setText = bad, dataSource = "demo", mode = "Offline" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await ApiApp.ReadJsonAsync(refused);
        Assert.Equal("bad.jsonl:2: missing required \"sql\".", problem["errors"]!["setText"]![0]!.GetValue<string>());

        using var unknownSource = await app.Admin.Http.PostAsJsonAsync("/api/evaluation/runs", new { shippedSet = "demo.jsonl", dataSource = "nowhere", mode = "Offline" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownSource.StatusCode);
        using var sets = await app.Admin.Http.GetAsync("/api/evaluation/sets");
        var names = (await ApiApp.ReadJsonAsync(sets)).AsArray().Select(s => s!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("demo.jsonl", names);
        Assert.Contains("chinook.jsonl", names);

        using var list = await app.Analyst.Http.GetAsync("/api/evaluation/runs");
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        using var start = await app.Analyst.Http.PostAsJsonAsync("/api/evaluation/runs", new { setText = EvaluationScript.SetText, dataSource = "demo", mode = "Offline" });
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        using var export = await app.Analyst.Http.GetAsync("/api/evaluation/exports/demo/fine-tuning.jsonl");
        Assert.Equal(HttpStatusCode.Forbidden, export.StatusCode);
        using var anonymous = app.Factory.CreateSession();
        using var none = await anonymous.Http.GetAsync("/api/evaluation/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);

        // The Admin's own key, limited to one source, may not either (a run reads sources outside threads); a key without a list may.
        async Task<HttpStatusCode> WithKeyAsync(object keyRequest)
        {
            using var made = await app.Admin.Http.PostAsJsonAsync("/api/keys", keyRequest);
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/evaluation/runs");
            request.Headers.Add("X-API-Key", (await ApiApp.ReadJsonAsync(made))["key"]!.GetValue<string>());
            using var response = await anonymous.Http.SendAsync(request);
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.Forbidden, await WithKeyAsync(new { name = "scoped", sources = new[] { "demo" } }));
        Assert.Equal(HttpStatusCode.OK, await WithKeyAsync(new { name = "unscoped" }));
    }

    private static List<string> Ids(JsonNode? changes) => [.. changes!.AsArray().Select(c => c!["id"]!.GetValue<string>())];
}

using System.Globalization;
using System.Text.Json.Nodes;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Cli;

public sealed class CliVerbTests(CliHost cli) : IClassFixture<CliHost>
{
    private const string HecQuestion = "How many students were enrolled in HEC in 2020?";
    private const string HecSql = "SELECT SUM(students) AS students FROM university.enrollments WHERE faculty_code = 'HEC' AND year = 2020";

    [Fact]
    public async Task Run_sql_prints_the_rows_as_json_and_exits_0()
    {
        var run = await cli.RunAsync(["run-sql", "SELECT 1 AS one", "--source", "demo"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = JsonNode.Parse(run.Output)!;
        Assert.True(json["ok"]!.GetValue<bool>());
        Assert.Equal("one", json["result"]!["columns"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(1, json["result"]!["rows"]![0]![0]!.GetValue<int>());
        Assert.False(json["result"]!["truncated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_question_a_follow_up_and_a_retry_each_take_at_most_ten_app_database_round_trips_lease_included()
    {
        var run = await cli.RunAsync(["bench-roundtrips"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var steps = JsonNode.Parse(run.Output)!["steps"]!.AsArray();
        Assert.Equal(["question", "follow-up", "retry"], steps.Select(s => s!["step"]!.GetValue<string>()));
        // Measured 9, 10 and 10 with the answer lease's advisory-lock commands counted (6 each before they were;
        // 26, 25 and 22 before the conversation service).
        Assert.All(steps, s => Assert.InRange(s!["roundTrips"]!.GetValue<int>(), 1, 10));
        // The lease's unlock goes after the answer, off its flow (not counted); a retry finds its lease still held when
        // that unlock has not gone yet, and takes it without a round trip.
        Assert.All(steps, s => Assert.InRange(s!["leaseRoundTrips"]!.GetValue<int>(), 0, 1));
    }

    [Fact]
    public async Task Run_sql_refuses_a_drop_with_the_gates_message_and_exits_1()
    {
        var gateMessage = new SqlGate().Check("DROP TABLE x")!.UserMessage;

        var run = await cli.RunAsync(["run-sql", "DROP TABLE x", "--source", "demo"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var json = JsonNode.Parse(run.Output)!;
        Assert.False(json["ok"]!.GetValue<bool>());
        Assert.Equal("Rejected", json["error"]!["kind"]!.GetValue<string>());
        Assert.Equal(gateMessage, json["error"]!["userMessage"]!.GetValue<string>());
        Assert.Contains(gateMessage, run.Error);
    }

    [Fact]
    public async Task An_unreachable_app_database_exits_2_with_a_clear_message_that_does_not_echo_the_password()
    {
        const string password = "Sup3r-Secret-Pa55word";
        var run = await cli.RunAsync(["run-sql", "SELECT 1", "--source", "demo"], new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = $"Host=127.0.0.1;Port=1;Database=nowhere;Username=analyst;Password={password};Timeout=3",
        });

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("Cannot connect to PostgreSQL for ConnectionStrings:App (127.0.0.1:1/nowhere as analyst)", run.Error);
        Assert.DoesNotContain(password, run.Error + run.Output);
    }

    [Fact]
    public async Task An_unreachable_source_connection_string_exits_2_without_echoing_the_password()
    {
        const string password = "An0ther-Secret-Pa55word";

        var run = await cli.RunAsync(["run-sql", "SELECT 1", "--source", $"Host=127.0.0.1;Port=1;Database=shop;Username=reader;Password={password};Timeout=3"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("the data source", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(password, run.Error + run.Output);
    }

    [Fact]
    public async Task Ask_through_a_scripted_model_prints_its_sql_the_rows_the_chart_and_the_exact_cost()
    {
        await using var llm = await ScriptedOpenAiServer.StartAsync();
        llm.WhenSystemPromptContains("You are the SQL writer",
            ScriptStep.Reply($"```sql\n{HecSql}\n```\nInterpretation: Students enrolled in HEC in 2020.\nChart: kpi", inputTokens: 1200, outputTokens: 60));
        llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Reply("HEC had this many students in 2020.", inputTokens: 500, outputTokens: 40));
        var settings = llm.LlmSettings(defaultModel: "gpt-4o-mini");
        settings["Llm:Models:sql-writer"] = "gpt-4o-mini";
        settings["Llm:Models:sql-reviewer"] = "gpt-4o-mini";
        settings["Pricing:Models:gpt-4o-mini:InputPerMillion"] = "0.15";
        settings["Pricing:Models:gpt-4o-mini:CachedInputPerMillion"] = "0.075";
        settings["Pricing:Models:gpt-4o-mini:OutputPerMillion"] = "0.6";
        var expected = await DemoScalarAsync(HecSql);

        var run = await cli.RunAsync(["ask", HecQuestion, "--source", "demo", "--mode", "llm"], settings);

        Assert.True(run.ExitCode == 0, run.ToString());
        var answer = JsonNode.Parse(run.Output)!;
        Assert.Equal("Llm", answer["path"]!.GetValue<string>());
        Assert.Equal(HecSql, answer["sql"]!.GetValue<string>());
        Assert.Equal("students", answer["result"]!["columns"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(expected, answer["result"]!["rows"]![0]![0]!.GetValue<decimal>());
        Assert.Equal("Kpi", answer["chart"]!["kind"]!.GetValue<string>());
        Assert.Equal("HEC had this many students in 2020.", answer["narrative"]!.GetValue<string>());
        // (1200 + 500) input tokens at $0.15 and (60 + 40) output tokens at $0.60 per million.
        var cost = answer["cost"]!;
        Assert.Equal(1700, cost["inputTokens"]!.GetValue<long>());
        Assert.Equal(100, cost["outputTokens"]!.GetValue<long>());
        Assert.Equal(0.000315m, cost["costUsd"]!.GetValue<decimal>());
        Assert.Equal(2, cost["calls"]!.AsArray().Count);
        Assert.Null(cost["note"]);
        Assert.DoesNotContain("sk-scripted-test-key", run.Output + run.Error);
    }

    [Fact]
    public async Task Ask_offline_answers_from_the_demo_at_no_cost_and_says_so()
    {
        var expected = await DemoScalarAsync(HecSql);

        var run = await cli.RunAsync(["ask", HecQuestion, "--source", "demo", "--mode", "offline"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var answer = JsonNode.Parse(run.Output)!;
        Assert.Equal("Offline", answer["path"]!.GetValue<string>());
        Assert.Contains("university.enrollments", answer["sql"]!.GetValue<string>());
        Assert.Equal(expected, answer["result"]!["rows"]![0]![0]!.GetValue<decimal>());
        Assert.Equal(0m, answer["cost"]!["costUsd"]!.GetValue<decimal>());
        Assert.Equal("0 - answered without an LLM", answer["cost"]!["note"]!.GetValue<string>());
        Assert.Empty(answer["cost"]!["calls"]!.AsArray());
    }

    [Fact]
    public async Task An_unknown_verb_option_prints_usage_help_to_the_error_writer_and_fails()
    {
        var run = await cli.RunAsync(["run-sql", "SELECT 1", "--no-such-option"]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--no-such-option", run.Error);
    }

    private async Task<decimal> DemoScalarAsync(string sql)
    {
        // The first verb that needs the demo generates it; make sure it exists before reading the truth from it.
        var warmUp = await cli.RunAsync(["run-sql", "SELECT 1", "--source", "demo"]);
        Assert.True(warmUp.ExitCode == 0, warmUp.ToString());
        await using var connection = new NpgsqlConnection(cli.DemoConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToDecimal(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}

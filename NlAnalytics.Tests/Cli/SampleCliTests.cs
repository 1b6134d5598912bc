using System.Text.Json;
using System.Text.Json.Nodes;

namespace NlAnalytics.Tests.Cli;

/// <summary>The sample-load verb and eval over a folder of sets, on samples the CLI loads into databases of their own.</summary>
public sealed class SampleCliTests(CliHost cli) : IClassFixture<CliHost>, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nlanalytics-suite-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Sample_load_loads_northwind_once_and_then_finds_it_loaded()
    {
        // Only this test loads plain Northwind through the CLI, so the first run really loads it.
        var first = await cli.RunAsync(["sample-load", "--name", "northwind"]);
        var second = await cli.RunAsync(["sample-load", "--name", "northwind"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        var loaded = JsonNode.Parse(first.Output)!;
        Assert.Equal("nlanalytics_sample_northwind", loaded["database"]!.GetValue<string>());
        Assert.False(loaded["alreadyLoaded"]!.GetValue<bool>());
        Assert.Equal(14, loaded["tables"]!.GetValue<int>());
        Assert.Equal(0, loaded["foreignKeysDropped"]!.GetValue<int>());
        Assert.True(JsonNode.Parse(second.Output)!["alreadyLoaded"]!.GetValue<bool>());
        var rows = await cli.RunAsync(["run-sql", "SELECT count(*) AS orders FROM orders", "--source", "northwind"]);
        Assert.True(rows.ExitCode == 0, rows.ToString());
        Assert.Equal(830, JsonNode.Parse(rows.Output)!["result"]!["rows"]![0]![0]!.GetValue<int>());
    }

    [Fact]
    public async Task Eval_of_a_folder_runs_each_set_on_its_sources_with_today_pinned_and_prints_the_tables()
    {
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, "manifest.json"),
            """{ "today": "2026-11-30", "runs": [ { "set": "music.jsonl", "sources": ["chinook", "northwind_nofk"] } ] }""");
        await File.WriteAllTextAsync(Path.Combine(_folder, "music.jsonl"), """
            {"id": "a", "question": "How many rows does the first table have?", "sql": "SELECT 1 WHERE CURRENT_DATE = DATE '2026-11-30'", "tier": "easy"}
            {"id": "b", "question": "What will the weather be tomorrow?", "answerable": false}
            """);
        var output = Path.Combine(_folder, "out");

        var run = await cli.RunAsync(["eval", "--set", _folder, "--mode", "offline", "--out", output]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("today pinned to 2026-11-30", run.Output);
        Assert.Contains("| music.jsonl | chinook | all | 1 |", run.Output);
        Assert.Contains("| music.jsonl | northwind_nofk | all | 1 |", run.Output);
        Assert.Contains("| music.jsonl | chinook | 1 |", run.Output);
        Assert.Contains("| confidence | answers | right | share right | mean confidence stated |", run.Output);
        Assert.Contains("| whole answer |", run.Output);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "summary.json")));
        Assert.Equal("2026-11-30", summary.RootElement.GetProperty("today").GetString());
        // The gold query only returns its row when CURRENT_DATE was pinned: a gold failure or an empty gold would show here.
        Assert.Equal(0, summary.RootElement.GetProperty("overall").GetProperty("totals").GetProperty("gold_failed").GetInt32());
        Assert.True(File.Exists(Path.Combine(output, "music@chinook", "report.md")));
        Assert.True(File.Exists(Path.Combine(output, "music@northwind_nofk", "report.json")));
    }

    [Fact]
    public async Task Eval_refuses_a_today_that_is_not_a_date_and_a_folder_without_a_manifest()
    {
        Directory.CreateDirectory(_folder);

        var badDay = await cli.RunAsync(["eval", "--set", _folder, "--today", "30.11.2026"]);
        var noManifest = await cli.RunAsync(["eval", "--set", _folder]);

        Assert.True(badDay.ExitCode == 2, badDay.ToString());
        Assert.Contains("--today must be a date written yyyy-MM-dd", badDay.Error);
        Assert.True(noManifest.ExitCode == 2, noManifest.ToString());
        Assert.Contains("needs a manifest.json", noManifest.Error);
    }
}

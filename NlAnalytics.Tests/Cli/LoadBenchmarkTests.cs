using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Tests.Evaluation;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web;
using NlAnalytics.Web.Cli;

namespace NlAnalytics.Tests.Cli;

/// <summary>The load benchmark against the real app on Kestrel: real users, the HTTP API, the offline analyst.</summary>
public sealed class LoadBenchmarkTests : IAsyncLifetime
{
    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Demo:Seed"] = "4242",
            ["Demo:Scale"] = "0.01",
            ["Demo:EndDate"] = "2025-06-30",
            ["Demo:ReaderRole"] = $"nla_reader_load_{Guid.NewGuid():N}"[..30],
            ["Llm:Endpoint"] = "",
            ["Analyst:Mode"] = "",
        });
        _address = _factory.StartKestrel();
        // An administrator first, so the benchmark's users are analysts, as on a real installation.
        (await _factory.RegisterAsync(WebAppFixture.NewEmail("admin"), "admin passphrase")).Dispose();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Every_analyst_of_every_level_gets_every_everyday_answer_with_its_time_split()
    {
        var questions = await LoadQuestionSet.LoadAsync(BenchmarkSets.PathOf("load/everyday.json"), CancellationToken.None);

        var report = await new LoadBenchmark(TextWriter.Null).RunAsync(new LoadBenchmarkRequest(_address, questions, [1, 3]), CancellationToken.None);

        // The cold round first (one analyst, every question new to the process), on a row of its own, then the levels.
        Assert.Equal([true, false, false], report.Levels.Select(l => l.Cold));
        Assert.Equal([1, 1, 3], report.Levels.Select(l => l.Analysts));
        Assert.Equal([5, 5, 15], report.Levels.Select(l => l.Asked));
        Assert.Equal([5, 5, 15], report.Levels.Select(l => l.Answers));
        Assert.All(report.Levels, l => Assert.Equal(0, l.Failures + l.Refusals));
        Assert.All(report.Levels.SelectMany(l => l.Samples), sample =>
        {
            // The server said where the time went: the steps from the transcript, the app database from Server-Timing.
            Assert.NotNull(sample.Steps);
            Assert.Contains("execution", sample.Steps.Milliseconds.Keys);
            Assert.Contains("retrieval", sample.Steps.Milliseconds.Keys);
            Assert.True(sample.AppDatabaseMs > 0, "no app-database time in the Server-Timing header");
        });
        Assert.Contains("| 3 | 15 | 15 | 0 | 0 |", report.ToText());
        Assert.Contains("| 1 (cold round) | 5 | 5 | 0 | 0 |", report.ToText());
    }

    [Fact]
    public async Task A_distinct_mix_runs_the_answers_own_sql_alone_at_the_same_concurrency_and_prints_the_ratio()
    {
        var questions = await LoadQuestionSet.LoadAsync(BenchmarkSets.PathOf("load/distinct.json"), CancellationToken.None);
        var alone = new QueriesAloneRunner(_factory.Services.GetRequiredService<NlAnalytics.Core.Data.IDataSourceRegistry>());

        var report = await new LoadBenchmark(TextWriter.Null).RunAsync(new LoadBenchmarkRequest(_address, questions, [2], QueriesAlone: alone), CancellationToken.None);

        var level = Assert.Single(report.Levels, l => !l.Cold);
        Assert.True(level.Answers > 0);
        Assert.All(level.Samples.Where(s => s.Outcome == LoadLevel.Answered), s => Assert.Contains("SELECT", s.Sql, StringComparison.OrdinalIgnoreCase));
        // Every answered SQL ran again straight against the source, and none failed there.
        Assert.NotNull(level.Alone);
        Assert.Equal(level.Answers, level.Alone.Queries);
        Assert.Equal(0, level.Alone.Failures);
        Assert.True(level.Alone.QueriesPerSecond > 0);
        Assert.Contains("| queries/s alone | answers/s app | ratio |", report.ToText());
    }

    [Fact]
    public async Task A_distinct_mix_gives_no_two_analysts_the_same_question()
    {
        var questions = await LoadQuestionSet.LoadAsync(BenchmarkSets.PathOf("load/distinct.json"), CancellationToken.None);

        var first = questions.For(10);
        var second = questions.For(10 + questions.Questions.Count);

        Assert.True(questions.Distinct);
        Assert.Equal(first.Count, first.Concat(second).Distinct().Count() - second.Count);
        Assert.Empty(first.Intersect(second));
        Assert.All(first.Concat(second), q => Assert.DoesNotContain(LoadQuestionSet.Placeholder, q));
    }
}

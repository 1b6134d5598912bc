using System.Diagnostics;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Offline;

/// <summary>
/// A benchmark command, not a timed test: prints the writer's latency over a mix of questions.
/// Run: dotnet test NlAnalytics.Tests --filter "FullyQualifiedName~OfflineLatencyBenchmark" --logger "console;verbosity=detailed"
/// </summary>
[Collection(LibraryCollection.Name)]
public sealed class OfflineLatencyBenchmark(LibraryDatabase library, ITestOutputHelper output)
{
    private static readonly string[] Questions =
    [
        "How many books are there?", "Number of loans by author", "Top 3 authors by number of loans", "Share of female members",
        "How many visitors in Oslo in 2019?", "Number of loans per month", "How many members not in Lyon?", "What is the meaning of life?",
        "Growth of visitors between 2016 and 2020", "Combien de livres en 2010 ?", "Percentage of books by genre", "Which book has the highest price?",
    ];

    [Fact]
    public async Task Prints_offline_writer_latency_percentiles()
    {
        await library.AskAsync("warm up");
        var timings = new List<double>();
        for (var round = 0; round < 20; round++)
        {
            foreach (var question in Questions)
            {
                var started = Stopwatch.GetTimestamp();
                var draft = await library.AskAsync(question);
                timings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Assert.False(string.IsNullOrEmpty(draft.Interpretation.Summary));
            }
        }
        timings.Sort();
        output.WriteLine($"offline writer over {timings.Count} questions: p50 {timings[timings.Count / 2]:F2} ms, p95 {timings[(int)(timings.Count * 0.95)]:F2} ms, max {timings[^1]:F2} ms");
    }
}

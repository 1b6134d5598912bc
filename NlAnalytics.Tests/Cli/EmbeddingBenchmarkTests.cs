using NlAnalytics.Core.Retrieval;
using NlAnalytics.Tests.Semantics;
using NlAnalytics.Web.Cli;

namespace NlAnalytics.Tests.Cli;

public sealed class EmbeddingBenchmarkTests
{
    [Fact]
    public async Task A_catalog_is_embedded_in_the_background_and_every_question_is_answered_before_and_after()
    {
        var report = await EmbeddingBenchmark.RunAsync(CountingEncoder.Shared, calibration: null, TimeProvider.System, tables: 40, CancellationToken.None);

        var catalog = SyntheticCatalogGenerator.Generate(40, questions: 60, seed: 17, DateTimeOffset.UtcNow).Catalog;
        Assert.Equal(40, report.Tables);
        // A table's text and each column's at least: every one of them embedded.
        Assert.True(report.Texts >= catalog.Tables.Count + catalog.Tables.Sum(t => t.Columns.Count), $"{report.Texts} texts");
        Assert.Equal(60, report.QuestionsAfter);
        Assert.StartsWith($"{report.EmbedSeconds:0.0} s: ready, {report.Texts} texts", report.Progress[^1]);
    }
}

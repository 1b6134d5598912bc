using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Offline;
using NlAnalytics.Core.Retrieval;
using NlAnalytics.Core.Semantics;

namespace NlAnalytics.Web.Cli;

/// <summary>What embedding a big catalog costs and whether questions wait for it.</summary>
public sealed record EmbeddingBenchmarkReport(
    int Tables, int Texts, double EmbedSeconds, double TextsPerSecond,
    int QuestionsWhileEmbedding, double WhileP50Ms, double WhileP95Ms, double WhileMaxMs,
    int QuestionsAfter, double AfterP50Ms, double AfterP95Ms,
    IReadOnlyList<string> Progress);

/// <summary>
/// Embeds a synthetic catalog of <c>tables</c> tables with the local MiniLM encoder in the background (as the app does for
/// a new catalog) and meanwhile keeps asking questions of it (retrieval and the offline writer, by words until the
/// vectors are ready), then asks them again with the vectors. Nothing is stored: the vectors are computed, not read back.
/// </summary>
public static class EmbeddingBenchmark
{
    public static async Task<EmbeddingBenchmarkReport> RunAsync(ISentenceEncoder encoder, OfflineCalibration? calibration, TimeProvider time,
        int tables, CancellationToken cancellationToken)
    {
        var synthetic = SyntheticCatalogGenerator.Generate(tables, questions: 60, seed: 17, time.GetUtcNow());
        using var semantics = new CatalogSemantics(encoder, Options.Create(new SemanticOptions()), NullLogger<CatalogSemantics>.Instance);
        var retrievalOptions = Options.Create(new RetrievalOptions());
        var retriever = new SchemaRetriever(new SchemaPromptBuilder(retrievalOptions), retrievalOptions, NullLogger<SchemaRetriever>.Instance,
            semantics: semantics);
        var writer = new OfflineSqlWriter(time, NullLogger<OfflineSqlWriter>.Instance, semantics, calibration);

        async Task<double> AskAsync(string question, DatabaseCatalog? catalog = null)
        {
            catalog ??= synthetic.Catalog;
            var started = Stopwatch.GetTimestamp();
            var retrieved = await retriever.RetrieveAsync(catalog, question, 8, cancellationToken);
            await writer.WriteAsync(new SqlWritingContext(question, catalog, retrieved.Tables, retrieved.SchemaPrompt, [], []), cancellationToken);
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        // Warm the writer's and the retriever's code paths on another catalog first, so the first question's JIT is not
        // counted as waiting for the embedding.
        var warmUp = SyntheticCatalogGenerator.Generate(10, questions: 5, seed: 3, time.GetUtcNow());
        foreach (var question in warmUp.Questions) await AskAsync(question.Question, warmUp.Catalog);
        await semantics.WhenReadyAsync(warmUp.Catalog, cancellationToken);

        var clock = Stopwatch.StartNew();
        var first = semantics.ProgressOf(synthetic.Catalog); // starts the background job
        var progress = new List<string> { $"0.0 s: {first.Done}/{first.Total} texts" };
        var lastReport = 0.0;
        var whileEmbedding = new List<double>();
        var next = 0;
        while (semantics.TryGet(synthetic.Catalog) is null)
        {
            var state = semantics.ProgressOf(synthetic.Catalog);
            if (state.Error is not null) throw new InvalidOperationException($"Embedding failed: {state.Error}");
            whileEmbedding.Add(await AskAsync(synthetic.Questions[next++ % synthetic.Questions.Count].Question));
            if (clock.Elapsed.TotalSeconds - lastReport >= 5)
            {
                lastReport = clock.Elapsed.TotalSeconds;
                progress.Add($"{lastReport:0.0} s: {state.Done}/{state.Total} texts, {whileEmbedding.Count} questions answered so far");
            }
        }
        var space = await semantics.WhenReadyAsync(synthetic.Catalog, cancellationToken);
        var embedSeconds = clock.Elapsed.TotalSeconds;
        var done = semantics.ProgressOf(synthetic.Catalog);
        progress.Add($"{embedSeconds:0.0} s: ready, {done.Total} texts");

        var after = new List<double>();
        foreach (var question in synthetic.Questions) after.Add(await AskAsync(question.Question));

        var whileSorted = whileEmbedding.Order().ToList();
        var afterSorted = after.Order().ToList();
        return new EmbeddingBenchmarkReport(tables, done.Total, Math.Round(embedSeconds, 1), Math.Round(done.Total / embedSeconds, 1),
            whileSorted.Count, EvaluationRunner.Percentile(whileSorted, 0.50), EvaluationRunner.Percentile(whileSorted, 0.95), whileSorted.Count == 0 ? 0 : Math.Round(whileSorted[^1], 1),
            afterSorted.Count, EvaluationRunner.Percentile(afterSorted, 0.50), EvaluationRunner.Percentile(afterSorted, 0.95), progress);
    }
}

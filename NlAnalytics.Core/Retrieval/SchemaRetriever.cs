using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Semantics;

namespace NlAnalytics.Core.Retrieval;

/// <summary>
/// Picks the tables a question is about. Lexical BM25 over names, comments and descriptions, plus hits
/// in the value index ("HEC" is a value of enrollments.faculty_code), fused by reciprocal rank with
/// embedding similarity: the configured <see cref="IEmbeddingProvider"/>'s, else the local sentence encoder's
/// once the catalog's vectors are ready (<see cref="ICatalogSemantics"/>; until then words only). Then the
/// foreign-key graph brings in the tables needed to join the strong hits together.
/// </summary>
public sealed partial class SchemaRetriever(
    SchemaPromptBuilder prompts,
    IOptions<RetrievalOptions> options,
    ILogger<SchemaRetriever> logger,
    IEmbeddingProvider? embeddings = null,
    ICatalogSemantics? semantics = null) : ISchemaRetriever
{
    private const double K1 = 1.2;
    private const double B = 0.6;
    private const double JoinedWordWeight = 0.7;
    private const int FusionConstant = 60;
    private const double SeedShare = 0.3;
    private const int MaxSeeds = 5;
    private const int MaxPathLength = 4;
    private const double MinShareOfBest = 0.1;

    private readonly RetrievalOptions _options = options.Value;
    private readonly ConditionalWeakTable<DatabaseCatalog, Lazy<RetrievalIndex>> _indexes = new();

    public async Task<RetrievalResult> RetrieveAsync(DatabaseCatalog catalog, string question, int topK, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var index = IndexFor(catalog);
        var similarity = embeddings is { IsConfigured: true } ? await SimilarityAsync(index, embeddings, question, cancellationToken)
            : semantics?.TryGet(catalog) is { } space ? space.TableSimilarity(semantics.Encode(question, cancellationToken))
            : null;
        var tables = Rank(index, question, topK, similarity, _options.DenseCandidates);
        return new RetrievalResult(tables, prompts.Build(catalog, tables.Select(t => t.QualifiedName)));
    }

    /// <summary>Builds (once per catalog instance) the index queries run against; the benchmark calls it to time the build apart from queries.</summary>
    internal RetrievalIndex IndexFor(DatabaseCatalog catalog) =>
        _indexes.GetValue(catalog, c => new Lazy<RetrievalIndex>(() =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var index = new RetrievalIndex(c, _options.Descriptions.GetValueOrDefault(c.DataSource));
            LogIndexBuilt(logger, c.DataSource, c.Tables.Count, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return index;
        })).Value;

    private async Task<float[]?> SimilarityAsync(RetrievalIndex index, IEmbeddingProvider provider, string question, CancellationToken cancellationToken)
    {
        try
        {
            var tableVectors = await index.EmbeddingsAsync(provider, cancellationToken);
            var questionVector = RetrievalIndex.Normalize((await provider.EmbedAsync([question], cancellationToken))[0]);
            var similarity = new float[tableVectors.Length];
            for (var t = 0; t < tableVectors.Length; t++)
            {
                var vector = tableVectors[t];
                if (vector.Length != questionVector.Length)
                    throw new InvalidOperationException($"Embedding sizes differ: {vector.Length} for tables, {questionVector.Length} for the question.");
                var dot = 0f;
                for (var i = 0; i < vector.Length; i++)
                    dot += vector[i] * questionVector[i];
                similarity[t] = dot;
            }
            return similarity;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Embeddings improve ranking but are not required: a provider outage degrades to lexical retrieval.
            LogEmbeddingFailed(logger, ex);
            return null;
        }
    }

    internal static IReadOnlyList<RetrievedTable> Rank(RetrievalIndex index, string question, int topK, float[]? similarity, int denseCandidates = 50)
    {
        var count = index.Tables.Count;
        if (count == 0 || topK <= 0)
            return [];
        var words = Lexicon.Words(question);
        var stems = words.Select(Lexicon.Stem).ToArray();
        var terms = QueryTerms(words, stems);

        var scores = new double[count];
        foreach (var (term, query) in terms)
        {
            if (!index.Postings.TryGetValue(term, out var postings))
                continue;
            var idf = Math.Log(1 + (count - postings.Length + 0.5) / (postings.Length + 0.5));
            foreach (var posting in postings)
                scores[posting.Table] += query.Weight * idf * Saturate(posting.Frequency, index.Lengths[posting.Table], index.AverageLength);
        }

        var valueHits = MatchValues(index, stems);
        var valueWeight = 1.2 * Math.Log(1 + count);
        foreach (var group in valueHits.GroupBy(h => h.Value.Table))
        {
            // Each distinct value counts once per table, however many of its columns hold it.
            scores[group.Key] += group.GroupBy(h => string.Join(' ', h.Value.Stems))
                .Sum(g => g.Max(h => valueWeight * (1 + 0.25 * (h.Value.Stems.Length - 1)) / Math.Sqrt(h.Value.Spread)));
        }

        var denseRank = similarity is null ? null : DenseRanks(similarity, denseCandidates);
        var baseScores = denseRank is null ? scores : Fuse(scores, denseRank);

        var final = (double[])baseScores.Clone();
        var graphReasons = new Dictionary<int, string>();
        ExpandAlongForeignKeys(index, baseScores, final, graphReasons, words.Any(Lexicon.IsTemporal));

        // Tables far below the best match are noise (a "year" that every dated table shares): leaving them
        // out keeps the prompt small. Tables brought in by the key graph stay, having been lifted above this line.
        var floor = MinShareOfBest * final.Max();
        var ranked = TopTables(final, baseScores, index, topK, floor);
        var results = ranked
            .Select(t => new RetrievedTable(index.Tables[t].QualifiedName, Math.Round(final[t], 3),
                Reason(index, t, terms, valueHits, denseRank, graphReasons, scores)))
            .ToList();

        // A schema that fits whole in the budget is given whole: a missed table costs more than a few lines of prompt.
        if (count <= topK)
        {
            results.AddRange(Enumerable.Range(0, count)
                .Where(t => !ranked.Contains(t))
                .Select(t => new RetrievedTable(index.Tables[t].QualifiedName, 0, "the whole schema fits in the prompt")));
        }
        return results;
    }

    /// <summary>The best <paramref name="topK"/> tables above the floor, best first, without sorting every table of a large catalog.</summary>
    private static List<int> TopTables(double[] final, double[] baseScores, RetrievalIndex index, int topK, double floor)
    {
        var comparer = Comparer<int>.Create((a, b) =>
        {
            var byFinal = final[a].CompareTo(final[b]);
            if (byFinal != 0)
                return byFinal;
            var byBase = baseScores[a].CompareTo(baseScores[b]);
            return byBase != 0 ? byBase : string.CompareOrdinal(index.Tables[b].QualifiedName, index.Tables[a].QualifiedName);
        });
        // A min-heap of the current best: the weakest of them is the one to replace.
        var heap = new PriorityQueue<int, int>(topK + 1, comparer);
        for (var t = 0; t < final.Length; t++)
        {
            if (final[t] <= 0 || final[t] < floor)
                continue;
            if (heap.Count < topK)
                heap.Enqueue(t, t);
            else if (comparer.Compare(t, heap.Peek()) > 0)
                heap.EnqueueDequeue(t, t);
        }
        var best = new List<int>(heap.Count);
        while (heap.Count > 0)
            best.Add(heap.Dequeue());
        best.Reverse();
        return best;
    }

    private static double Saturate(float frequency, float length, float averageLength) =>
        frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / averageLength));

    private sealed record QueryTerm(double Weight, string Word);

    private static Dictionary<string, QueryTerm> QueryTerms(List<string> words, string[] stems)
    {
        var terms = new Dictionary<string, QueryTerm>(StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
        {
            if (!Lexicon.IsStopWord(words[i]) && stems[i].Length > 1)
                terms.TryAdd(stems[i], new QueryTerm(1, words[i]));
        }
        // "sign up" should find signup_date, "birth date" birthdate.
        for (var i = 0; i + 1 < words.Count; i++)
        {
            if (!Lexicon.IsStopWord(words[i]) && !Lexicon.IsStopWord(words[i + 1]))
                terms.TryAdd(Lexicon.Stem(words[i] + words[i + 1]), new QueryTerm(JoinedWordWeight, $"{words[i]} {words[i + 1]}"));
        }
        return terms;
    }

    private sealed record ValueHit(IndexedValue Value, string Matched);

    private static List<ValueHit> MatchValues(RetrievalIndex index, string[] stems)
    {
        var hits = new List<ValueHit>();
        for (var i = 0; i < stems.Length; i++)
        {
            if (index.ValuesByFirstStem.TryGetValue(stems[i], out var candidates))
            {
                foreach (var value in candidates)
                {
                    if (value.Stems.Length <= stems.Length - i && value.Stems.AsSpan().SequenceEqual(stems.AsSpan(i, value.Stems.Length)))
                        hits.Add(new ValueHit(value, value.Value));
                }
            }
            // "foreigners" for the value 'Foreign', "Lausanne-based" is already split; only long one-word values, to avoid "man" in "manager".
            for (var cut = 1; cut <= 3 && stems[i].Length - cut >= 5; cut++)
            {
                if (!index.ValuesByFirstStem.TryGetValue(stems[i][..^cut], out var shorter))
                    continue;
                hits.AddRange(shorter.Where(v => v.Stems.Length == 1).Select(v => new ValueHit(v, v.Value)));
            }
        }
        return hits;
    }

    private static Dictionary<int, int> DenseRanks(float[] similarity, int candidates) =>
        Enumerable.Range(0, similarity.Length)
            .Where(t => similarity[t] > 0)
            .OrderByDescending(t => similarity[t])
            .Take(candidates)
            .Select((table, rank) => (table, rank: rank + 1))
            .ToDictionary(p => p.table, p => p.rank);

    /// <summary>Reciprocal rank fusion, rescaled to the lexical score range so the graph thresholds mean the same with or without embeddings.</summary>
    private static double[] Fuse(double[] lexical, Dictionary<int, int> denseRank)
    {
        var lexicalRank = Enumerable.Range(0, lexical.Length)
            .Where(t => lexical[t] > 0)
            .OrderByDescending(t => lexical[t])
            .Select((table, rank) => (table, rank: rank + 1))
            .ToDictionary(p => p.table, p => p.rank);
        var fused = new double[lexical.Length];
        for (var t = 0; t < fused.Length; t++)
        {
            if (lexicalRank.TryGetValue(t, out var l))
                fused[t] += 1.0 / (FusionConstant + l);
            if (denseRank.TryGetValue(t, out var d))
                fused[t] += 1.0 / (FusionConstant + d);
        }
        var scale = lexical.Max() is > 0 and var top ? top / fused.Max() : FusionConstant;
        for (var t = 0; t < fused.Length; t++)
            fused[t] *= scale;
        return fused;
    }

    /// <summary>
    /// The strong hits are joined up: tables on the shortest foreign-key path between two of them come
    /// along (a question about revenue by region needs orders and stores in between), and direct
    /// neighbours of the best hits get a smaller lift (a join table, a lookup table).
    /// </summary>
    private static void ExpandAlongForeignKeys(RetrievalIndex index, double[] baseScores, double[] final, Dictionary<int, string> reasons, bool asksForTime)
    {
        var top = baseScores.Max();
        if (top <= 0)
            return;
        var seeds = Enumerable.Range(0, baseScores.Length)
            .Where(t => baseScores[t] >= SeedShare * top)
            .OrderByDescending(t => baseScores[t])
            .Take(MaxSeeds)
            .ToList();

        for (var a = 0; a < seeds.Count; a++)
        {
            var parents = ShortestPaths(index, seeds[a]);
            for (var b = a + 1; b < seeds.Count; b++)
            {
                if (parents[seeds[b]] < 0)
                    continue;
                var lift = 0.8 * Math.Min(baseScores[seeds[a]], baseScores[seeds[b]]);
                for (var at = parents[seeds[b]]; at != seeds[a]; at = parents[at])
                {
                    if (lift > final[at])
                    {
                        final[at] = lift;
                        reasons[at] = $"joins {index.Tables[seeds[a]].QualifiedName} to {index.Tables[seeds[b]].QualifiedName}";
                    }
                }
            }
        }

        // Line tables usually carry no date: it sits on the header they reference (order lines -> orders).
        if (asksForTime)
        {
            foreach (var seed in seeds.Take(3).Where(s => !index.HasTemporalColumn[s]))
            {
                foreach (var parent in index.Neighbours[seed].Where(n => index.HasTemporalColumn[n] && index.References.Contains((seed, n))))
                {
                    var lift = 0.6 * baseScores[seed];
                    if (lift > final[parent])
                    {
                        final[parent] = lift;
                        reasons[parent] = $"holds the dates for {index.Tables[seed].QualifiedName}";
                    }
                }
            }
        }

        foreach (var seed in seeds.Take(3))
        {
            foreach (var neighbour in index.Neighbours[seed])
            {
                // Something that came along because of a table never outranks it.
                var lifted = Math.Min(final[neighbour] + 0.25 * baseScores[seed], 0.9 * final[seed]);
                if (reasons.ContainsKey(neighbour) || lifted <= final[neighbour])
                    continue;
                final[neighbour] = lifted;
                reasons[neighbour] = index.References.Contains((neighbour, seed))
                    ? $"references {index.Tables[seed].QualifiedName}"
                    : $"referenced by {index.Tables[seed].QualifiedName}";
            }
        }
    }

    /// <summary>Breadth-first over the undirected key graph, up to <see cref="MaxPathLength"/> steps: for each table reached, the table it was reached from (-1: not reached).</summary>
    private static int[] ShortestPaths(RetrievalIndex index, int start)
    {
        var parents = new int[index.Tables.Count];
        Array.Fill(parents, -1);
        parents[start] = start;
        var frontier = new List<int> { start };
        for (var depth = 0; depth < MaxPathLength && frontier.Count > 0; depth++)
        {
            var next = new List<int>();
            foreach (var table in frontier)
            {
                foreach (var neighbour in index.Neighbours[table])
                {
                    if (parents[neighbour] >= 0)
                        continue;
                    parents[neighbour] = table;
                    next.Add(neighbour);
                }
            }
            frontier = next;
        }
        return parents;
    }

    private static string Reason(RetrievalIndex index, int table, Dictionary<string, QueryTerm> terms, List<ValueHit> valueHits,
        Dictionary<int, int>? denseRank, Dictionary<int, string> graphReasons, double[] lexical)
    {
        var info = index.Tables[table];
        var parts = new List<string>();
        foreach (var column in valueHits.Where(h => h.Value.Table == table).GroupBy(h => h.Value.Column).Take(2))
            parts.Add($"column {info.Columns[column.Key].Name} holds {string.Join(", ", column.Select(h => $"'{h.Matched}'").Distinct().Take(3))}");

        var lexicalParts = new List<(double Weight, string Text)>();
        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (term, query) in terms)
        {
            if (index.Find(term, table) is not { } posting || !mentioned.Add(query.Word))
                continue;
            var word = $"'{query.Word}'";
            var column = posting.Column >= 0 ? info.Columns[posting.Column].Name : null;
            var text = posting.Fields switch
            {
                var f when f.HasFlag(Field.TableName) => $"name matches {word}",
                var f when f.HasFlag(Field.ColumnName) && column is not null => $"column {column} matches {word}",
                var f when f.HasFlag(Field.TableComment) => $"comment mentions {word}",
                var f when f.HasFlag(Field.Description) && column is null => $"description mentions {word}",
                var f when f.HasFlag(Field.SchemaName) => $"schema {info.Schema} matches {word}",
                _ when column is not null => $"column {column}'s comment mentions {word}",
                _ => $"description mentions {word}",
            };
            lexicalParts.Add((query.Weight * posting.Frequency, text));
        }
        // A schema name match is weak evidence; it is only worth saying when there is nothing better.
        var strongest = lexicalParts.Where(p => !p.Text.StartsWith("schema ", StringComparison.Ordinal)).ToList();
        if (lexical[table] > 0)
            parts.AddRange((strongest.Count > 0 || parts.Count > 0 ? strongest : lexicalParts).OrderByDescending(p => p.Weight).Take(3).Select(p => p.Text));

        if (denseRank is not null && denseRank.TryGetValue(table, out var rank) && rank <= 10)
            parts.Add($"close in meaning to the question (embedding rank {rank})");
        if (graphReasons.TryGetValue(table, out var graph))
            parts.Add(graph);
        return parts.Count == 0 ? "related to the question" : string.Join("; ", parts);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Built the retrieval index of {DataSource}: {Tables} tables in {ElapsedMs} ms")]
    private static partial void LogIndexBuilt(ILogger logger, string dataSource, int tables, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding the question or the tables failed; ranking tables by words only")]
    private static partial void LogEmbeddingFailed(ILogger logger, Exception exception);
}

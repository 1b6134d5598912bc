using NlAnalytics.Core.Semantics;

namespace NlAnalytics.Core.Offline;

/// <summary>
/// Grounds a question word that no name, comment or value spells ("headcount", "signups") by meaning: the
/// catalog texts closest to it under the sentence encoder. Weaker than a spelled match on purpose, and only
/// for words nothing else matched, so the lexical reading keeps priority wherever it has one.
/// </summary>
internal sealed class MeaningGrounding(SemanticSpace space, ICatalogSemantics semantics, CatalogIndex index)
{
    /// <summary>
    /// Below this cosine a single word's nearest catalog text is as likely chance as meaning: with
    /// all-MiniLM-L6-v2 unrelated short texts sit around 0.2-0.45, a word and its name or synonym at 0.55-0.8
    /// ("borrowings" and loans 0.75, "novelists" and authors 0.69; "staff" and a table of buyers 0.52 is a miss).
    /// Calibrated on benchmarks/dev: 0.5 answered more unanswerable questions and no more right ones.
    /// </summary>
    public const float MinSimilarity = 0.55f;

    /// <summary>A value stands for a filter, and a wrong filter is a wrong number: values need a near-identical meaning.</summary>
    public const float MinValueSimilarity = 0.8f;

    /// <summary>Candidates this close to the best one are kept, so the writer can still choose by context.</summary>
    private const float KeepWithin = 0.04f;

    /// <summary>A meaning match counts a little less than a table named in so many words (1.0).</summary>
    private const double ScoreScale = 0.85;

    private Dictionary<int, (int End, string Text, string Stem)>? _deferred;

    /// <summary>
    /// Runs <paramref name="segment"/> with every <see cref="Ground"/> deferred (it answers null meanwhile),
    /// encodes the deferred words in one batch (one inference for all of them costs about a third of one each),
    /// then grounds them and puts what they mean in place of their plain items.
    /// </summary>
    public List<Item> Batched(Func<List<Item>> segment, CancellationToken cancellationToken = default)
    {
        if (_deferred is not null)
            return segment();
        _deferred = [];
        List<Item> items;
        Dictionary<int, (int End, string Text, string Stem)> deferred;
        try
        {
            items = segment();
        }
        finally
        {
            deferred = _deferred;
            _deferred = null;
        }
        if (deferred.Count == 0)
            return items;
        if (deferred.Count > 1)
            semantics.Prefetch([.. deferred.Values.Select(d => d.Text)], cancellationToken);
        for (var k = 0; k < items.Count; k++)
            if (deferred.TryGetValue(items[k].Start, out var word) && items[k].End == word.End
                && Ground(items[k].Start, word.End, word.Text, word.Stem, cancellationToken) is { } meant)
                items[k] = meant;
        return items;
    }

    public Item? Ground(int start, int end, string text, string stem, CancellationToken cancellationToken = default)
    {
        if (_deferred is not null)
        {
            _deferred[start] = (end, text, stem);
            return null;
        }
        var query = semantics.Encode(text, cancellationToken);
        var nearest = space.Nearest(query, 12, MinSimilarity, e => e.Kind != VocabularyKind.TableDocument);
        if (nearest.Count == 0)
            return null;
        var best = nearest[0].Similarity;
        var kept = nearest.Where(m => m.Similarity >= best - KeepWithin).ToList();

        if (kept[0].Entry.Kind == VocabularyKind.Value)
        {
            var values = kept.Where(m => m.Entry.Kind == VocabularyKind.Value && m.Similarity >= MinValueSimilarity)
                .Select(m => Column(m.Entry) is { } column ? new ValueRef(column, m.Entry.Value!) : null)
                .OfType<ValueRef>().Distinct().ToList();
            return values.Count == 0 ? null : new Item(start, end, text, stem) { Values = values, ByMeaning = true };
        }

        var schema = new Dictionary<(TableNode, ColumnNode?), double>();
        foreach (var match in kept.Where(m => m.Entry.Kind != VocabularyKind.Value))
        {
            if (index.Table(match.Entry.Table) is not { } table)
                continue;
            var column = match.Entry.Column is null ? null : Column(match.Entry);
            if (match.Entry.Column is not null && column is null)
                continue;
            var score = ScoreScale * match.Similarity;
            if (!schema.TryGetValue((table, column), out var known) || known < score)
                schema[(table, column)] = score;
        }
        return schema.Count == 0 ? null : new Item(start, end, text, stem)
        {
            Schema = [.. schema.Select(kv => new SchemaRef(kv.Key.Item1, kv.Key.Item2, kv.Value)).OrderByDescending(r => r.Score)],
            ByMeaning = true,
        };
    }

    private ColumnNode? Column(VocabularyEntry entry) =>
        index.Table(entry.Table)?.Columns.FirstOrDefault(c => string.Equals(c.Name, entry.Column, StringComparison.Ordinal));
}

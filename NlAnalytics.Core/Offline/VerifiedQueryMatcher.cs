using System.Globalization;
using System.Text.RegularExpressions;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Offline;

/// <summary>A verified answer reused for a new question, with the literals it swapped.</summary>
public sealed record VerifiedMatch(SqlDraft Draft, VerifiedExample Source, IReadOnlyList<string> Adaptations);

/// <summary>
/// Reuses a verified question's SQL for a close new question: the same question with other years,
/// numbers or indexed values ("Porto" instead of "Oslo") gets the verified SQL with those literals swapped.
/// Gives nothing when the questions differ in anything but literals, or a literal cannot be found in the SQL.
/// The caller answers with <see cref="AnswerPath.Verified"/>.
/// </summary>
public sealed partial class VerifiedQueryMatcher(VerifiedQueryStore store, TimeProvider time) : IVerifiedMemory
{
    /// <summary>Template similarity (literals masked) needed to reuse a verified query.</summary>
    private const double ReuseThreshold = 0.85;

    async Task<SqlDraft?> IVerifiedMemory.ReuseAsync(string dataSource, string question, string? askerId, DatabaseCatalog catalog, CancellationToken cancellationToken) =>
        (await MatchAsync(dataSource, question, askerId, catalog, cancellationToken))?.Draft;

    public async Task<VerifiedMatch?> MatchAsync(string dataSource, string question, string? askerId, DatabaseCatalog catalog, CancellationToken cancellationToken)
    {
        var candidates = await store.FindNearestAsync(dataSource, question, askerId, 5, cancellationToken);
        if (candidates.Count == 0)
            return null;
        var index = CatalogIndex.For(catalog, OfflineSqlWriter.Lexicon);
        var target = Literals(question, index);
        foreach (var candidate in candidates)
        {
            var source = Literals(candidate.Question, index);
            var similarity = VerifiedQueryStore.Similarity(target.Template, source.Template);
            if (similarity < ReuseThreshold) continue;
            var adapted = Adapt(candidate.Sql, source, target);
            if (adapted is null) continue;
            var (sql, changes) = adapted.Value;
            var confidence = Math.Round(changes.Count == 0 ? 0.97 * similarity + 0.03 : 0.9 * similarity, 2);
            var interpretation = (changes.Count == 0
                ? $"Reusing the verified answer to \"{candidate.Question}\""
                : $"Reusing the verified answer to \"{candidate.Question}\" with {string.Join(", ", changes)}") + Attribution(candidate);
            var draft = new SqlDraft(sql, confidence, interpretation, [], [],
                [new TranscriptEntry("verified-memory", "assistant", $"{interpretation}\n{sql}", time.GetUtcNow())]);
            return new VerifiedMatch(draft, candidate with { Similarity = similarity }, changes);
        }
        return null;
    }

    /// <summary>The nearest verified pairs that serve the asker, as few-shot examples for an LLM prompt.</summary>
    public Task<IReadOnlyList<VerifiedExample>> ExamplesAsync(string dataSource, string question, string? askerId, int count, CancellationToken cancellationToken) =>
        store.FindNearestAsync(dataSource, question, askerId, count, cancellationToken);

    /// <summary>" (verified by X on 2026-12-02; approved by Y on 2026-12-03)": who vouches for a reused answer, and when.</summary>
    public static string Attribution(VerifiedExample example)
    {
        var verified = $"verified by {example.VerifiedBy ?? "an unrecorded user"}{On(example.VerifiedAt)}";
        var approved = example.ApprovedAt is null ? "not approved for others yet" : $"approved by {example.ApprovedBy ?? "an administrator"}{On(example.ApprovedAt)}";
        return $" ({verified}; {approved})";
    }

    private static string On(DateTimeOffset? at) =>
        at is { } t ? " on " + t.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "";

    private sealed record LiteralSet(HashSet<string> Template, List<int> Years, List<decimal> Numbers, List<ValueRef> Values);

    private static LiteralSet Literals(string question, CatalogIndex index)
    {
        var parser = new QuestionParser(index);
        var items = parser.Segment(TextNormalizer.Tokenize(question));
        var template = new HashSet<string>();
        var years = new List<int>();
        var numbers = new List<decimal>();
        var values = new List<ValueRef>();
        foreach (var item in items)
        {
            if (item.IsYear) { years.Add((int)item.Number!.Value); template.Add("<year>"); }
            else if (item.Number is { } n) { numbers.Add(n); template.Add("<number>"); }
            else if (item.Values is { Count: > 0 } refs && item.Schema is null)
            {
                values.Add(refs[0]);
                template.Add($"<value:{string.Join('|', refs.Select(r => r.Column.ToString()).Order(StringComparer.Ordinal))}>");
            }
            else if (!item.Stop || item.Cue is not null) template.Add(item.Stem);
        }
        return new LiteralSet(template, years, numbers, values);
    }

    [GeneratedRegex(@"(?<![\w.])(\d{4})(?![\w.])")]
    private static partial Regex YearToken();

    private static (string Sql, List<string> Changes)? Adapt(string sql, LiteralSet from, LiteralSet to)
    {
        if (from.Years.Count != to.Years.Count || from.Numbers.Count != to.Numbers.Count || from.Values.Count != to.Values.Count) return null;
        var changes = new List<string>();
        var result = sql;
        var yearMap = new Dictionary<int, int>();
        for (var i = 0; i < from.Years.Count; i++)
        {
            if (from.Years[i] == to.Years[i]) continue;
            if (!YearToken().IsMatch(result) || !result.Contains(from.Years[i].ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)) return null;
            yearMap[from.Years[i]] = to.Years[i];
            // An exclusive upper bound ('2021-01-01' for the year 2020) moves with its year.
            if (!from.Years.Contains(from.Years[i] + 1)) yearMap.TryAdd(from.Years[i] + 1, to.Years[i] + 1);
            changes.Add($"{from.Years[i]} → {to.Years[i]}");
        }
        if (yearMap.Count > 0)
            result = YearToken().Replace(result, m => yearMap.TryGetValue(int.Parse(m.Value, CultureInfo.InvariantCulture), out var y) ? y.ToString(CultureInfo.InvariantCulture) : m.Value);
        for (var i = 0; i < from.Numbers.Count; i++)
        {
            if (from.Numbers[i] == to.Numbers[i]) continue;
            var old = from.Numbers[i].ToString(CultureInfo.InvariantCulture);
            var pattern = new Regex($@"(?<![\w.']){Regex.Escape(old)}(?![\w.'])");
            if (!pattern.IsMatch(result)) return null;
            result = pattern.Replace(result, to.Numbers[i].ToString(CultureInfo.InvariantCulture));
            changes.Add($"{old} → {to.Numbers[i].ToString(CultureInfo.InvariantCulture)}");
        }
        for (var i = 0; i < from.Values.Count; i++)
        {
            var (a, b) = (from.Values[i], to.Values[i]);
            if (a.Value == b.Value) continue;
            if (a.Column != b.Column && !a.Column.Info.Name.Equals(b.Column.Info.Name, StringComparison.OrdinalIgnoreCase)) return null;
            var oldLiteral = SqlText.Literal(a.Value);
            if (!result.Contains(oldLiteral, StringComparison.Ordinal)) return null;
            result = result.Replace(oldLiteral, SqlText.Literal(b.Value), StringComparison.Ordinal);
            changes.Add($"'{a.Value}' → '{b.Value}'");
        }
        return (result, changes);
    }
}

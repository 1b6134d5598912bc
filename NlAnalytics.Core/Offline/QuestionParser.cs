using System.Globalization;
using System.Text.RegularExpressions;

namespace NlAnalytics.Core.Offline;

/// <summary>One span of a question and everything it could mean: a cue, a number, values, schema elements.</summary>
internal sealed class Item(int start, int end, string text, string stem)
{
    public int Start { get; } = start;
    public int End { get; } = end;
    public string Text { get; } = text;
    public string Stem { get; } = stem;
    public Cue? Cue { get; init; }
    public decimal? Number { get; init; }
    public bool IsYear { get; init; }
    public bool IsPercent { get; init; }
    public List<ValueRef>? Values { get; init; }
    public List<SchemaRef>? Schema { get; init; }
    public bool Stop { get; init; }
    /// <summary>Grounded by meaning (the sentence encoder), not by a name, comment or value spelled in the question.</summary>
    public bool ByMeaning { get; init; }
    /// <summary>A misspelling read as a catalog or closed-class word: "revnue → revenue" (shown in the interpretation).</summary>
    public string? Correction { get; set; }
    public bool Used { get; set; }

    public bool Is(CueKind kind) => Cue?.Kind == kind;
    public bool IsSingular => Text == Stem || !Text.EndsWith('s');
    public override string ToString() => Text;
}

/// <summary>Turns a question into a <see cref="QueryIntent"/> against one catalog's index. Pure and deterministic.</summary>
internal sealed partial class QuestionParser(CatalogIndex index, MeaningGrounding? meaning = null)
{
    private Lexicon Lexicon => index.Lexicon;

    public QueryIntent Parse(string question) => Build(Segment(TextNormalizer.Tokenize(question)));

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(k|m|bn|%)$")]
    private static partial Regex SuffixedNumber();

    internal List<Item> Segment(List<Token> tokens)
    {
        // The words only meaning can ground are encoded together, after the pass that finds them.
        return meaning is null ? SegmentOnce(tokens) : meaning.Batched(() => SegmentOnce(tokens));
    }

    private List<Item> SegmentOnce(List<Token> tokens)
    {
        var items = new List<Item>();
        for (var i = 0; i < tokens.Count;)
        {
            var item = Match(tokens, i);
            items.Add(item);
            i = item.End;
        }
        return items;
    }

    private Item Match(List<Token> tokens, int i)
    {
        if (TryNumber(tokens, i) is { } number) return number;
        var remaining = tokens.Count - i;

        Cue? cue = null;
        var cueLength = 0;
        for (var n = Math.Min(Lexicon.LongestCue, remaining); n >= 1 && cue is null; n--)
            if (Lexicon.Cues.TryGetValue(Raw(tokens, i, n), out var found)) (cue, cueLength) = (found, n);

        List<ValueRef>? values = null;
        var valueLength = 0;
        for (var n = Math.Min(index.MaxValueWords, remaining); n >= 1 && values is null; n--)
        {
            var refs = new List<ValueRef>();
            // Plural forms match values ("novel" → Novels), but not across a leading function word ("in shops" is not 'in-shop').
            var keys = n > 1 && (Lexicon.Stopwords.Contains(tokens[i].Text) || Lexicon.Cues.ContainsKey(tokens[i].Text))
                ? new[] { Raw(tokens, i, n) } : [Raw(tokens, i, n), Stems(tokens, i, n)];
            foreach (var key in keys)
                if (index.Values.TryGetValue(key, out var list)) refs.AddRange(list);
            if (n == 1)
                foreach (var synonym in SynonymsOf(tokens[i]))
                {
                    if (index.Values.TryGetValue(synonym, out var list)) refs.AddRange(list);
                    if (index.Values.TryGetValue(TextNormalizer.Stem(synonym), out list)) refs.AddRange(list);
                    if (index.Values.TryGetValue(CatalogIndex.SynonymOnlyPrefix + synonym, out list)) refs.AddRange(list);
                }
            if (refs.Count > 0) (values, valueLength) = (refs.Distinct().ToList(), n);
        }

        List<SchemaRef>? schema = null;
        var schemaLength = 0;
        for (var n = Math.Min(index.MaxSchemaWords, remaining); n >= 1 && schema is null; n--)
        {
            var scores = new Dictionary<(TableNode, ColumnNode?), double>();
            void Add(IEnumerable<SchemaRef> refs, double weight)
            {
                foreach (var r in refs) scores[(r.Table, r.Column)] = scores.GetValueOrDefault((r.Table, r.Column)) + r.Score * weight;
            }
            if (index.Schema.TryGetValue(Stems(tokens, i, n), out var direct)) Add(direct, 1.0);
            if (n == 1)
                foreach (var synonym in SynonymsOf(tokens[i]))
                    if (index.Schema.TryGetValue(TextNormalizer.Stem(synonym), out var viaSynonym)) Add(viaSynonym, 0.8);
            if (scores.Count > 0)
                (schema, schemaLength) = (scores.Select(kv => new SchemaRef(kv.Key.Item1, kv.Key.Item2, kv.Value)).OrderByDescending(r => r.Score).ToList(), n);
        }

        var length = Math.Max(cueLength, Math.Max(valueLength, schemaLength));
        if (length == 0)
        {
            var word = tokens[i].Text;
            var stop = Lexicon.Stopwords.Contains(word) || word.Length == 1 && !char.IsDigit(word[0]);
            if (!stop && !_correcting && Corrected(tokens, i) is { } corrected) return corrected;
            if (!stop && Loosely(tokens, i) is { } loose) return loose;
            if (!stop && meaning is not null && word.Length >= 3 && !word.Any(char.IsDigit) && meaning.Ground(i, i + 1, word, tokens[i].Stem) is { } meant) return meant;
            return new Item(i, i + 1, word, tokens[i].Stem) { Stop = stop };
        }
        // A cue inside a longer value or schema phrase ("in store", "first name") loses; a single-word value or schema word that is also a cue keeps both.
        return new Item(i, i + length, Raw(tokens, i, length), Stems(tokens, i, length))
        {
            Cue = cueLength == length ? cue : null,
            Values = valueLength == length ? values : null,
            Schema = schemaLength == length ? schema : null,
        };
    }

    private bool _correcting;

    /// <summary>
    /// A word nothing matched, read as the one catalog or closed-class word it misspells ("revnue", "costumer",
    /// "studnets"): one edit for words of 6-7 letters, two from 8, the first letter kept (typos rarely change it, and
    /// "costs" must not become "posts"), and only when a single word is that close. Shorter words are left alone:
    /// "score" is one letter from "store".
    /// </summary>
    private Item? Corrected(List<Token> tokens, int i)
    {
        var token = tokens[i];
        if (token.Text.Length < MinCorrectedLength || token.Text.Any(char.IsDigit)) return null;
        var limit = token.Text.Length >= 8 ? 2 : 1;
        string? best = null;
        var bestDistance = limit + 1;
        var ambiguous = false;
        void Consider(string candidate, string word)
        {
            if (candidate.Length < 4 || candidate[0] != word[0] || candidate.Contains(' ', StringComparison.Ordinal)) return;
            var distance = TextNormalizer.EditDistance(word, candidate, limit);
            if (distance == 0 || distance > limit || distance > bestDistance) return;
            if (distance < bestDistance) (best, bestDistance, ambiguous) = (candidate, distance, false);
            else if (TextNormalizer.Stem(candidate) != TextNormalizer.Stem(best!)) ambiguous = true;
        }
        foreach (var key in index.Schema.Keys) Consider(key, token.Stem);
        foreach (var key in index.Values.Keys) Consider(key, token.Text);
        foreach (var key in Lexicon.Cues.Keys) Consider(key, token.Text);
        foreach (var key in Lexicon.Synonyms.Keys) Consider(key, token.Text);
        if (best is null || ambiguous) return null;

        var fixedTokens = new List<Token>(tokens) { [i] = new Token(best, TextNormalizer.Stem(best), token.Index) };
        _correcting = true;
        try
        {
            var item = Match(fixedTokens, i);
            if (item.Cue is null && item.Values is null && item.Schema is null) return null;
            item.Correction = $"{token.Text} → {best}";
            return item;
        }
        finally
        {
            _correcting = false;
        }
    }

    private const int MinCorrectedLength = 6;

    /// <summary>
    /// Last resort for a word nothing matched: a compound split in two ("signed up" → signup) or a word sharing
    /// a long stem with a schema word ("enrolled" → enrollment). Weak on purpose.
    /// </summary>
    private Item? Loosely(List<Token> tokens, int i)
    {
        var stem = tokens[i].Stem;
        if (i + 1 < tokens.Count && index.Schema.TryGetValue(stem + tokens[i + 1].Text, out var compound))
            return new Item(i, i + 2, Raw(tokens, i, 2), stem + tokens[i + 1].Text) { Schema = compound.Select(r => r with { Score = r.Score * 0.8 }).ToList() };
        // "active" for an identifier written "actv" that no comment spells out.
        var word = tokens[i].Text;
        if (word.Length >= 4 && index.Unexplained.Where(kv => Abbreviations.Abbreviates(kv.Key, word)).SelectMany(kv => kv.Value).ToList() is { Count: > 0 } abbreviated)
            return abbreviated.All(r => r.Column?.Info.IsBoolean == true)
                // "active employees" for a flag written "actv_flg": the word asks for the rows where the flag holds.
                ? new Item(i, i + 1, word, stem) { Values = abbreviated.Select(r => new ValueRef(r.Column!, "true")).ToList() }
                : new Item(i, i + 1, word, stem) { Schema = abbreviated };
        if (stem.Length < 5) return null;
        // "damaged" for a code explained as "(damage)": a value word sharing the question word's long stem.
        var values = index.Values
            .Where(kv => !kv.Key.Contains(' ', StringComparison.Ordinal) && kv.Key.Length >= 5 && kv.Key.Length - stem.Length is >= 0 and <= 2 && kv.Key.StartsWith(stem, StringComparison.Ordinal))
            .SelectMany(kv => kv.Value).Distinct().ToList();
        if (values.Count > 0) return new Item(i, i + 1, tokens[i].Text, stem) { Values = values };
        var refs = index.Schema
            .Where(kv => !kv.Key.Contains(' ', StringComparison.Ordinal) && kv.Key.Length >= 5 && (kv.Key.StartsWith(stem, StringComparison.Ordinal) || stem.StartsWith(kv.Key, StringComparison.Ordinal)))
            .SelectMany(kv => kv.Value.Select(r => r with { Score = Math.Min(r.Score, 1.0) * 0.45 }))
            .ToList();
        return refs.Count == 0 ? null : new Item(i, i + 1, tokens[i].Text, stem) { Schema = refs };
    }

    private IEnumerable<string> SynonymsOf(Token token)
    {
        if (Lexicon.Synonyms.TryGetValue(token.Text, out var synonyms)) return synonyms;
        if (Lexicon.Synonyms.TryGetValue(token.Stem, out synonyms)) return synonyms;
        return [];
    }

    private Item? TryNumber(List<Token> tokens, int i)
    {
        var text = tokens[i].Text;
        decimal value;
        var end = i + 1;
        var percent = false;
        var multiplied = false;
        if (text.Length > 0 && char.IsDigit(text[0]) && decimal.TryParse(text.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out value))
        {
        }
        else if (SuffixedNumber().Match(text) is { Success: true } m)
        {
            value = decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            switch (m.Groups[2].Value)
            {
                case "%": percent = true; break;
                case "k": value *= 1000; multiplied = true; break;
                case "m": value *= 1_000_000; multiplied = true; break;
                default: value *= 1_000_000_000; multiplied = true; break;
            }
        }
        else if (Lexicon.Cues.TryGetValue(text, out var word) && word.Kind == CueKind.NumberWord)
        {
            value = word.IntArgument;
        }
        else
        {
            return null;
        }
        if (end < tokens.Count && Lexicon.Cues.TryGetValue(tokens[end].Text, out var next))
        {
            if (next.Kind == CueKind.Multiplier)
            {
                value *= decimal.Parse(next.Argument!, CultureInfo.InvariantCulture);
                multiplied = true;
                end++;
            }
            else if (next.Kind == CueKind.Percent || tokens[end].Text == "%")
            {
                percent = true;
                end++;
            }
        }
        else if (end < tokens.Count && tokens[end].Text == "%")
        {
            percent = true;
            end++;
        }
        var isYear = !multiplied && !percent && value == decimal.Truncate(value) && value is >= 1900 and <= 2100 && text.Length == 4;
        return new Item(i, end, Raw(tokens, i, end - i), text) { Number = value, IsYear = isYear, IsPercent = percent };
    }

    private static string Raw(List<Token> tokens, int i, int n) => TextNormalizer.Phrase(tokens.Skip(i).Take(n).Select(t => t.Text));
    private static string Stems(List<Token> tokens, int i, int n) => TextNormalizer.Phrase(tokens.Skip(i).Take(n).Select(t => t.Stem));
}

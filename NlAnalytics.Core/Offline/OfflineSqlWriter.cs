using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Semantics;

namespace NlAnalytics.Core.Offline;

/// <summary>
/// The built-in NL-to-SQL writer that needs no LLM. It grounds question words in the catalog (identifiers,
/// comments, the value index, foreign keys), composes one SELECT, and declines with suggestions when it
/// is not sure: a wrong answer stated confidently is worse than no answer.
/// </summary>
public sealed partial class OfflineSqlWriter(
    TimeProvider time,
    ILogger<OfflineSqlWriter> logger,
    ICatalogSemantics? semantics = null,
    OfflineCalibration? calibration = null,
    OfflineDraftRecorder? recorder = null,
    IOptions<AnalystOptions>? analystOptions = null,
    OfflineDraftCache? drafts = null) : ISqlWriter
{
    public const string ServiceKey = "offline";
    public const string AgentName = "offline-writer";

    private readonly OfflineCalibration _calibration = calibration ?? OfflineCalibration.Default;

    /// <summary>
    /// An answer that leaves a content word out stays under the Hybrid threshold by this much, so the model is
    /// asked whenever there is one, whatever the calibration estimates.
    /// </summary>
    private const double BelowHybrid = 0.01;

    internal static Lexicon Lexicon { get; } = Lexicon.Merge(EnglishLexicon.Instance, FrenchLexicon.Instance);

    /// <summary>The highest confidence a draft that left a word out may state (<see cref="BelowHybrid"/> under the Hybrid threshold).</summary>
    public static double LeftOutCap(double hybridThreshold) => hybridThreshold - BelowHybrid;

    private double HybridThreshold => analystOptions?.Value.HybridThreshold ?? new AnalystOptions().HybridThreshold;

    public Task<SqlDraft> WriteAsync(SqlWritingContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // A calibration run records every draft's features, and a correction round's context carries an error: both write afresh.
        var draft = drafts is null || recorder is not null || context.PreviousSql is not null
            ? Write(context)
            : drafts.GetOrWrite(context, semantics?.TryGet(context.Catalog) is not null, () => Write(context), time);
        LogDraft(logger, draft.Sql is not null, draft.Confidence, draft.Interpretation.ToString());
        return Task.FromResult(draft);
    }

    internal SqlDraft Write(SqlWritingContext context)
    {
        var index = CatalogIndex.For(context.Catalog, Lexicon);
        // Words no name spells are grounded by meaning once the catalog's vectors exist; until then, by words only.
        var space = semantics?.TryGet(context.Catalog);
        var parser = new QuestionParser(index, space is null ? null : new MeaningGrounding(space, semantics!, index));
        var hinted = context.Tables.Select(t => t.QualifiedName).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var current = parser.Parse(context.Question);
        var (previous, leftOutEarlier) = Reconstruct(context.History, parser);
        var intent = current;
        var followUp = false;
        if (previous is not null && (current.LooksLikeFollowUp || !current.HasSubject && !StandsAlone(current) || current.Instead))
        {
            intent = Merge(previous, current);
            followUp = true;
        }
        // Words an earlier question of the thread left out are still missing from a follow-up that builds on it
        // ("X in 2021" read without one of its words, then "and in 2011?").
        IReadOnlyList<string> ignored = followUp ? [.. current.Unknown.Concat(leftOutEarlier).Distinct()] : current.Unknown;
        // Words read but placed nowhere ("December" with no year beside it, a second measure) are left out just the same.
        IReadOnlyList<string> unplaced = [.. current.Unplaced.Where(w => !ignored.Contains(w))];

        var suggestions = new SuggestionBuilder(index, hinted, question => Confident(parser, index, hinted, question));
        if (!intent.HasSubject && intent.Values.Count == 0 && intent.Groups.All(g => g.IsTime))
            return Decline(context, "I could not find what to count or measure in the catalog", intent.Unknown, suggestions.For(current));
        if (current.Unknown.Count >= 2 || current.Unknown.Count > 0 && current.Unknown.Count * 2 >= current.MeaningfulItems)
            return Decline(context, $"I don't know what {Quote(current.Unknown)} refer{(current.Unknown.Count == 1 ? "s" : "")} to in this database{Clarification(index, intent, current.Unknown)}", current.Unknown, suggestions.For(current));

        var guessedSubject = !intent.HasSubject;
        var shape = intent.Clone();
        var composed = new SqlComposer(index, hinted).Compose(intent);
        if (composed.Sql is null)
            return Decline(context, composed.Interpretation, current.Unknown, suggestions.For(current));

        // A table the question named for context that the SQL does not read ("what did we spend on campaigns" answered from
        // the sales lines) was left out as surely as an unknown word.
        // A table whose column holds a value of the question is placed by that value ("customers in Brazil" filtered on the
        // invoices' own country column).
        unplaced = [.. unplaced, .. current.NamedContext
            .Where(c => !composed.Tables!.Contains(c.Table) && !shape.Values.Any(v => v.Refs.Any(r => r.Column.Table == c.Table)))
            .Select(c => c.Word).Where(w => !unplaced.Contains(w)).Distinct()];
        var items = parser.Segment(TextNormalizer.Tokenize(context.Question));
        IReadOnlyList<string> corrections = [.. items.Select(i => i.Correction).OfType<string>().Distinct()];
        var features = FeaturesOf(current, shape, composed, followUp, guessedSubject, items, ignored.Count, unplaced.Count);
        var estimate = _calibration.Estimate(features);
        recorder?.Record(features, estimate);
        var interpretation = composed.Interpretation;
        if (ignored.Count > 0 || unplaced.Count > 0)
        {
            // A word left out may be the whole point of the question ("female", "oldest", "December"): never confident enough to skip the model.
            estimate = Math.Min(estimate, LeftOutCap(HybridThreshold));
            interpretation += $" (ignoring {Quote([.. ignored, .. unplaced])})";
        }
        if (composed.Doubts.Count > 0) interpretation += $". Unsure: {string.Join("; ", composed.Doubts.Distinct())}";
        var confidence = Math.Round(Math.Clamp(estimate, 0, 1), 2);
        if (confidence < _calibration.DeclineBelow)
        {
            var reason = ignored.Count > 0
                ? $"I don't know what {Quote(ignored)} refer{(ignored.Count == 1 ? "s" : "")} to in this database{(Clarification(index, shape, ignored) is { Length: > 0 } question ? question + " " : ". ")}Without {(ignored.Count + unplaced.Count == 1 ? "it" : "them")} I would answer: {composed.Interpretation}"
                : unplaced.Count > 0
                ? $"I could not tell how {Quote(unplaced)} appl{(unplaced.Count == 1 ? "ies" : "y")} to the question. Without {(unplaced.Count == 1 ? "it" : "them")} I would answer: {composed.Interpretation}"
                : string.Create(CultureInfo.InvariantCulture, $"I am not confident enough (about {Math.Round(confidence * 100):0}% likely right): {interpretation}");
            return Decline(context, reason, [.. ignored, .. unplaced], suggestions.For(current));
        }

        return new SqlDraft(
            composed.Sql,
            confidence,
            new Interpretation(interpretation) { Corrections = corrections, InheritedFilters = followUp ? Inherited(previous!, current, shape) : [] },
            [],
            confidence < HybridThreshold ? suggestions.For(current) : [],
            [new TranscriptEntry(AgentName, "assistant", $"{interpretation}\n{composed.Sql}", time.GetUtcNow())],
            composed.Chart);
    }

    /// <summary>
    /// A question with its own grouping and no follow-up cue ("footfall by city in 2020") whose subject is
    /// a word the catalog does not know is a new question with an unknown subject, not a follow-up: read as one, it
    /// would silently keep the earlier question's filters.
    /// </summary>
    private static bool StandsAlone(QueryIntent current) => current.Unknown.Count > 0 && current.Groups.Count > 0;

    /// <summary>Whether a standalone question (a suggestion) would be answered rather than declined.</summary>
    private bool Confident(QuestionParser parser, CatalogIndex index, IReadOnlySet<string> hinted, string question)
    {
        var intent = parser.Parse(question);
        if (intent.Unknown.Count > 0 || intent.Unplaced.Count > 0 || !intent.HasSubject) return false;
        var shape = intent.Clone();
        var composed = new SqlComposer(index, hinted).Compose(intent);
        if (composed.Sql is null) return false;
        var estimate = _calibration.Estimate(FeaturesOf(shape, shape, composed, false, false, parser.Segment(TextNormalizer.Tokenize(question))));
        return estimate >= _calibration.DeclineBelow;
    }

    /// <summary>What the calibration weighs: read from the question, the (merged) intent before composing, and the composed SQL.</summary>
    private static OfflineFeatures FeaturesOf(QueryIntent current, QueryIntent intent, ComposedQuery composed, bool followUp, bool guessedSubject, IReadOnlyList<Item> items, int ignored = -1, int unplaced = -1)
    {
        // Words that only say which tables are in play (a schema's name, a verb of a table's comment: "we sell") are not weak
        // readings of what is measured.
        var matches = items.Where(i => i.Schema is { Count: > 0 } && i.Values is null && i.Cue is null && !i.Schema.All(IsContextOnly))
            .Select(i => i.Schema!.Max(r => r.Score)).ToList();
        return new(
        Heuristic: composed.Confidence,
        IgnoredWords: ignored < 0 ? current.Unknown.Count : ignored,
        MeaningfulItems: current.MeaningfulItems,
        Doubts: composed.Doubts.Distinct().Count(),
        FollowUp: followUp,
        Joins: composed.Joins,
        FanOut: composed.FanOut,
        GuessedSubject: guessedSubject,
        Values: intent.Values.Count,
        AmbiguousValues: intent.Values.Count(v => v.Refs.Select(r => r.Column).Distinct().Count() > 1),
        Comparisons: intent.Comparisons.Count,
        TimeFilter: intent.Time is not null,
        Groups: intent.Groups.Count,
        ListRows: intent.ListRows,
        ShareOrRatio: intent.ShareOf is not null || intent.ShareOfTotal || intent.RatioOf is not null,
        Growth: intent.Growth is not null || intent.WantsGrowth,
        Ranked: intent.Limit is not null || intent.TopRestriction is not null,
        Aggregated: intent.Aggregate != Aggregate.None,
        WeakItems: matches.Count(score => score < WeakMatchBelow),
        WeakestMatch: matches.Count == 0 ? 1 : Math.Min(1, matches.Min()),
        InferredJoins: composed.InferredJoins,
        Corrections: items.Count(i => i.Correction is not null),
        UnplacedWords: unplaced < 0 ? current.Unplaced.Count : unplaced,
        ImpliedAggregate: intent.ImpliedAggregate);
    }

    private static bool IsContextOnly(SchemaRef reference) => reference.Column is null && reference.Score <= CatalogIndex.ContextScore;

    /// <summary>Schema match scores under this came from a comment, a synonym, part of a name or a shared stem, not a name (see CatalogIndex).</summary>
    private const double WeakMatchBelow = 0.9;

    /// <summary>
    /// A clarifying question for words nothing matched: the low-cardinality columns of the tables the question did
    /// ground, with a few of their values, so the user can say which one was meant ("a value of people's sex (F, M)?").
    /// </summary>
    private static string Clarification(CatalogIndex index, QueryIntent intent, IReadOnlyList<string> unknown)
    {
        var tables = new List<TableNode>();
        void Add(TableNode? table)
        {
            if (table is not null && !tables.Contains(table)) tables.Add(table);
        }
        Add(intent.Measure?.Table);
        Add(intent.Entity);
        foreach (var group in intent.Groups) Add(group.Table ?? group.Column?.Table);
        foreach (var value in intent.Values) Add(value.Refs[0].Column.Table);
        foreach (var table in intent.ContextTables) Add(table);
        var options = tables
            .SelectMany(t => t.Columns.Where(c => c.IsDimension && !c.IsKey && c.Info.DistinctValues is { Count: > 1 and <= 30 }))
            .Take(3)
            .Select(c => $"{c.Table.Noun}' {string.Join(' ', TextNormalizer.SplitIdentifier(c.Name))} ({string.Join(", ", c.Info.DistinctValues!.Take(3))}{(c.Info.DistinctValues!.Count > 3 ? ", ..." : "")})")
            .ToList();
        if (options.Count == 0) return "";
        var word = unknown.Count == 1 ? $"'{unknown[0]}'" : "those words";
        return $". Did you mean {word} as a value of {string.Join(", or of ", options)}?";
    }

    /// <summary>
    /// Rebuilds the thread's intent from the earlier questions alone, folding follow-ups into what came before,
    /// with the words those questions left out (they are missing from the rebuilt intent too).
    /// </summary>
    private static (QueryIntent? Intent, List<string> LeftOut) Reconstruct(IReadOnlyList<ThreadTurn> history, QuestionParser parser)
    {
        QueryIntent? intent = null;
        var leftOut = new List<string>();
        foreach (var turn in history)
        {
            var text = string.IsNullOrWhiteSpace(turn.StandaloneQuestion) ? turn.Question : turn.StandaloneQuestion;
            var parsed = parser.Parse(text);
            if (intent is not null && (parsed.LooksLikeFollowUp || !parsed.HasSubject && !StandsAlone(parsed) || parsed.Instead))
            {
                intent = Merge(intent, parsed);
                leftOut.AddRange(parsed.Unknown);
            }
            else if (parsed.HasSubject)
            {
                intent = parsed;
                leftOut = [.. parsed.Unknown];
            }
        }
        return (intent, leftOut);
    }

    /// <summary>
    /// What a follow-up kept from the thread: the measure, filters, period and groupings of <paramref name="previous"/>
    /// still in the <paramref name="merged"/> intent that <paramref name="current"/> did not state itself, so the reader
    /// sees that "and in 2019?" still counts only women, by faculty.
    /// </summary>
    internal static IReadOnlyList<string> Inherited(QueryIntent previous, QueryIntent current, QueryIntent merged)
    {
        var kept = new List<string>();
        if (current.Measure is null && merged.Measure is { } measure && measure == previous.Measure)
            kept.Add($"measure {measure.Name}");
        var subject = merged.Measure?.Table ?? merged.Entity;
        foreach (var value in merged.Values.Where(v => previous.Values.Contains(v) && !current.Values.Contains(v)))
        {
            // The value as the subject's table holds it ("Oslo" is a city of the visits and of the members alike).
            var refs = value.Refs.Where(r => r.Column.Table == subject).ToList() is { Count: > 0 } own ? own : [.. value.Refs];
            kept.Add(refs.Select(r => r.Column.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == 1
                ? $"{refs[0].Column.Name} {(value.Negated ? "≠" : "=")} '{refs[0].Value}'"
                : $"{(value.Negated ? "not " : "")}'{value.Text}'");
        }
        foreach (var comparison in merged.Comparisons.Where(c => previous.Comparisons.Contains(c) && !current.Comparisons.Contains(c)))
            kept.Add(string.Create(CultureInfo.InvariantCulture, $"{comparison.Column?.Name ?? comparison.CountOf?.Info.Name} {comparison.Op.ToString().ToLowerInvariant()} {comparison.Value}"));
        if (current.Time is null && merged.Time is { } time && time == previous.Time)
            kept.Add(time is { Kind: TimeKind.Years, Years: var years } ? $"year {string.Join(", ", years)}" : $"period: {time.Kind.ToString().ToLowerInvariant()}");
        foreach (var group in merged.Groups.Where(g => previous.Groups.Contains(g) && !current.Groups.Contains(g)))
            kept.Add($"by {group.Column?.Name ?? group.Table?.Info.Name ?? group.Grain?.ToString().ToLowerInvariant()}");
        return kept;
    }

    internal static QueryIntent Merge(QueryIntent previous, QueryIntent current)
    {
        var merged = previous.Clone();
        merged.Unknown = [.. current.Unknown];
        merged.Doubts = [.. current.Doubts];
        merged.MeaningfulItems = current.MeaningfulItems;
        merged.LooksLikeFollowUp = false;

        if (current.Time is not null)
        {
            if (previous.Time is { Kind: TimeKind.Years, Years: [var before] } && current.Time is { Kind: TimeKind.Years, Years: [var after] } && before != after)
                merged.PreviousYear = before;
            merged.Time = current.Time;
            merged.Growth = null;
        }
        if (current.WantsGrowth && current.Growth is null && merged.PreviousYear is { } from && merged.Time is { Kind: TimeKind.Years, Years: [var to] })
        {
            // "what's the growth between the two?" after two single-year questions.
            merged.Growth = (Math.Min(from, to), Math.Max(from, to));
            merged.Time = null;
        }
        if (current.Growth is not null)
        {
            merged.Growth = current.Growth;
            merged.Time = null;
        }
        if (current.DateColumn is not null) merged.DateColumn = current.DateColumn;

        foreach (var value in current.Values)
        {
            var columns = value.Refs.Select(r => r.Column).ToHashSet();
            merged.Values.RemoveAll(v => v.Refs.Any(r => columns.Contains(r.Column)));
            merged.Values.Add(value);
        }
        foreach (var comparison in current.Comparisons)
        {
            merged.Comparisons.RemoveAll(c => c.Column == comparison.Column);
            merged.Comparisons.Add(comparison);
        }

        var restriction = current.Only && current.Limit is not null && current.Groups.Count == 1 && !current.Groups[0].IsTime
            && !previous.Groups.Contains(current.Groups[0]) && current.Measure is null && current.Entity is null;
        if (restriction)
        {
            merged.TopRestriction = (current.Groups[0], current.Limit!.Value);
        }
        else
        {
            if (current.Groups.Count > 0)
            {
                if (current.Also) merged.Groups.AddRange(current.Groups.Where(g => !merged.Groups.Contains(g)));
                else merged.Groups = [.. current.Groups];
                merged.ListRows = false;
            }
            if (current.Limit is not null)
            {
                merged.Limit = current.Limit;
                merged.Ascending = current.Ascending;
                merged.ExplicitOrder = true;
            }
            else if (current.ExplicitOrder)
            {
                merged.Ascending = current.Ascending;
                merged.ExplicitOrder = true;
            }
        }

        if (current.Measure is not null)
        {
            merged.Measure = current.Measure;
            merged.Aggregate = current.Aggregate;
            merged.ImpliedAggregate = current.ImpliedAggregate;
            merged.Entity = current.Entity;
            merged.ListRows = false;
        }
        else if (current.Entity is not null && (current.Entity == previous.Entity || current.Entity == previous.Measure?.Table))
        {
            // "only books published since 2019" after "pages by genre": naming the same rows again changes nothing.
        }
        else if (current.Entity is not null)
        {
            merged.Entity = current.Entity;
            merged.Measure = null;
            merged.Aggregate = current.Aggregate;
            merged.ListRows = current.ListRows;
        }
        else if (current.Aggregate != Aggregate.None && !(current.Aggregate == Aggregate.Count && previous.Measure is { IsCountLike: true }))
        {
            merged.Aggregate = current.Aggregate;
        }

        if (current.ShareOf is not null || current.ShareOfTotal)
        {
            merged.ShareOf = current.ShareOf;
            merged.ShareOfTotal = current.ShareOfTotal;
        }
        if (current.RatioOf is not null)
        {
            merged.RatioOf = current.RatioOf;
            merged.RatioTo = current.RatioTo;
        }
        if (current.WantsList && current.Measure is null && current.Groups.Count == 0 && current.Aggregate == Aggregate.None)
        {
            // "which ones?": the rows behind the previous figure.
            merged.Entity ??= merged.Measure?.Table;
            merged.Measure = null;
            merged.Aggregate = Aggregate.None;
            merged.ListRows = true;
            merged.Groups.Clear();
            merged.Limit = null;
            merged.ShareOf = null;
            merged.ShareOfTotal = false;
        }
        merged.Chart = current.Chart ?? previous.Chart;
        return merged;
    }

    private SqlDraft Decline(SqlWritingContext context, string reason, IReadOnlyList<string> unknown, IReadOnlyList<string> suggestions)
    {
        var stop = reason.EndsWith('?') || reason.EndsWith('.') ? "" : ".";
        var text = $"I can't answer that reliably: {reason}{stop}";
        if (suggestions.Count > 0) text += " Questions I can answer include: " + string.Join(" / ", suggestions);
        return new SqlDraft(null, 0, text, [], suggestions,
            [new TranscriptEntry(AgentName, "assistant", text, time.GetUtcNow())]);
    }

    private static string Quote(IEnumerable<string> words) => string.Join(", ", words.Select(w => $"'{w}'"));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Offline writer: sql={HasSql} confidence={Confidence} {Interpretation}")]
    private static partial void LogDraft(ILogger logger, bool hasSql, double confidence, string interpretation);
}

using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Semantics;

namespace NlAnalytics.Core.Offline;

/// <summary>
/// The built-in NL-to-SQL writer that needs no LLM. It grounds question words in the catalog (identifiers,
/// comments, the value index, foreign keys), composes one SELECT, and declines with suggestions when it
/// is not sure: a wrong answer stated confidently is worse than no answer.
/// </summary>
public sealed partial class OfflineSqlWriter(TimeProvider time, ILogger<OfflineSqlWriter> logger, ICatalogSemantics? semantics = null) : ISqlWriter
{
    public const string ServiceKey = "offline";
    public const string AgentName = "offline-writer";

    /// <summary>Below this, the writer declines instead of proposing SQL.</summary>
    private const double DeclineBelow = 0.35;

    internal static Lexicon Lexicon { get; } = Lexicon.Merge(EnglishLexicon.Instance, FrenchLexicon.Instance);

    public Task<SqlDraft> WriteAsync(SqlWritingContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var draft = Write(context);
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
        var previous = Reconstruct(context.History, parser);
        var intent = current;
        var followUp = false;
        if (previous is not null && (current.LooksLikeFollowUp || !current.HasSubject || current.Instead))
        {
            intent = Merge(previous, current);
            followUp = true;
        }

        var suggestions = new SuggestionBuilder(index, hinted);
        if (!intent.HasSubject && intent.Values.Count == 0 && intent.Groups.All(g => g.IsTime))
            return Decline(context, "I could not find what to count or measure in the catalog", intent.Unknown, suggestions.For(current));
        if (current.Unknown.Count >= 2 || current.Unknown.Count > 0 && current.Unknown.Count * 2 >= current.MeaningfulItems)
            return Decline(context, $"I don't know what {Quote(current.Unknown)} refer{(current.Unknown.Count == 1 ? "s" : "")} to in this database", current.Unknown, suggestions.For(current));

        var composed = new SqlComposer(index, hinted).Compose(intent);
        if (composed.Sql is null)
            return Decline(context, composed.Interpretation, current.Unknown, suggestions.For(current));

        var confidence = composed.Confidence;
        var interpretation = composed.Interpretation;
        if (current.Unknown.Count > 0)
        {
            confidence = Math.Min(confidence - 0.35, 0.5);
            interpretation += $" (ignoring {Quote(current.Unknown)})";
        }
        if (followUp) confidence -= 0.03;
        if (composed.Doubts.Count > 0) interpretation += $". Unsure: {string.Join("; ", composed.Doubts.Distinct())}";
        confidence = Math.Round(Math.Clamp(confidence, 0, 1), 2);
        if (confidence < DeclineBelow)
            return Decline(context, $"I am not confident enough: {interpretation}", current.Unknown, suggestions.For(current));

        return new SqlDraft(
            composed.Sql,
            confidence,
            interpretation,
            [],
            confidence < 0.7 ? suggestions.For(current) : [],
            [new TranscriptEntry(AgentName, "assistant", $"{interpretation}\n{composed.Sql}", time.GetUtcNow())],
            composed.Chart);
    }

    /// <summary>Rebuilds the thread's intent from the earlier questions alone, folding follow-ups into what came before.</summary>
    private static QueryIntent? Reconstruct(IReadOnlyList<ThreadTurn> history, QuestionParser parser)
    {
        QueryIntent? intent = null;
        foreach (var turn in history)
        {
            var text = string.IsNullOrWhiteSpace(turn.StandaloneQuestion) ? turn.Question : turn.StandaloneQuestion;
            var parsed = parser.Parse(text);
            if (intent is not null && (parsed.LooksLikeFollowUp || !parsed.HasSubject || parsed.Instead)) intent = Merge(intent, parsed);
            else if (parsed.HasSubject) intent = parsed;
        }
        return intent;
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
        var text = $"I can't answer that reliably: {reason}.";
        if (suggestions.Count > 0) text += " Questions I can answer include: " + string.Join(" / ", suggestions);
        return new SqlDraft(null, 0, text, [], suggestions,
            [new TranscriptEntry(AgentName, "assistant", text, time.GetUtcNow())]);
    }

    private static string Quote(IEnumerable<string> words) => string.Join(", ", words.Select(w => $"'{w}'"));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Offline writer: sql={HasSql} confidence={Confidence} {Interpretation}")]
    private static partial void LogDraft(ILogger logger, bool hasSql, double confidence, string interpretation);
}

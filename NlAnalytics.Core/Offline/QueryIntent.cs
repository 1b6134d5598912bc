namespace NlAnalytics.Core.Offline;

internal enum Aggregate { None, Count, CountDistinct, Sum, Average, Min, Max }

/// <summary>Auto: month on a date column, the column itself on an integer year column.</summary>
internal enum TimeGrain { Day, Week, Month, Quarter, Year, Auto }

internal enum TimeKind { Years, Range, Since, Before, Month, Quarter, Rolling, Previous, Current, Latest }

/// <summary>A time restriction, independent of the column it will apply to (resolved when SQL is composed).</summary>
internal sealed record TimeFilter(TimeKind Kind, IReadOnlyList<int> Years, int? Month = null, int? Quarter = null, int N = 0, TimeGrain Grain = TimeGrain.Year);

/// <summary>A value the question names ("poetry", "Oslo"), with every column that holds it.</summary>
internal sealed record ValueMention(string Text, IReadOnlyList<ValueRef> Refs, bool Negated, int Position);

internal enum CompareOp { Greater, Less, AtLeast, AtMost, Between, Equal }

internal sealed record Comparison(ColumnNode Column, CompareOp Op, decimal Value, decimal? Upper = null, bool OnAggregate = false);

/// <summary>A GROUP BY: a dimension column, an entity table (key + label), or a time grain on a date or year column.</summary>
internal sealed record Grouping(ColumnNode? Column, TableNode? Table, TimeGrain? Grain)
{
    public bool IsTime => Grain is not null;
}

/// <summary>What the offline writer understood from a question. Mutable while parsing and merging follow-ups.</summary>
internal sealed class QueryIntent
{
    public Aggregate Aggregate { get; set; }
    public ColumnNode? Measure { get; set; }
    public TableNode? Entity { get; set; }
    public bool ListRows { get; set; }
    public List<Grouping> Groups { get; set; } = [];
    public List<ValueMention> Values { get; set; } = [];
    public List<Comparison> Comparisons { get; set; } = [];
    public TimeFilter? Time { get; set; }
    public ColumnNode? DateColumn { get; set; }
    public int? Limit { get; set; }
    public bool Ascending { get; set; }
    public bool ExplicitOrder { get; set; }
    public ValueMention? ShareOf { get; set; }
    public bool ShareOfTotal { get; set; }
    public ValueMention? RatioOf { get; set; }
    public ValueMention? RatioTo { get; set; }
    public (int From, int To)? Growth { get; set; }
    public string? Chart { get; set; }
    public (Grouping Group, int N)? TopRestriction { get; set; }
    public List<string> Unknown { get; set; } = [];
    public List<string> Doubts { get; set; } = [];
    public bool LooksLikeFollowUp { get; set; }
    public bool Instead { get; set; }
    public bool Also { get; set; }
    public bool Only { get; set; }
    public int MeaningfulItems { get; set; }

    public bool HasSubject => Measure is not null || Entity is not null || Aggregate != Aggregate.None;

    public QueryIntent Clone() => new()
    {
        Aggregate = Aggregate, Measure = Measure, Entity = Entity, ListRows = ListRows, Groups = [.. Groups], Values = [.. Values],
        Comparisons = [.. Comparisons], Time = Time, DateColumn = DateColumn, Limit = Limit, Ascending = Ascending, ExplicitOrder = ExplicitOrder,
        ShareOf = ShareOf, ShareOfTotal = ShareOfTotal, RatioOf = RatioOf, RatioTo = RatioTo, Growth = Growth, Chart = Chart,
        TopRestriction = TopRestriction, Unknown = [.. Unknown], Doubts = [.. Doubts], LooksLikeFollowUp = LooksLikeFollowUp,
        Instead = Instead, Also = Also, Only = Only, MeaningfulItems = MeaningfulItems,
    };
}

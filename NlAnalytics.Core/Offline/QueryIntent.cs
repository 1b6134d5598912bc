namespace NlAnalytics.Core.Offline;

internal enum Aggregate { None, Count, CountDistinct, Sum, Average, Min, Max }

/// <summary>Auto: month on a date column, the column itself on an integer year column.</summary>
/// <summary>How dates are bucketed; <see cref="Weekday"/> groups by day of the week (Monday ... Sunday), not by a period.</summary>
internal enum TimeGrain { Day, Week, Month, Quarter, Year, Auto, Weekday }

internal enum TimeKind { Years, Range, Since, Before, Month, Quarter, Rolling, Previous, Current, Latest }

/// <summary>A time restriction, independent of the column it will apply to (resolved when SQL is composed).</summary>
internal sealed record TimeFilter(TimeKind Kind, IReadOnlyList<int> Years, int? Month = null, int? Quarter = null, int N = 0, TimeGrain Grain = TimeGrain.Year);

/// <summary>A value the question names ("poetry", "Oslo"), with every column that holds it.</summary>
internal sealed record ValueMention(string Text, IReadOnlyList<ValueRef> Refs, bool Negated, int Position);

internal enum CompareOp { Greater, Less, AtLeast, AtMost, Between, Equal }

/// <summary>A numeric condition on a column, or (when <see cref="CountOf"/> is set) on how many related rows of that table there are.</summary>
internal sealed record Comparison(ColumnNode? Column, CompareOp Op, decimal Value, decimal? Upper = null, bool OnAggregate = false, TableNode? CountOf = null);

/// <summary>A GROUP BY: a dimension column, an entity table (key + label), or a time grain on a date or year column.</summary>
/// <summary><see cref="Qualified"/>: the question named the column with its table ("campaign channel"), so no same-named column may replace it.</summary>
/// <summary><see cref="Each"/>: the grouping was introduced by "each", "every" or "per" ("top 3 products in each category"), so a limit can apply within it.</summary>
internal sealed record Grouping(ColumnNode? Column, TableNode? Table, TimeGrain? Grain, bool Qualified = false, bool Per = false, bool Each = false)
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
    /// <summary>"the top 3 products in each category": <see cref="Limit"/> ranks the other grouping within this one (ROW_NUMBER over a partition).</summary>
    public Grouping? RankWithin { get; set; }
    /// <summary>Tables the question names only as context ("members who borrowed"): they decide the base table and joins.</summary>
    public List<TableNode> ContextTables { get; set; } = [];
    /// <summary>The tables of <see cref="ContextTables"/> that a word of the question named ("members who borrowed": loans), with that word.</summary>
    public List<(TableNode Table, string Word)> NamedContext { get; set; } = [];
    /// <summary>Columns to list when the question asks for rows rather than figures.</summary>
    public List<ColumnNode> ListColumns { get; set; } = [];
    /// <summary>Tables whose rows must be absent ("members without loans", "not linked to any campaign").</summary>
    public List<TableNode> Without { get; set; } = [];
    public List<string> Unknown { get; set; } = [];
    /// <summary>
    /// Words the parser read (a cue such as "December", "compared", "top", or a catalog word) but could place in no part of
    /// the intent: the SQL does not reflect them, just as it does not reflect an <see cref="Unknown"/> word.
    /// </summary>
    public List<string> Unplaced { get; set; } = [];
    public List<string> Doubts { get; set; } = [];
    public bool LooksLikeFollowUp { get; set; }
    public bool Instead { get; set; }
    public bool Also { get; set; }
    public bool Only { get; set; }
    public bool AsksWhen { get; set; }
    /// <summary>The question asks for rows ("list", "which ones", "show me").</summary>
    public bool WantsList { get; set; }
    /// <summary>A growth or change was asked for without naming the periods ("the growth between the two").</summary>
    public bool WantsGrowth { get; set; }
    public bool Cumulative { get; set; }
    /// <summary>"average revenue per branch": the measure's total divided by the number of these rows.</summary>
    public TableNode? PerEntity { get; set; }
    /// <summary>"freight revenue per kilogram": the measure's total divided by the total of this other measure.</summary>
    public ColumnNode? PerMeasure { get; set; }
    /// <summary>The year a follow-up replaced ("and in 2021?" after 2011), so "the growth between the two" can be answered.</summary>
    public int? PreviousYear { get; set; }
    public bool WhenLatest { get; set; }
    public int MeaningfulItems { get; set; }
    /// <summary>The measure is summed or averaged by default: no word of the question asked for a total, an average or a count.</summary>
    public bool ImpliedAggregate { get; set; }
    /// <summary>"average song length in minutes": the measure's seconds per <c>Seconds</c> of the unit asked for, and its word.</summary>
    public (decimal ColumnSeconds, decimal UnitSeconds, string Word)? MeasureUnit { get; set; }

    public bool HasSubject => Measure is not null || Entity is not null;

    public QueryIntent Clone() => new()
    {
        Aggregate = Aggregate, Measure = Measure, Entity = Entity, ListRows = ListRows, Groups = [.. Groups], Values = [.. Values],
        Comparisons = [.. Comparisons], Time = Time, DateColumn = DateColumn, Limit = Limit, Ascending = Ascending, ExplicitOrder = ExplicitOrder,
        ShareOf = ShareOf, ShareOfTotal = ShareOfTotal, RatioOf = RatioOf, RatioTo = RatioTo, Growth = Growth, Chart = Chart,
        TopRestriction = TopRestriction, RankWithin = RankWithin, ContextTables = [.. ContextTables], NamedContext = [.. NamedContext], ListColumns = [.. ListColumns], Without = [.. Without], Unknown = [.. Unknown], Unplaced = [.. Unplaced], Doubts = [.. Doubts], LooksLikeFollowUp = LooksLikeFollowUp,
        Instead = Instead, Also = Also, Only = Only, AsksWhen = AsksWhen, WantsList = WantsList, WantsGrowth = WantsGrowth, Cumulative = Cumulative, PerEntity = PerEntity, PerMeasure = PerMeasure, PreviousYear = PreviousYear, WhenLatest = WhenLatest, MeaningfulItems = MeaningfulItems, ImpliedAggregate = ImpliedAggregate, MeasureUnit = MeasureUnit,
    };
}

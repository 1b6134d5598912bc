namespace NlAnalytics.Core.Offline;

internal sealed partial class QuestionParser
{
    /// <summary>
    /// Cues that change which rows or figures answer the question: left unused, the SQL answers another question
    /// ("December sales 2025" read as all of 2025). Cues that only shape wording (a filler, "which", a chart kind) or
    /// that the composer reads itself when unplaced (growth) are not among them.
    /// </summary>
    private static readonly HashSet<CueKind> Restricting =
    [
        CueKind.Average, CueKind.Min, CueKind.Max, CueKind.Top, CueKind.Bottom, CueKind.Most, CueKind.Least, CueKind.Highest, CueKind.Lowest,
        CueKind.Greater, CueKind.Less, CueKind.AtLeast, CueKind.AtMost, CueKind.Between, CueKind.Equal, CueKind.Not,
        CueKind.Share, CueKind.Ratio, CueKind.Compare, CueKind.Since, CueKind.After, CueKind.Before, CueKind.Last, CueKind.Latest,
        CueKind.Month, CueKind.Quarter, CueKind.Unit,
    ];

    private static readonly HashSet<CueKind> Fillers = [CueKind.During, CueKind.With, CueKind.From, CueKind.To, CueKind.Only, CueKind.List];

    private QueryIntent Build(List<Item> items)
    {
        var intent = new QueryIntent();
        var tableMentions = items.Where(i => i.Schema is not null).SelectMany(i => i.Schema!).Where(r => r.Column is null && r.Score >= 0.6).Select(r => r.Table).ToHashSet();
        _mentions = items.Where(i => i.Schema is not null || i.Values is not null)
            .SelectMany(i => (i.Schema?.Where(r => r.Score >= CatalogIndex.ContextScore).Select(r => r.Table) ?? []).Concat(i.Values?.Select(v => v.Column.Table) ?? []).Distinct())
            .GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        _stems = items.SelectMany(i => i.Stem.Split(' ')).ToHashSet();
        var when = items.FindIndex(i => i.Is(CueKind.When));
        if (when >= 0)
        {
            items[when].Used = true;
            // "When did the first branch open?": first/earliest mean the minimum date, latest/newest the maximum.
            foreach (var item in items.Where(i => i.Cue?.Kind is CueKind.Top or CueKind.Latest or CueKind.Last or CueKind.Bottom && i.Schema is null))
            {
                if (At(items, NextIndex(items, items.IndexOf(item))) is { Number: not null }) continue;
                item.Used = true;
                intent.WhenLatest = item.Cue!.Kind is CueKind.Latest or CueKind.Last;
            }
            intent.AsksWhen = true;
        }

        // Conversation cues.
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            switch (item.Cue?.Kind)
            {
                case CueKind.FollowUp when k <= 2:
                case CueKind.And when k == 0:
                    intent.LooksLikeFollowUp = true;
                    item.Used = true;
                    break;
                case CueKind.Instead:
                    intent.Instead = true;
                    item.Used = true;
                    break;
                case CueKind.Also:
                    intent.Also = true;
                    item.Used = true;
                    break;
                case CueKind.Only:
                    intent.Only = true;
                    intent.LooksLikeFollowUp |= k <= 1;
                    item.Used = true;
                    break;
                case CueKind.Chart when item.Values is null && item.Schema is null:
                    intent.Chart = item.Cue.Argument;
                    item.Used = true;
                    break;
                case CueKind.Cumulative:
                    intent.Cumulative = true;
                    item.Used = true;
                    break;
                case CueKind.Ascending:
                    intent.Ascending = true;
                    intent.ExplicitOrder = true;
                    item.Used = true;
                    break;
                case CueKind.Descending:
                    intent.Ascending = false;
                    intent.ExplicitOrder = true;
                    item.Used = true;
                    break;
            }
        }

        ParseTime(items, intent);
        ParseComparisons(items, intent);
        ParseRatios(items, intent);
        ParseSuperlatives(items, intent, tableMentions);
        ParseGroupings(items, intent, tableMentions);
        ParseAggregates(items, intent, tableMentions);
        ParseValues(items, intent);
        ParseAbsences(items, intent);
        ParseLeftovers(items, intent, tableMentions);
        Complete(items, intent);
        if (intent.PerMeasure is { } alone && intent.Measure is null)
        {
            // Nothing else was measured after all: "per kilogram" named the measure itself.
            intent.Measure = alone;
            intent.PerMeasure = null;
        }
        return intent;
    }

    private int NextIndex(List<Item> items, int k, bool skipFillers = true, bool skipValues = false)
    {
        for (var j = k + 1; j < items.Count; j++)
        {
            var item = items[j];
            if (item.Stop && item.Cue is null && item.Schema is null && item.Values is null) continue;
            if (skipFillers && item.Cue is { } cue && Fillers.Contains(cue.Kind) && item.Schema is null && item.Values is null) continue;
            if (skipFillers && item.Is(CueKind.Distinct)) continue;
            if (skipValues && item.Values is not null && item.Schema is null && !item.Used) continue;
            return j;
        }
        return -1;
    }

    private int PreviousIndex(List<Item> items, int k)
    {
        for (var j = k - 1; j >= 0; j--)
        {
            var item = items[j];
            if (item.Stop && item.Cue is null && item.Schema is null && item.Values is null) continue;
            if (item.Cue is { } cue && Fillers.Contains(cue.Kind) && item.Schema is null && item.Values is null) continue;
            return j;
        }
        return -1;
    }

    private Item? At(List<Item> items, int k) => k >= 0 && k < items.Count ? items[k] : null;

    // ---- time ----

    private void ParseTime(List<Item> items, QueryIntent intent)
    {
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            if (item.Used || item.Cue is null) continue;
            switch (item.Cue.Kind)
            {
                case CueKind.Last:
                {
                    var j = NextIndex(items, k);
                    var next = At(items, j);
                    if (next is { Number: { } n, IsYear: false } && At(items, NextIndex(items, j)) is { Cue.Kind: CueKind.Grain } grain)
                    {
                        intent.Time = new TimeFilter(TimeKind.Rolling, [], N: (int)n, Grain: ParseGrain(grain.Cue!.Argument));
                        item.Used = next.Used = grain.Used = true;
                    }
                    else if (next is { Cue.Kind: CueKind.Grain })
                    {
                        intent.Time = new TimeFilter(TimeKind.Previous, [], Grain: ParseGrain(next.Cue!.Argument));
                        item.Used = next.Used = true;
                    }
                    break;
                }
                case CueKind.This when At(items, NextIndex(items, k)) is { Cue.Kind: CueKind.Grain } grain:
                    intent.Time = new TimeFilter(TimeKind.Current, [], Grain: ParseGrain(grain.Cue!.Argument));
                    item.Used = grain.Used = true;
                    break;
                case CueKind.Latest:
                    intent.Time = new TimeFilter(TimeKind.Latest, [], Grain: At(items, NextIndex(items, k)) is { Cue.Kind: CueKind.Grain } g ? ParseGrain(g.Cue!.Argument) : TimeGrain.Year);
                    item.Used = true;
                    if (At(items, NextIndex(items, k)) is { Cue.Kind: CueKind.Grain } latestGrain) latestGrain.Used = true;
                    break;
                case CueKind.Month:
                {
                    var year = At(items, NextIndex(items, k, skipFillers: true)) is { IsYear: true } y ? y : null;
                    var previous = At(items, k - 1);
                    var anchored = year is not null || previous?.Cue?.Kind is CueKind.During or CueKind.Since or CueKind.From or CueKind.Before or CueKind.After or CueKind.Between;
                    if (!anchored) break;
                    item.Used = true;
                    if (year is not null) year.Used = true;
                    if (previous?.Cue?.Kind is CueKind.Since or CueKind.After && year is not null)
                        intent.Time = new TimeFilter(TimeKind.Since, [(int)year.Number!.Value], Month: item.Cue.IntArgument + (previous.Cue.Kind == CueKind.After ? 1 : 0));
                    else
                        intent.Time = new TimeFilter(TimeKind.Month, year is null ? [] : [(int)year.Number!.Value], Month: item.Cue.IntArgument);
                    break;
                }
                case CueKind.Quarter:
                {
                    var year = At(items, NextIndex(items, k, skipFillers: true)) is { IsYear: true } y ? y : null;
                    item.Used = true;
                    if (year is not null) year.Used = true;
                    intent.Time = new TimeFilter(TimeKind.Quarter, year is null ? [] : [(int)year.Number!.Value], Quarter: item.Cue.IntArgument);
                    break;
                }
                case CueKind.Since or CueKind.After when At(items, NextIndex(items, k, skipFillers: false)) is { IsYear: true } year:
                    intent.Time = new TimeFilter(TimeKind.Since, [(int)year.Number!.Value + (item.Is(CueKind.After) ? 1 : 0)]);
                    item.Used = year.Used = true;
                    break;
                case CueKind.Before when At(items, NextIndex(items, k, skipFillers: false)) is { IsYear: true } year:
                    intent.Time = new TimeFilter(TimeKind.Before, [(int)year.Number!.Value]);
                    item.Used = year.Used = true;
                    break;
                case CueKind.From or CueKind.Between:
                {
                    var first = At(items, k + 1);
                    var link = At(items, k + 2);
                    var second = At(items, k + 3);
                    if (first is { IsYear: true } && link?.Cue?.Kind is CueKind.To or CueKind.And or CueKind.Before && second is { IsYear: true }
                        && !items.Any(i => i.Is(CueKind.Growth)))
                    {
                        intent.Time = new TimeFilter(TimeKind.Range, [(int)first.Number!.Value, (int)second.Number!.Value]);
                        item.Used = first.Used = link.Used = second.Used = true;
                    }
                    else if (item.Is(CueKind.From) && first is { IsYear: true } && !(link?.Cue?.Kind is CueKind.And))
                    {
                        // "from 2019" alone reads as "in 2019" when nothing bounds it; handled with plain years below.
                    }
                    break;
                }
                case CueKind.GrainAdjective:
                    intent.Groups.Add(new Grouping(null, null, ParseGrain(item.Cue.Argument)));
                    item.Used = true;
                    break;
                case CueKind.PeriodOverPeriod:
                    intent.Groups.Add(new Grouping(null, null, ParseGrain(item.Cue.Argument)));
                    intent.WantsGrowth = true;
                    item.Used = true;
                    break;
                case CueKind.OverTime:
                    intent.Groups.Add(new Grouping(null, null, TimeGrain.Auto));
                    item.Used = true;
                    break;
            }
        }

        // Bare years: "in 2020", "2020 vs 2021", "2011-2020". Years right after a comparison cue are left to the comparison step.
        var years = new List<Item>();
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            if (!item.IsYear || item.Used) continue;
            var previous = At(items, PreviousIndex(items, k));
            if (previous?.Cue?.Kind is CueKind.Greater or CueKind.Less or CueKind.AtLeast or CueKind.AtMost or CueKind.Equal or CueKind.Top or CueKind.Bottom) continue;
            if (At(items, NextIndex(items, k, skipFillers: false)) is { Cue.Kind: CueKind.AtLeast or CueKind.AtMost }) continue;
            years.Add(item);
        }
        if (years.Count == 0) return;
        var hasGrowth = items.Any(i => i.Is(CueKind.Growth) || i.Is(CueKind.Compare));
        // "the change from one month to the next in 2023": a series within the year, not 2023 against 2022.
        var seriesOfChanges = items.Any(i => i.Is(CueKind.PeriodOverPeriod));
        if (years.Count >= 2 && items.Any(i => i.Is(CueKind.Growth)) && !seriesOfChanges)
        {
            intent.Growth = ((int)years[0].Number!.Value, (int)years[^1].Number!.Value);
            foreach (var y in years) y.Used = true;
            return;
        }
        if (years.Count == 1 && items.Any(i => i.Is(CueKind.Growth) && !i.Used) && intent.Time is null && !seriesOfChanges)
        {
            var y = (int)years[0].Number!.Value;
            intent.Growth = (y - 1, y);
            years[0].Used = true;
            return;
        }
        if (years.Count == 2 && years[1].Start == years[0].End && years[0].Number < years[1].Number)
        {
            intent.Time = new TimeFilter(TimeKind.Range, [(int)years[0].Number!.Value, (int)years[1].Number!.Value]);
        }
        else
        {
            intent.Time = new TimeFilter(TimeKind.Years, years.Select(y => (int)y.Number!.Value).Distinct().ToList());
            if (years.Count > 1 && (hasGrowth || !intent.Groups.Any(g => g.IsTime)))
            {
                intent.Groups.Add(new Grouping(null, null, TimeGrain.Year));
                // "compare 2024 and 2025": the years side by side are the comparison asked for.
                foreach (var compare in items.Where(i => i.Is(CueKind.Compare))) compare.Used = true;
            }
        }
        foreach (var y in years) y.Used = true;
    }

    private TimeGrain ParseGrain(string? argument) => argument switch
    {
        "day" => TimeGrain.Day,
        "week" => TimeGrain.Week,
        "month" => TimeGrain.Month,
        "quarter" => TimeGrain.Quarter,
        "weekday" => TimeGrain.Weekday,
        _ => TimeGrain.Year,
    };

    // ---- numeric comparisons ----

    private bool IsNumericColumn(ColumnNode column) => column.IsMeasure || column.IsYear || column.IsCountLike;

    private ColumnNode? NumericColumnAt(Item? item) => NumericRefAt(item)?.Column;

    private SchemaRef? NumericRefAt(Item? item) =>
        item?.Schema?.Where(r => r.Column is not null && IsNumericColumn(r.Column)).OrderByDescending(Fit).FirstOrDefault();

    private void ParseComparisons(List<Item> items, QueryIntent intent)
    {
        for (var k = 0; k < items.Count; k++)
        {
            var cue = items[k];
            if (cue.Used || cue.Cue is null) continue;
            CompareOp? op = cue.Cue.Kind switch
            {
                CueKind.Greater => CompareOp.Greater,
                CueKind.Less => CompareOp.Less,
                CueKind.AtLeast => CompareOp.AtLeast,
                CueKind.AtMost => CompareOp.AtMost,
                CueKind.Equal => CompareOp.Equal,
                CueKind.Between => CompareOp.Between,
                _ => null,
            };
            if (op is null) continue;

            Item? number;
            Item? upper = null;
            int after;
            if (op is CompareOp.AtLeast or CompareOp.AtMost && At(items, k - 1) is { Number: not null, Used: false } postfix && (cue.Text.StartsWith("or", StringComparison.Ordinal) || cue.Text.StartsWith("and", StringComparison.Ordinal)))
            {
                number = postfix;
                after = k;
            }
            else
            {
                var j = NextIndex(items, k, skipFillers: false);
                number = At(items, j);
                if (number is not { Number: not null, Used: false }) continue;
                after = j;
                if (op == CompareOp.Between)
                {
                    if (At(items, j + 1) is not { Cue.Kind: CueKind.And } || At(items, j + 2) is not { Number: not null } second) continue;
                    upper = second;
                    after = j + 2;
                }
            }

            Item? unit = At(items, after + 1) is { Cue.Kind: CueKind.Unit, Schema: null } u ? u : null;
            if (unit is not null) after++;
            var columnItem = At(items, NextIndex(items, after, skipFillers: false));
            var column = NumericColumnAt(columnItem);
            if (column is null && unit is null && number.IsYear is false && columnItem?.Schema?.FirstOrDefault(r => r.Column is null && r.Score >= 0.6) is { } counted && !columnItem.Used)
            {
                // "more than 5 loans": a condition on how many related rows there are.
                intent.Comparisons.Add(new Comparison(null, op.Value, number.Number!.Value, upper?.Number, CountOf: counted.Table));
                cue.Used = number.Used = columnItem.Used = true;
                if (upper is not null) upper.Used = true;
                continue;
            }
            if (column is null)
            {
                for (var back = k - 1; back >= Math.Max(0, k - 4) && column is null; back--)
                {
                    column = NumericColumnAt(items[back]);
                    if (column is not null) columnItem = items[back];
                }
            }
            if (column is null && cue.Cue.Argument is { } hint)
                column = HintedMeasure(hint, null);

            if (column is null)
            {
                if (number.IsYear)
                {
                    var y = (int)number.Number!.Value;
                    intent.Time = op switch
                    {
                        CompareOp.Greater => new TimeFilter(TimeKind.Since, [y + 1]),
                        CompareOp.AtLeast => new TimeFilter(TimeKind.Since, [y]),
                        CompareOp.Less => new TimeFilter(TimeKind.Before, [y]),
                        CompareOp.AtMost => new TimeFilter(TimeKind.Before, [y + 1]),
                        CompareOp.Between when upper is { IsYear: true } => new TimeFilter(TimeKind.Range, [y, (int)upper.Number!.Value]),
                        _ => new TimeFilter(TimeKind.Years, [y]),
                    };
                    cue.Used = number.Used = true;
                    if (upper is not null) upper.Used = true;
                }
                continue;
            }
            var factor = 1m;
            if (unit is not null)
            {
                var seconds = decimal.Parse(unit.Cue!.Argument!, System.Globalization.CultureInfo.InvariantCulture);
                if (SecondsPer(column) is { } own) factor = seconds / own;
                else intent.Doubts.Add($"the unit '{unit.Text}' may not be the unit of {column.Name}");
                unit.Used = true;
            }
            intent.Comparisons.Add(new Comparison(column, op.Value, number.Number!.Value * factor, upper?.Number * factor));
            cue.Used = number.Used = true;
            if (upper is not null) upper.Used = true;
            if (columnItem is not null && columnItem.Schema!.All(r => r.Column is not null)) columnItem.Used = true;
        }
    }

    // ---- shares, ratios, growth ----

    private void ParseRatios(List<Item> items, QueryIntent intent)
    {
        for (var k = 0; k < items.Count; k++)
        {
            var cue = items[k];
            if (cue.Used || cue.Cue is null) continue;
            if (cue.Is(CueKind.Share))
            {
                cue.Used = true;
                var value = FindValue(items, k, 6);
                // "share of Oslo members that are women": the value after "that" is the part, the first one a filter.
                var relative = value is null ? -1 : items.FindIndex(items.IndexOf(value) + 1, i => i.Is(CueKind.With) && !i.Used);
                if (relative >= 0 && FindValue(items, relative, 4) is { } part)
                {
                    items[relative].Used = true;
                    value = part;
                }
                if (value is not null)
                {
                    intent.ShareOf = ToMention(items, value);
                    value.Used = true;
                }
                else
                {
                    intent.ShareOfTotal = true;
                }
            }
            else if (cue.Is(CueKind.Ratio))
            {
                cue.Used = true;
                var first = FindValue(items, k, 4);
                if (first is null) continue;
                first.Used = true;
                var second = FindValue(items, items.IndexOf(first), 4);
                intent.RatioOf = ToMention(items, first);
                if (second is not null)
                {
                    second.Used = true;
                    intent.RatioTo = ToMention(items, second);
                }
            }
            else if (cue.Is(CueKind.Growth) && intent.Growth is not null)
            {
                cue.Used = true;
            }
        }
    }

    private Item? FindValue(List<Item> items, int k, int window)
    {
        for (var j = k + 1; j < items.Count && j <= k + window; j++)
            if (items[j] is { Values: not null, Used: false } v && v.Schema is null) return v;
        return null;
    }

    private ValueMention ToMention(List<Item> items, Item value)
    {
        var k = items.IndexOf(value);
        var negated = false;
        for (var j = k - 1; j >= 0 && j >= k - 3; j--)
        {
            var before = items[j];
            if (before.Is(CueKind.Not)) { negated = true; before.Used = true; break; }
            if (before.Values is not null || before.Schema is not null || before.Number is not null) break;
        }
        return new ValueMention(value.Text, value.Values!, negated, value.Start);
    }

    // ---- top / bottom / most / least ----

    private Dictionary<TableNode, int>? _mentions;

    /// <summary>How strongly a reference fits: its own score plus how often the question mentions its table elsewhere.</summary>
    private HashSet<string> _stems = [];

    private double Fit(SchemaRef r)
    {
        var fit = r.Score + 0.1 * (_mentions?.GetValueOrDefault(r.Table) ?? 0);
        if (r.Column is not { } column) return fit;
        // Other question words naming this column ("amount refunded" → a refund amount column) count for it.
        fit += 0.25 * column.NameStems.Count(_stems.Contains) + 0.05 * column.CommentStems.Count(_stems.Contains);
        // An attribute such as a price belongs to the smallest table that has it; an additive measure to the largest (the facts).
        var size = Math.Log10(Math.Max(1, column.Table.Info.RowEstimate) + 1) * 0.01;
        return column.IsMeasure && column.IsNonAdditive ? fit - size : fit + size;
    }

    /// <summary>A measure column whose name or comment holds one of <paramref name="words"/> ("price cost"), preferring tables the question mentions.</summary>
    private ColumnNode? HintedMeasure(string words, TableNode? preferred)
    {
        var wanted = words.Split(' ').Select(TextNormalizer.Stem).ToList();
        return index.Tables.SelectMany(t => t.Columns)
            .Where(c => c.IsMeasure && wanted.Any(w => c.NameStems.Contains(w) || c.CommentStems.Contains(w)))
            .Select(c => (Column: c, Score: (c.Table == preferred ? 2 : 0) + 0.2 * (_mentions?.GetValueOrDefault(c.Table) ?? 0)
                + (wanted.FindIndex(c.NameStems.Contains) is >= 0 and var named ? 0.5 - named * 0.1 : -0.1 * wanted.FindIndex(c.CommentStems.Contains))
                + Math.Log10(Math.Max(1, c.Table.Info.RowEstimate) + 1) * (c.IsNonAdditive ? -0.01 : 0.01)))
            .OrderByDescending(x => x.Score).Select(x => x.Column).FirstOrDefault();
    }

    private SchemaRef? EntityRef(Item? item) =>
        item?.Schema?.Where(r => r.Column is null || (r.Column.IsDimension && !r.Column.IsMeasure) || r.Column.IsYear || r.Column.IsDate).OrderByDescending(r => Fit(r) + (r.Column is null ? 0.05 : 0)).FirstOrDefault();

    /// <summary>
    /// In a noun compound the last noun is the head: "book author" is the author of a book, "product category" the
    /// category of a product. When the table noun at <paramref name="j"/> is followed by a noun naming a table it
    /// points to (one many-to-one key) or one of its own columns, that noun is what the rows are grouped or ranked by,
    /// and the first noun is read as saying whose. Returns the index of the head (and marks the modifier used), or j.
    /// </summary>
    private int HeadOfCompound(List<Item> items, int j)
    {
        if (EntityRef(At(items, j)) is not { Column: null } modifier || NumericColumnAt(items[j]) is not null) return j;
        if (At(items, j + 1) is not { Used: false } next || NumericColumnAt(next) is not null || EntityRef(next) is not { } head) return j;
        var related = head.Column is null
            ? head.Table != modifier.Table && index.PathTo([modifier.Table], head.Table) is [{ ManyToOne: true }]
            : head.Column.Table == modifier.Table && !head.Column.IsKey;
        if (!related) return j;
        items[j].Used = true;
        return j + 1;
    }

    private Grouping ToGrouping(SchemaRef reference) =>
        reference.Column is null ? new Grouping(null, reference.Table, null)
        : reference.Column.IsDate ? new Grouping(reference.Column, null, TimeGrain.Day)
        : reference.Column.IsYear ? new Grouping(reference.Column, null, TimeGrain.Year)
        : new Grouping(reference.Column, null, null, reference.Score >= CatalogIndex.QualifiedScore);

    private void ParseSuperlatives(List<Item> items, QueryIntent intent, HashSet<TableNode> tables)
    {
        for (var k = 0; k < items.Count; k++)
        {
            var cue = items[k];
            if (cue.Used || cue.Cue is null || cue.Schema is not null || cue.Values is not null) continue;
            switch (cue.Cue.Kind)
            {
                case CueKind.Top or CueKind.Bottom:
                {
                    var j = NextIndex(items, k);
                    var n = At(items, j);
                    int? limit = null;
                    if (n is { Number: not null, IsPercent: false, Used: false } && n.Number < 100000)
                    {
                        limit = (int)n.Number.Value;
                        n.Used = true;
                        j = NextIndex(items, j, skipValues: true);
                    }
                    j = HeadOfCompound(items, j);
                    var target = At(items, j);
                    // "the 10 most streamed": the number sits before the cue.
                    cue.Used = true;
                    intent.Ascending = cue.Is(CueKind.Bottom);
                    intent.ExplicitOrder = true;
                    var entity = EntityRef(target);
                    if (entity is not null && !target!.Used)
                    {
                        intent.Groups.Add(ToGrouping(entity));
                        target.Used = true;
                        limit ??= target.IsSingular ? 1 : 10;
                    }
                    intent.Limit = limit ?? intent.Limit ?? 10;
                    break;
                }
                case CueKind.Most or CueKind.Least or CueKind.Highest or CueKind.Lowest:
                {
                    cue.Used = true;
                    var ascending = cue.Cue.Kind is CueKind.Least or CueKind.Lowest;
                    var before = At(items, PreviousIndex(items, k));
                    int? limit = before is { Number: not null, Used: false, IsYear: false } ? (int)before.Number.Value : null;
                    if (limit is not null) before!.Used = true;
                    // The entity ranked: "which branch ...", "the branch with the most ...", "the most borrowed books".
                    Item? entityItem = null;
                    var measureIndex = NextIndex(items, k);
                    var measureItem = At(items, measureIndex);
                    var which = items.FindIndex(i => i.Is(CueKind.Which) && !i.Used);
                    var afterWhich = which >= 0 ? NextIndex(items, which, skipValues: true) : -1;
                    if (At(items, afterWhich) is { Number: not null, IsYear: false } whichCount)
                    {
                        // "which 3 branches ..."
                        limit ??= (int)whichCount.Number.Value;
                        whichCount.Used = true;
                        afterWhich = NextIndex(items, afterWhich, skipValues: true);
                    }
                    if (EntityRef(At(items, afterWhich)) is not null && NumericColumnAt(items[afterWhich]) is null)
                        entityItem = items[HeadOfCompound(items, afterWhich)];
                    else if (At(items, afterWhich) is { Cue.Kind: CueKind.Grain, Used: false } period)
                    {
                        // "which month had the highest revenue?": rank the periods.
                        period.Used = items[which].Used = true;
                        intent.Groups.Add(new Grouping(null, null, ParseGrain(period.Cue!.Argument)));
                        intent.Limit = limit ?? 1;
                        intent.Ascending = ascending;
                        intent.ExplicitOrder = true;
                        if (NumericColumnAt(measureItem) is { } ranked)
                        {
                            intent.Measure ??= ranked;
                            measureItem!.Used = true;
                        }
                        break;
                    }
                    if (entityItem is null)
                    {
                        var prior = PreviousIndex(items, before is not null && limit is not null ? items.IndexOf(before) : k);
                        if (EntityRef(At(items, prior)) is not null && !items[prior].Used && NumericColumnAt(items[prior]) is null) entityItem = items[prior];
                        else if (NumericColumnAt(measureItem) is not null && EntityRef(At(items, NextIndex(items, measureIndex, skipValues: true))) is { } after && after.Column is null)
                            entityItem = At(items, NextIndex(items, measureIndex, skipValues: true));
                        else if (NumericColumnAt(measureItem) is null && EntityRef(measureItem) is { Column: not null } dimension && !dimension.Column.IsDate)
                            entityItem = measureItem; // "most common payment method"
                    }
                    if (cue.Cue.Argument is { } hint && intent.Measure is null && NumericColumnAt(measureItem) is null)
                        intent.Measure = HintedMeasure(hint, EntityRef(entityItem ?? measureItem)?.Table);
                    if (entityItem is not null && EntityRef(entityItem) is { } entity)
                    {
                        if (which >= 0) items[which].Used = true;
                        intent.Groups.Add(ToGrouping(entity));
                        entityItem.Used = true;
                        intent.Limit = limit ?? intent.Limit ?? (entityItem.IsSingular ? 1 : 10); // "top 5 heaviest ...": the top cue's number stays
                        intent.Ascending = ascending;
                        intent.ExplicitOrder = true;
                    }
                    else if (cue.Cue.Kind is CueKind.Highest or CueKind.Lowest)
                    {
                        intent.Aggregate = ascending ? Aggregate.Min : Aggregate.Max;
                        if (EntityRef(measureItem) is { Column: null } ranked && NumericColumnAt(measureItem) is null && intent.Measure is not null)
                        {
                            // "the most expensive book": rank the books by the hinted column.
                            intent.Groups.Add(ToGrouping(ranked));
                            measureItem!.Used = true;
                            intent.Aggregate = Aggregate.None;
                            intent.Limit = limit ?? intent.Limit ?? (measureItem.IsSingular ? 1 : 10);
                            intent.Ascending = ascending;
                            intent.ExplicitOrder = true;
                        }
                    }
                    else
                    {
                        intent.Ascending = ascending;
                        intent.ExplicitOrder = true;
                        intent.Limit = limit ?? 1;
                    }
                    break;
                }
            }
        }
    }

    // ---- groupings ----

    /// <summary>Grouping cues that name one group at a time ("in each category"), unlike "by": a ranking can apply within them.</summary>
    private static readonly HashSet<string> EachWords = ["each", "every", "for each", "for every", "in each", "by each", "per", "pour chaque", "chaque"];

    private void ParseGroupings(List<Item> items, QueryIntent intent, HashSet<TableNode> tables)
    {
        for (var k = 0; k < items.Count; k++)
        {
            var cue = items[k];
            if (cue.Used || !cue.Is(CueKind.GroupBy) || cue.Schema is not null) continue;
            if (At(items, k + 1) is { Text: "all" } all)
            {
                // "across all books", "for all years": a total, not a breakdown.
                cue.Used = all.Used = true;
                continue;
            }
            var j = NextIndex(items, k, skipValues: true);
            while (j >= 0)
            {
                if (items[j].Used) break;
                j = HeadOfCompound(items, j);
                var target = items[j];
                if (target.Cue?.Kind == CueKind.Grain && target.Schema is null)
                {
                    intent.Groups.Add(new Grouping(null, null, ParseGrain(target.Cue.Argument)));
                }
                else if (target.Cue?.Kind == CueKind.Grain && target.Schema?.FirstOrDefault(r => r.Column?.IsYear == true) is { } yearColumn)
                {
                    intent.Groups.Add(new Grouping(yearColumn.Column, null, TimeGrain.Year));
                }
                else if (NumericRefAt(target) is { } perUnit && !perUnit.Column!.IsYear && cue.Text is "per" && target.IsSingular
                    && items.Take(k).Any(i => !i.Used && NumericColumnAt(i) is { } before && before != perUnit.Column && before.Table == perUnit.Column.Table))
                {
                    // "freight revenue per kilogram": a unit of another measure of the same rows divides by that measure's total.
                    intent.PerMeasure = perUnit.Column;
                    target.Used = cue.Used = true;
                    break;
                }
                else if (NumericRefAt(target) is { } measure && !measure.Column!.IsYear && (EntityRef(target) is not { } rival || rival.Score < measure.Score))
                {
                    // "top branches by revenue": a measure after "by" is what to rank by, not a grouping.
                    intent.Measure ??= measure.Column;
                    target.Used = true;
                    cue.Used = true;
                    break;
                }
                else if (EntityRef(target) is { } entity)
                {
                    intent.Groups.Add(ToGrouping(entity) with { Per = cue.Text is "per" or "par", Each = EachWords.Contains(cue.Text) });
                }
                else
                {
                    break;
                }
                cue.Used = target.Used = true;
                var link = NextIndex(items, j);
                if (At(items, link) is { Cue.Kind: CueKind.And } and)
                {
                    var following = NextIndex(items, link);
                    if (At(items, following) is { } f && (EntityRef(f) is not null || f.Is(CueKind.Grain)) && NumericColumnAt(f) is null)
                    {
                        and.Used = true;
                        j = following;
                        continue;
                    }
                }
                break;
            }
        }
    }

    // ---- aggregates ----

    private void ParseAggregates(List<Item> items, QueryIntent intent, HashSet<TableNode> tables)
    {
        var distinct = items.Any(i => i.Is(CueKind.Distinct));
        for (var k = 0; k < items.Count; k++)
        {
            var cue = items[k];
            if (cue.Used || cue.Cue is null || cue.Schema is not null) continue;
            var aggregate = cue.Cue.Kind switch
            {
                CueKind.Count => Aggregate.Count,
                CueKind.Sum => Aggregate.Sum,
                CueKind.Average => Aggregate.Average,
                CueKind.Min => Aggregate.Min,
                CueKind.Max => Aggregate.Max,
                _ => Aggregate.None,
            };
            if (aggregate == Aggregate.None) continue;
            cue.Used = true;
            var j = NextIndex(items, k, skipValues: true);
            var target = At(items, j);
            // "total number of visitors", "average number of ...": the inner cue decides what is counted.
            if (target?.Cue?.Kind is CueKind.Count && target.Schema is null)
            {
                target.Used = true;
                if (aggregate == Aggregate.Sum) aggregate = Aggregate.Count;
                j = NextIndex(items, j, skipValues: true);
                target = At(items, j);
            }
            if (intent.Aggregate == Aggregate.None || intent.Aggregate == aggregate || aggregate is Aggregate.Average or Aggregate.Min or Aggregate.Max)
                intent.Aggregate = aggregate;
            if (aggregate == Aggregate.Count)
            {
                // "how many gold tier members": look past values and describing columns for the thing counted.
                for (var look = j; look >= 0 && look <= j + 4; look = NextIndex(items, look, skipValues: true))
                {
                    var candidate = items[look];
                    if (candidate.Used || candidate.Schema is null) break;
                    if (candidate.Schema.Any(r => r.Column is null && r.Score >= 0.6) || NumericRefAt(candidate) is not null)
                    {
                        target = candidate;
                        break;
                    }
                }
                // "author countries": of two table words in a row, the second is the one counted.
                var index = target is null ? -1 : items.IndexOf(target);
                if (target?.Schema?.Any(r => r.Column is null && r.Score >= 0.6) == true && NumericRefAt(target) is null && target.IsSingular
                    && At(items, index + 1) is { Used: false, Schema: { } head } next && head.Any(r => r.Column is null && r.Score >= 0.6) && NumericRefAt(next) is null)
                {
                    target.Used = true;
                    target = next;
                }
            }
            if (target is null || target.Schema is null || target.Used) continue;

            var best = target.Schema[0];
            var columnRef = target.Schema
                .Where(r => r.Column is not null && (r.Column.IsMeasure || r.Column.IsCountLike || (aggregate is Aggregate.Min or Aggregate.Max && (r.Column.IsDate || r.Column.IsYear))))
                .OrderByDescending(Fit).FirstOrDefault();
            var tableRef = target.Schema.Where(r => r.Column is null && r.Score > CatalogIndex.ContextScore).OrderByDescending(Fit).FirstOrDefault();
            if (aggregate == Aggregate.Count)
            {
                if (columnRef is not null && (tableRef is null || columnRef.Score >= tableRef.Score) && columnRef.Column!.Info.IsNumeric)
                {
                    intent.Measure = columnRef.Column;
                    intent.Aggregate = Aggregate.Sum;
                }
                else if (tableRef is not null)
                {
                    intent.Entity = tableRef.Table;
                    if (distinct) intent.Aggregate = Aggregate.CountDistinct;
                }
                else if (best.Column is { } counted && !counted.Info.IsNumeric)
                {
                    intent.Entity = counted.Table;
                    intent.Measure = counted;
                    intent.Aggregate = Aggregate.CountDistinct;
                }
                else continue;
            }
            else if (columnRef is not null)
            {
                intent.Measure = columnRef.Column;
            }
            else if (tableRef is not null && aggregate == Aggregate.Sum)
            {
                intent.Entity = tableRef.Table;
                intent.Aggregate = Aggregate.Count;
            }
            else continue;
            target.Used = true;
        }
    }

    // ---- values ----

    private void ParseValues(List<Item> items, QueryIntent intent)
    {
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            if (item.Used || item.Values is null) continue;
            if (item.Schema is not null)
            {
                // A word that is both a value and a schema word ("country"): after "which"/"by" it is the column, otherwise the value.
                var previous = At(items, PreviousIndex(items, k));
                if (previous?.Cue?.Kind is CueKind.Which or CueKind.GroupBy or CueKind.Top) continue;
                if (item.Schema.Any(r => r.Column is null && r.Score >= 1.0) && !item.Values.Any(v => v.Value.Length > 0 && TextNormalizer.Fold(v.Value) == item.Text)) continue;
                // "the authors and their countries": the column belongs to a table named elsewhere, the value does not.
                if (item.Schema.Any(r => r.Column is not null && _mentions!.GetValueOrDefault(r.Table) >= 2)
                    && item.Values.All(v => _mentions!.GetValueOrDefault(v.Column.Table) < 2)) continue;
            }
            intent.Values.Add(ToMention(items, item));
            item.Used = true;
        }
    }

    // ---- "without loans", "not linked to any campaign" ----

    private void ParseAbsences(List<Item> items, QueryIntent intent)
    {
        for (var k = 0; k < items.Count; k++)
        {
            if (items[k].Used || !items[k].Is(CueKind.Not) || items[k].Schema is not null) continue;
            var j = NextIndex(items, k);
            if (At(items, j) is not { Used: false, Values: null, Schema: { } refs } target) continue;
            if (refs.Where(r => r.Column is null && r.Score >= 0.6).OrderByDescending(Fit).FirstOrDefault() is not { } absent) continue;
            if (absent.Table == intent.Entity || absent.Table == intent.Measure?.Table) continue;
            intent.Without.Add(absent.Table);
            items[k].Used = target.Used = true;
        }
    }

    // ---- what is left: measure, entity, explicit date column ----

    private void ParseLeftovers(List<Item> items, QueryIntent intent, HashSet<TableNode> tables)
    {
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            if (item.Used || item.Schema is null) continue;
            var refs = item.Schema;
            var measure = refs.Where(r => r.Column is not null && (r.Column.IsMeasure || r.Column.IsCountLike))
                .OrderByDescending(r => Fit(r) + (tables.Contains(r.Table) ? 0.3 : 0)).FirstOrDefault();
            var table = refs.Where(r => r.Column is null).OrderByDescending(Fit).FirstOrDefault();
            var date = refs.Where(r => r.Column is { IsDate: true } or { IsYear: true }).OrderByDescending(Fit).FirstOrDefault();
            var dimension = refs.Where(r => r.Column is not null && r.Column.IsDimension && !r.Column.IsDate).OrderByDescending(Fit).FirstOrDefault();
            var which = At(items, PreviousIndex(items, k)) is { Cue.Kind: CueKind.Which or CueKind.List };
            if (table is { Score: <= CatalogIndex.ContextScore } && measure is null && date is null && dimension is null)
            {
                // Only a schema name ("at the university"): context for choosing tables.
                foreach (var context in refs.Select(r => r.Table).Distinct())
                    if (!intent.ContextTables.Contains(context)) intent.ContextTables.Add(context);
                item.Used = true;
                continue;
            }

            if (date is not null && (table is null || date.Score >= table.Score) && (measure is null || date.Score >= measure.Score))
            {
                intent.DateColumn = date.Column;
                item.Used = true;
            }
            else if (measure is not null && (table is null || measure.Score >= table.Score || intent.Entity is not null) && intent.Measure is null)
            {
                intent.Measure = measure.Column;
                item.Used = true;
            }
            else if (table is not null && intent.Entity is null && intent.Measure is null)
            {
                intent.Entity = table.Table;
                item.Used = true;
            }
            else if (table is not null && (intent.Entity == table.Table || intent.Measure?.Table == table.Table))
            {
                item.Used = true;
            }
            else if (dimension is not null && which && intent.Groups.Count == 0)
            {
                intent.Groups.Add(new Grouping(dimension.Column, null, null));
                item.Used = true;
            }
            else if (dimension is not null && (table is null || dimension.Score >= table.Score))
            {
                // A column named without a role ("the authors and their countries"): listed when rows are asked for.
                intent.ListColumns.Add(dimension.Column!);
                item.Used = true;
            }
            else if (table is not null)
            {
                // A table named for context ("members who borrowed", "... of branches in Oslo"): it may become the base or a join.
                if (!intent.ContextTables.Contains(table.Table)) intent.ContextTables.Add(table.Table);
                intent.NamedContext.Add((table.Table, item.Text));
                item.Used = true;
            }
        }
    }

    /// <summary>"over the last 6 months", "within the past year": a comparison word in front of a period that was read is part of it.</summary>
    private bool BeforeReadPeriod(List<Item> items, Item item) =>
        item.Cue?.Kind is CueKind.Greater or CueKind.Less or CueKind.AtMost or CueKind.AtLeast
        && At(items, NextIndex(items, items.IndexOf(item), skipFillers: false)) is { Used: true, Cue.Kind: CueKind.Last or CueKind.This or CueKind.Latest or CueKind.Grain or CueKind.Month or CueKind.Quarter };

    /// <summary>The seconds one unit of a duration column holds, read from its name ("duration_seconds", "length_min"); null when the name says none.</summary>
    private static decimal? SecondsPer(ColumnNode column) =>
        column.NameStems.Any(s => s.StartsWith("sec", StringComparison.Ordinal)) ? 1
        : column.NameStems.Any(s => s.StartsWith("min", StringComparison.Ordinal)) ? 60
        : column.NameStems.Any(s => s.StartsWith("hour", StringComparison.Ordinal)) ? 3600
        : null;

    private void Complete(List<Item> items, QueryIntent intent)
    {
        // "average song length in minutes": a unit no comparison took is the unit to show the measure in.
        if (intent.Measure is { IsCountLike: false } measured && SecondsPer(measured) is { } columnSeconds
            && items.FirstOrDefault(i => !i.Used && i.Is(CueKind.Unit) && i.Schema is null) is { } shownIn)
        {
            intent.MeasureUnit = (columnSeconds, decimal.Parse(shownIn.Cue!.Argument!, System.Globalization.CultureInfo.InvariantCulture), shownIn.Text);
            shownIn.Used = true;
        }
        foreach (var item in items)
        {
            if (item.Used || item.Stop) continue;
            if (item.Is(CueKind.Growth)) intent.WantsGrowth = true;
            if (item.Cue is { } cue)
            {
                if (cue.Kind is CueKind.List or CueKind.Which)
                    intent.ListRows = true;
                if (cue.Kind is CueKind.List || cue.Kind is CueKind.Which && At(items, items.IndexOf(item) + 1) is null or { Text: "ones" or "those" or "one" })
                    intent.WantsList = true;
                if ((Restricting.Contains(cue.Kind) || item.Schema is not null || item.Values is not null) && !BeforeReadPeriod(items, item)) intent.Unplaced.Add(item.Text);
                continue;
            }
            if (item.Schema is null && item.Values is null && item.Number is null) intent.Unknown.Add(item.Text);
            else if (item.Number is not null) intent.Unknown.Add(item.Text);
            else intent.Unplaced.Add(item.Text);
        }
        intent.MeaningfulItems = items.Count(i => !i.Stop);

        // "month over month growth in %": the percent is the change's, not each month's share of the total.
        if (intent.ShareOfTotal && intent.ShareOf is null && intent.WantsGrowth && intent.Growth is null && intent.Groups.Count == 1 && intent.Groups[0].IsTime)
            intent.ShareOfTotal = false;

        if (intent.Cumulative && !intent.Groups.Any(g => g.IsTime))
            intent.Groups.Add(new Grouping(null, null, TimeGrain.Auto));

        if (intent.AsksWhen && intent.Measure is null)
        {
            // "When did the first branch open?": the earliest (or latest) value of the date named.
            var date = intent.DateColumn ?? intent.Entity?.Columns.FirstOrDefault(c => c.IsDate);
            if (date is not null)
            {
                intent.Measure = date;
                intent.Aggregate = intent.WhenLatest ? Aggregate.Max : Aggregate.Min;
                intent.DateColumn = null;
                intent.Entity ??= date.Table;
                intent.Groups.RemoveAll(g => g.Table == date.Table);
                intent.Limit = null;
                intent.ExplicitOrder = false;
            }
        }

        // "Which authors have more than 5 books?", "cities with more than 2000 visitors": a condition on a per-entity
        // figure becomes a grouping with HAVING, unless the question counts the entities ("how many members have ...").
        var subject = intent.Groups.Count == 1 && !intent.Groups[0].IsTime ? intent.Groups[0]
            : intent.Entity is { } e ? new Grouping(null, e, null)
            : intent.ListColumns.Count > 0 ? new Grouping(intent.ListColumns[0], null, null) : null;
        var countsEntities = intent.Aggregate is Aggregate.Count or Aggregate.CountDistinct && intent.Groups.Count == 0 && intent.Measure is null;
        for (var i = 0; i < intent.Comparisons.Count && subject is not null && !countsEntities; i++)
        {
            var c = intent.Comparisons[i];
            var subjectTable = subject.Table ?? subject.Column?.Table;
            var perEntity = c.CountOf is not null || (c.Column is { IsMeasure: true } && c.Column.Table != subjectTable && intent.Measure is null);
            if (!perEntity) continue;
            intent.Groups = [subject];
            if (c.CountOf is { } counted)
            {
                intent.Entity = counted;
                intent.Measure = null;
                intent.Aggregate = Aggregate.Count;
            }
            else
            {
                intent.Measure = c.Column;
                intent.Entity = null;
                intent.Aggregate = c.Column!.IsNonAdditive ? Aggregate.Average : Aggregate.Sum;
            }
            intent.Comparisons[i] = c with { OnAggregate = true };
            intent.ListRows = false;
            intent.ListColumns.Clear();
            break;
        }

        // "the top 3 products in each category", "the longest book in every genre": the limit ranks the other grouping
        // within the one named with "each", not over all rows.
        if (intent.Limit is not null && intent.Groups.Count == 2 && intent.Groups.Count(g => g.Each) == 1
            && intent.Groups.Single(g => !g.Each) is { IsTime: false } && intent.Groups.Single(g => g.Each) is { } within)
        {
            intent.RankWithin = within;
            intent.Groups = [within, intent.Groups.Single(g => !g.Each)];
        }
        // "the longest book by genre": the maximum per genre, not one book overall.
        else if (intent.Limit is not null && intent.Measure is { } ranked && intent.Groups.Count >= 2
            && intent.Groups.FirstOrDefault(g => g.Table == ranked.Table) is { } rankedRows && intent.Groups.Any(g => g != rankedRows && !g.IsTime))
        {
            intent.Groups.Remove(rankedRows);
            intent.Aggregate = intent.Ascending ? Aggregate.Min : Aggregate.Max;
            intent.Limit = null;
            intent.ExplicitOrder = false;
        }

        // "average order value", "average revenue per branch", "revenue per member for each city": a total divided by a count of rows.
        var perGroup = intent.Groups.FirstOrDefault(g => g.Table is { Key: not null } t && t != intent.Measure?.Table && g != intent.RankWithin
            && (intent.Aggregate == Aggregate.Average || g.Per && intent.Groups.Count >= 2 && intent.Aggregate is Aggregate.Sum or Aggregate.None));
        if (intent.Measure is { IsNonAdditive: false } or null && perGroup is not null)
        {
            intent.PerEntity = perGroup.Table;
            intent.Groups.Remove(perGroup);
        }
        else if (intent.Aggregate == Aggregate.Average && intent.Measure is null && intent.Entity is { Key: not null } averaged && intent.Groups.All(g => g.Table != averaged))
        {
            intent.PerEntity = averaged;
        }
        if (intent.PerEntity is { } per)
        {
            intent.Measure ??= per.Edges.Where(e => !e.Edge.ManyToOne).SelectMany(e => e.Other.Columns)
                .Where(c => c.IsMeasure && !c.IsNonAdditive && !c.IsCountLike)
                // A total its comment defines ("revenue is SUM(net_amount)") before any other figure of those rows.
                .OrderByDescending(c => index.DefinedAggregates.GetValueOrDefault(c) == Aggregate.Sum)
                .ThenByDescending(c => c.Table.Info.RowEstimate).FirstOrDefault();
            if (intent.Measure is null) intent.PerEntity = null;
            else
            {
                intent.Aggregate = Aggregate.Sum;
                intent.Entity = null;
            }
        }

        // "average pages per book" averages over the rows themselves: grouping by the measure's own rows would average single values.
        if (intent.Aggregate == Aggregate.Average && intent.Measure is not null)
            intent.Groups.RemoveAll(g => g.Table == intent.Measure.Table);

        if (intent.Measure is null && intent.Entity is null && intent.WantsList && intent.Groups.All(g => g.Column is { IsDimension: true } && !g.IsTime)
            && intent.Groups.Count + intent.ListColumns.Count > 0)
        {
            // "List all author names": the rows of the named columns.
            intent.ListColumns.AddRange(intent.Groups.Select(g => g.Column!));
            intent.Entity = intent.ListColumns[0].Table;
            intent.Groups.Clear();
        }

        if (intent.Aggregate == Aggregate.Count && intent.Measure is { IsCountLike: true } && intent.Entity is null)
            intent.Aggregate = Aggregate.Sum;
        // A measure its comment defines ("revenue is SUM(net_amount)") is aggregated as the comment says.
        if (intent.Measure is not null && intent.Aggregate is Aggregate.None && intent.Entity is null && index.DefinedAggregates.TryGetValue(intent.Measure, out var defined))
            intent.Aggregate = defined;
        intent.ImpliedAggregate = intent.Measure is not null && intent.Aggregate is Aggregate.None && intent.Entity is null;
        if (intent.Measure is not null && intent.Aggregate is Aggregate.None or Aggregate.Count && intent.Entity is null)
            intent.Aggregate = intent.Measure.IsNonAdditive ? Aggregate.Average : Aggregate.Sum;
        if (intent.Measure is null && intent.Entity is not null && intent.Aggregate is Aggregate.None or Aggregate.Sum)
        {
            var listing = intent.ListRows && intent.Groups.Count == 0 && intent.Limit is null && intent.ShareOf is null && !intent.ShareOfTotal;
            intent.Aggregate = listing ? Aggregate.None : Aggregate.Count;
            intent.ListRows = listing;
        }
        else
        {
            intent.ListRows = false;
        }
        if (intent.Aggregate is Aggregate.Min or Aggregate.Max or Aggregate.Average && intent.Measure is null && intent.Entity is not null)
        {
            intent.Doubts.Add("no numeric column to aggregate");
        }
    }
}

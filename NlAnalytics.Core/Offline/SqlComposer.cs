using System.Globalization;
using System.Text;

namespace NlAnalytics.Core.Offline;

/// <summary>The SQL for an intent, how it reads back to a person, and how sure the composer is.</summary>
/// <summary><see cref="Joins"/>, <see cref="FanOut"/> and <see cref="InferredJoins"/> describe the join path taken (for the calibration's features).</summary>
/// <summary><see cref="Tables"/>: the tables the main query reads (its FROM and joins).</summary>
internal sealed record ComposedQuery(string? Sql, string Interpretation, string? Chart, double Confidence, IReadOnlyList<string> Doubts, int Joins = 0, bool FanOut = false, int InferredJoins = 0, IReadOnlyList<TableNode>? Tables = null);

/// <summary>
/// Numbers are left unrounded: the result grid and charts format them, and a rounded share would no
/// longer equal the exact figure a reviewer or a benchmark computes.
/// Turns a <see cref="QueryIntent"/> into one PostgreSQL SELECT: picks the base table, resolves values
/// and the date column relative to it, joins along the shortest foreign-key paths, and aggregates.
/// </summary>
internal sealed class SqlComposer(CatalogIndex index, IReadOnlySet<string> hintedTables)
{
    private static readonly string[] UnlikelyDateWords = ["dob", "end", "expir", "close", "clos", "updat", "modifi", "delet", "due"];

    private readonly List<JoinEdge> _joins = [];
    private readonly List<TableNode> _joined = [];
    private readonly List<string> _doubts = [];
    private bool _disconnected;
    private double _confidence = 0.92;

    public ComposedQuery Compose(QueryIntent intent)
    {
        _doubts.AddRange(intent.Doubts);
        var baseTable = intent.Measure?.Table ?? intent.Entity;
        if (baseTable is null)
        {
            // Nothing named what to count: the table the question's values and words point at most.
            var mentioned = intent.Values.Concat(new[] { intent.ShareOf, intent.RatioOf, intent.RatioTo }.OfType<ValueMention>()).SelectMany(v => v.Refs.Select(r => r.Column.Table))
                .Concat(intent.ContextTables).Concat(intent.Groups.Select(g => g.Table ?? g.Column?.Table).OfType<TableNode>())
                .GroupBy(t => t).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key.PreCounted is not null).ThenByDescending(g => g.Key.Info.RowEstimate)
                .Select(g => g.Key).ToList();
            baseTable = mentioned.FirstOrDefault();
            if (baseTable is null) return Decline("I could not tell what to count or measure");
            if (baseTable.PreCounted is { } counts && intent.Aggregate is Aggregate.None or Aggregate.Count)
            {
                intent.Measure = counts;
                intent.Aggregate = Aggregate.Sum;
            }
            else
            {
                _doubts.Add($"nothing named what to count, so counting {baseTable.Noun}");
                _confidence -= 0.25;
            }
        }
        else if (intent.Measure is null && intent.Aggregate is Aggregate.Count or Aggregate.CountDistinct && intent.Entity is { } counted
            && intent.ContextTables.FirstOrDefault(t => t != counted && counted.Key is not null && index.PathTo([t], counted) is not null) is { } facts)
        {
            // "members who borrowed last month": count distinct members over the loans.
            baseTable = facts;
            intent.Aggregate = Aggregate.CountDistinct;
        }
        _joined.Add(baseTable);
        if (intent.Entity is { } entityTable && entityTable != baseTable) Require(entityTable);

        intent.Groups = WithoutRepeatedPeriods(intent.Groups.Select(g => g.Column is { } c && !g.Qualified && Twin(c) is { } twin && index.Distance(_joined, twin.Table) + 0.5 < index.Distance(_joined, c.Table) ? g with { Column = twin } : g));
        if (intent.TopRestriction is { } top && top.Group.Column is { } rc && index.PathTo(_joined, rc.Table) is null && Twin(rc) is { } rtwin)
            intent.TopRestriction = (top.Group with { Column = rtwin }, top.N);
        foreach (var group in intent.Groups.Where(g => !g.IsTime || g.Column is not null)) Require((group.Table ?? group.Column!.Table));
        // "only for the top 5 ...": the outer query filters on the ranked table's key, so it must join that table too.
        if (intent.TopRestriction is { } restrictedTo && (restrictedTo.Group.Table ?? restrictedTo.Group.Column?.Table) is { } restrictedTable) Require(restrictedTable);
        var filters = ResolveValues(intent.Values);
        if (filters is null) return Decline("a value in the question is not reachable from the tables involved");
        foreach (var f in filters) Require(f.Column.Table);
        foreach (var c in intent.Comparisons.Where(c => !IsAggregateComparison(intent, c))) Require(c.CountOf ?? c.Column!.Table);
        ValueRef? share = intent.ShareOf is null ? null : ResolveOne(intent.ShareOf);
        ValueRef? ratioOf = intent.RatioOf is null ? null : ResolveOne(intent.RatioOf);
        ValueRef? ratioTo = intent.RatioTo is null ? null : ResolveOne(intent.RatioTo);
        foreach (var r in new[] { share, ratioOf, ratioTo }) if (r is not null) Require(r.Column.Table);

        var needsTime = intent.Time is not null || intent.Growth is not null || intent.Groups.Any(g => g.IsTime && g.Column is null);
        ColumnNode? dateColumn = null;
        if (needsTime)
        {
            dateColumn = intent.DateColumn ?? FindDateColumn(baseTable, intent);
            if (dateColumn is null) return Decline("the question mentions time but no date or year column is reachable");
            Require(dateColumn.Table);
        }
        if (_disconnected) return Decline("the tables involved are not connected by foreign keys");

        if (intent.PerEntity is { } perEntity) Require(perEntity);
        var fanOut = _joins.Any(e => !e.ManyToOne);
        var measure = MeasureExpression(intent, baseTable, fanOut);
        if (measure is null) return Decline("I could not find a numeric column to aggregate");
        var (measureSql, measureAlias, measureWords) = measure.Value;
        if (intent.MeasureUnit is { } unit && intent.Measure is not null && intent.Aggregate is not (Aggregate.Count or Aggregate.CountDistinct))
        {
            // Whole units only: seconds shown in minutes divide by 60, minutes shown in seconds multiply by 60.
            measureSql = unit.UnitSeconds >= unit.ColumnSeconds
                ? $"{measureSql}::numeric / {SqlText.Number(unit.UnitSeconds / unit.ColumnSeconds)}"
                : $"{measureSql} * {SqlText.Number(unit.ColumnSeconds / unit.UnitSeconds)}";
            measureAlias = SqlText.Alias($"{measureAlias} {unit.Word}");
            measureWords = $"{measureWords} in {unit.Word}";
        }

        var where = new List<string>();
        var whereWords = new List<string>();
        foreach (var byColumn in filters.GroupBy(f => f.Column))
        {
            var col = byColumn.Key;
            var positive = byColumn.Where(f => !f.Negated).Select(f => f.Value).Distinct().ToList();
            var negative = byColumn.Where(f => f.Negated).Select(f => f.Value).Distinct().ToList();
            if (positive.Count > 0)
            {
                where.Add(positive.Count == 1 ? $"{Col(col)} = {SqlText.Literal(positive[0])}" : $"{Col(col)} IN ({string.Join(", ", positive.Select(SqlText.Literal))})");
                whereWords.Add(positive.Count == 1 ? $"{col.Name} = {SqlText.Literal(positive[0])}" : $"{col.Name} in ({string.Join(", ", positive.Select(SqlText.Literal))})");
            }
            if (negative.Count > 0)
            {
                where.Add(negative.Count == 1 ? $"{Col(col)} IS DISTINCT FROM {SqlText.Literal(negative[0])}" : $"{Col(col)} NOT IN ({string.Join(", ", negative.Select(SqlText.Literal))})");
                whereWords.Add(negative.Count == 1 ? $"{col.Name} <> {SqlText.Literal(negative[0])}" : $"{col.Name} not in ({string.Join(", ", negative.Select(SqlText.Literal))})");
            }
        }
        var having = new List<string>();
        foreach (var comparison in intent.Comparisons)
        {
            if (comparison.OnAggregate)
            {
                var expr = comparison.CountOf is not null || comparison.Column is null ? measureSql
                    : comparison.Column == intent.Measure ? measureSql
                    : $"{(comparison.Column.IsNonAdditive ? "AVG" : "SUM")}({Col(comparison.Column)})";
                having.Add(Compare(expr, comparison));
                whereWords.Add($"{(comparison.CountOf is { } t ? $"number of {t.Noun}" : $"total {comparison.Column!.Name}")} {Words(comparison)}");
                continue;
            }
            if (IsAggregateComparison(intent, comparison))
            {
                var entity = intent.Entity!;
                if (entity.Key is null) return Decline($"{entity.Noun} has no single-column primary key to compare totals per row");
                var sub = new SqlComposer(index, hintedTables);
                sub._joined.Add(entity);
                sub.Require(comparison.CountOf ?? comparison.Column!.Table);
                if (sub._disconnected) return Decline("the tables involved are not connected by foreign keys");
                var agg = comparison.CountOf is not null ? "COUNT(*)" : $"{(comparison.Column!.IsNonAdditive ? "AVG" : "SUM")}({sub.Col(comparison.Column)})";
                where.Add($"{Col(entity.Key)} IN (SELECT {sub.Col(entity.Key)} FROM {sub.FromClause()} GROUP BY {sub.Col(entity.Key)} HAVING {Compare(agg, comparison)})");
                whereWords.Add($"{(comparison.CountOf is { } t ? $"number of {t.Noun}" : $"{agg.ToLowerInvariant()} of {comparison.Column!.Name}")} per {entity.Singular} {Words(comparison)}");
            }
            else if (comparison.Column is { } compared)
            {
                where.Add(Compare(Col(compared), comparison));
                whereWords.Add($"{compared.Name} {Words(comparison)}");
            }
        }
        // "month over month this year": January's change is from December, so the series is computed over all periods
        // and only then restricted to the ones asked for (a filter on the dates first would leave January without a change).
        string? seriesFilter = null;
        if (intent.WantsGrowth && intent.Growth is null && intent.Groups.Count == 1 && intent.Groups[0] is { Grain: { } seriesGrain } series
            && (series.Column is null || series.Column == dateColumn) && intent.Time is { } seriesTime && dateColumn is { IsYear: false }
            && !intent.Cumulative && intent.ShareOf is null && !intent.ShareOfTotal && Aligned(seriesTime, seriesGrain)
            && TimeCondition(seriesTime, dateColumn, $"series.{TimeBucket(dateColumn, seriesGrain).Alias}") is { } periods)
        {
            seriesFilter = periods.Sql;
            whereWords.Add(periods.Words);
        }
        else if (intent.Time is not null && dateColumn is not null)
        {
            var time = TimeCondition(intent.Time, dateColumn);
            if (time is null) return Decline($"'{dateColumn.Name}' holds whole years, so it cannot answer about months, quarters or days");
            where.Add(time.Value.Sql);
            whereWords.Add(time.Value.Words);
        }
        foreach (var absent in intent.Without)
        {
            // A nullable key pointing at the table ("not linked to any campaign") or no referencing row ("members without loans").
            var edge = _joined.SelectMany(t => t.Edges).FirstOrDefault(e => e.Other == absent).Edge;
            if (edge is null)
            {
                _doubts.Add($"I could not tell how rows relate to {absent.Noun}");
                _confidence = Math.Min(_confidence, 0.5);
                continue;
            }
            if (edge.ManyToOne)
                where.Add(string.Join(" AND ", edge.FromColumns.Select(c => $"{edge.From.Alias}.{SqlText.Ident(c)} IS NULL")));
            else
                where.Add($"NOT EXISTS (SELECT 1 FROM {TableName(absent)} AS x WHERE {string.Join(" AND ", edge.ToColumns.Zip(edge.FromColumns, (t, f) => $"x.{SqlText.Ident(t)} = {edge.From.Alias}.{SqlText.Ident(f)}"))})");
            whereWords.Add($"without {absent.Noun}");
        }
        if (intent.TopRestriction is { } restriction)
        {
            var restricted = RestrictionCondition(intent, restriction.Group, restriction.N);
            if (restricted is null) return Decline("I could not restrict to the top entries");
            where.Add(restricted);
            whereWords.Add($"among the top {restriction.N} {restriction.Group.Table?.Noun ?? restriction.Group.Column?.Name}");
        }

        // Growth: two periods side by side.
        if (intent.Growth is { } growth && dateColumn is not null)
            return ComposeGrowth(intent, growth, dateColumn, baseTable, fanOut, where, whereWords, measureWords);

        var select = new List<string>();
        var groupBy = new List<string>();
        var order = new List<string>();
        var groupWords = new List<string>();
        var timeAliases = new List<string>();
        var timeExpressions = new List<string>();
        // "top 3 products in each category": the first grouping is the partition, the second the rows ranked within it.
        var rankWithin = intent.RankWithin is not null && intent.Limit is not null && intent.Groups.Count == 2 && !intent.Groups[1].IsTime;
        var partitionGroupBy = 0;
        var partitionSelect = 0;
        foreach (var group in intent.Groups)
        {
            if (group == intent.Groups[^1] && intent.Groups.Count == 2)
            {
                partitionGroupBy = groupBy.Count;
                partitionSelect = select.Count;
            }
            if (group.IsTime)
            {
                var col = group.Column ?? dateColumn!;
                var (expr, alias) = TimeBucket(col, group.Grain!.Value);
                select.Add($"{expr} AS {alias}");
                groupBy.Add(expr);
                // Days of the week in calendar order (Monday first), not alphabetically.
                timeAliases.Add(group.Grain == TimeGrain.Weekday && !col.IsYear ? $"min(EXTRACT(ISODOW FROM {Col(col)}))" : alias);
                timeExpressions.Add(expr);
                groupWords.Add(alias);
            }
            else if (group.Table is { } table)
            {
                var label = table.Label ?? table.Key;
                if (label is null) return Decline($"{table.Noun} has nothing to label its rows with");
                var alias = SqlText.Alias(table.Singular);
                // A readable code that is the key ("FR") is shown next to the name: people know rows by either.
                if (table.Key is { Info.IsText: true } code && code != label) select.Add($"{Col(code)} AS {SqlText.Alias(code.Name)}");
                // People are named in parts (first_name, last_name): show every name column, not just the first.
                var names = table.Columns.Where(c => c.Info.IsText && !c.IsKey && c.Name.EndsWith("name", StringComparison.OrdinalIgnoreCase)).Take(3).ToList();
                if (names.Count < 2 || !names.Contains(label)) names = [label];
                foreach (var name in names)
                {
                    select.Add(name == label ? $"{Col(label)} AS {alias}" : $"{Col(name)} AS {SqlText.Alias(name.Name)}");
                    groupBy.Add(Col(name));
                }
                if (table.Key is not null && !names.Contains(table.Key)) groupBy.Insert(groupBy.Count - names.Count, Col(table.Key));
                groupWords.Add(table.Singular);
            }
            else
            {
                var alias = SqlText.Alias(group.Column!.Name);
                select.Add($"{Col(group.Column)} AS {alias}");
                groupBy.Add(Col(group.Column));
                groupWords.Add(group.Column.Name);
                // "Top 5 composers": rows with no composer are not a composer, however many there are.
                if (intent.Limit is not null && group.Column.Info.IsNullable)
                {
                    where.Add($"{Col(group.Column)} IS NOT NULL");
                    whereWords.Add($"{group.Column.Name} is known");
                }
            }
        }

        string measureSelect;
        if (share is not null)
        {
            var cond = Condition(share, intent.ShareOf!.Negated);
            measureSelect = intent.Aggregate is Aggregate.Sum && intent.Measure is not null
                ? $"100.0 * SUM(CASE WHEN {cond} THEN {Col(intent.Measure)} ELSE 0 END) / NULLIF(SUM({Col(intent.Measure)}), 0) AS share_pct"
                : $"100.0 * SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0) AS share_pct";
            measureAlias = "share_pct";
            var whole = measureWords.StartsWith("Counting ", StringComparison.Ordinal) ? measureWords["Counting ".Length..] : measureWords;
            measureWords = $"Share (%) of {whole} where {share.Column.Name} {(intent.ShareOf.Negated ? "<>" : "=")} {SqlText.Literal(share.Value)}";
        }
        else if (ratioOf is not null && ratioTo is not null)
        {
            var m = intent.Measure is not null && intent.Aggregate == Aggregate.Sum ? Col(intent.Measure) : "1";
            measureSelect = $"SUM(CASE WHEN {Condition(ratioOf, false)} THEN {m} ELSE 0 END)::numeric / NULLIF(SUM(CASE WHEN {Condition(ratioTo, false)} THEN {m} ELSE 0 END), 0) AS ratio";
            measureAlias = "ratio";
            measureWords = $"ratio of {measureWords} where {ratioOf.Column.Name} = {SqlText.Literal(ratioOf.Value)} to {ratioTo.Column.Name} = {SqlText.Literal(ratioTo.Value)}";
        }
        else if (intent.ShareOfTotal && intent.Groups.Count > 0)
        {
            measureSelect = $"{measureSql} AS {measureAlias}, 100.0 * {measureSql} / NULLIF(SUM({measureSql}) OVER (), 0) AS share_pct";
            measureWords = $"{measureWords} and each one's share (%) of the total";
            measureAlias = "share_pct";
        }
        else
        {
            measureSelect = intent.ListRows ? "" : $"{measureSql} AS {measureAlias}";
            if (timeExpressions.Count == 1 && intent.Groups.Count == 1 && !intent.ListRows)
            {
                var over = $"OVER (ORDER BY {timeExpressions[0]})";
                if (intent.Cumulative)
                {
                    measureSelect += $", SUM({measureSql}) {over} AS cumulative";
                    measureWords = $"{measureWords} with its running total";
                }
                if (intent.WantsGrowth && intent.Growth is null)
                {
                    // Period over period: the change and the change in percent of the previous period.
                    measureSelect += $", {measureSql} - LAG({measureSql}) {over} AS change, 100.0 * ({measureSql} - LAG({measureSql}) {over}) / NULLIF(LAG({measureSql}) {over}, 0) AS growth_pct";
                    measureWords = $"{measureWords} with its change from the previous period";
                    // A period still running ("November so far") is compared with a whole one: say which periods are complete
                    // rather than let a partial last period read as a fall.
                    if (intent.Groups[0] is { Grain: { } grain } && grain is not (TimeGrain.Weekday or TimeGrain.Auto or TimeGrain.Day) && !(intent.Groups[0].Column ?? dateColumn)!.IsYear)
                    {
                        measureSelect += $", {timeExpressions[0]} + INTERVAL '1 {GrainWord(grain)}' <= CURRENT_DATE AS period_finished";
                        measureWords = $"{measureWords} (period_finished is false for a {GrainWord(grain)} not over yet, whose change compares a partial {GrainWord(grain)})";
                    }
                    intent.WantsGrowth = false;
                }
            }
        }
        if (intent.WantsGrowth && intent.Growth is null)
        {
            _doubts.Add("a change or growth was asked for, but I found no two periods to compare");
            _confidence = Math.Min(_confidence, 0.5);
        }
        if (intent.Cumulative && timeExpressions.Count != 1)
        {
            _doubts.Add("a running total needs exactly one time axis");
            _confidence = Math.Min(_confidence, 0.5);
        }
        if (intent.ShareOfTotal && intent.Groups.Count == 0 && share is null && intent.Growth is null)
        {
            _doubts.Add("a percentage was asked for, but I found nothing to divide");
            _confidence = Math.Min(_confidence, 0.5);
        }

        var sql = new StringBuilder();
        if (intent.ListRows)
        {
            var table = baseTable;
            var columns = table.Columns.Where(c => !c.IsKey || c == table.Label).Take(8).Select(c => Col(c)).ToList();
            if (table.Label is not null && !columns.Contains(Col(table.Label))) columns.Insert(0, Col(table.Label));
            foreach (var named in intent.ListColumns.Where(c => c.Table != table && index.PathTo(_joined, c.Table) is not null).Reverse())
            {
                Require(named.Table);
                columns.Add(Col(named));
            }
            sql.Append("SELECT ").Append(string.Join(", ", columns));
            if (fanOut) sql.Insert(7, "DISTINCT ");
            sql.Append("\nFROM ").Append(FromClause());
            if (where.Count > 0) sql.Append("\nWHERE ").Append(string.Join("\n  AND ", where));
            var orderBy = table.Label is not null ? Col(table.Label) : "1";
            if (intent.Comparisons.FirstOrDefault(c => c.Column is not null && columns.Contains(Col(c.Column))) is { Column: { } ordered }) orderBy = $"{Col(ordered)} DESC";
            sql.Append("\nORDER BY ").Append(orderBy).Append("\nLIMIT ").Append(intent.Limit ?? 200);
            var listWords = $"Listing {table.Noun}" + (whereWords.Count > 0 ? " where " + string.Join(" and ", whereWords) : "");
            return Done(sql.ToString(), listWords, intent.Chart ?? "table");
        }

        select.Add(measureSelect);
        if (rankWithin)
        {
            if (share is not null || ratioOf is not null || intent.ShareOfTotal || intent.Cumulative || intent.WantsGrowth || having.Count > 0)
                return Decline("a ranking within each group combined with shares, changes or conditions on totals is not something I compose");
            return ComposeRankWithin(intent, select, groupBy, where, measureSql, partitionGroupBy, partitionSelect, measureWords, whereWords, groupWords);
        }
        sql.Append("SELECT ").Append(string.Join(", ", select));
        sql.Append("\nFROM ").Append(FromClause());
        if (where.Count > 0) sql.Append("\nWHERE ").Append(string.Join("\n  AND ", where));
        if (groupBy.Count > 0) sql.Append("\nGROUP BY ").Append(string.Join(", ", groupBy));
        if (having.Count > 0) sql.Append("\nHAVING ").Append(string.Join(" AND ", having));
        var ranked = intent.Limit is not null || intent.ExplicitOrder;
        if (groupBy.Count > 0)
        {
            if (ranked) order.Add($"{measureAlias} {(intent.Ascending ? "ASC" : "DESC")} NULLS LAST");
            order.AddRange(timeAliases);
            if (!ranked && timeAliases.Count == 0) order.Add($"{measureAlias} DESC NULLS LAST");
            else if (!ranked && intent.Groups.Count > timeAliases.Count) order.Add($"{measureAlias} DESC NULLS LAST");
            sql.Append("\nORDER BY ").Append(string.Join(", ", order));
            if (intent.Limit is { } limit)
            {
                sql.Append("\nLIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
                if (intent.Groups.Count > 1)
                {
                    // Top N within each group is not something this writer composes; say so rather than answer confidently.
                    _doubts.Add("the limit applies to all rows, not within each group");
                    _confidence = Math.Min(_confidence - 0.15, 0.5);
                }
            }
        }
        else if (intent.Limit is not null && intent.Entity is not null && intent.Measure is null)
        {
            _doubts.Add("nothing to rank by");
            _confidence -= 0.2;
        }

        if (seriesFilter is not null)
        {
            var inner = sql.ToString();
            sql.Clear().Append("SELECT *\nFROM (").Append(inner).Append(") AS series\nWHERE ").Append(seriesFilter).Append("\nORDER BY ").Append(string.Join(", ", timeAliases.Select(a => $"series.{a}")));
        }
        var words = new StringBuilder(measureWords);
        if (whereWords.Count > 0) words.Append(" where ").Append(string.Join(" and ", whereWords));
        if (groupWords.Count > 0) words.Append(", by ").Append(string.Join(" and ", groupWords));
        if (intent.Limit is { } n && groupBy.Count > 0) words.Append(intent.Ascending ? $", bottom {n}" : $", top {n}");
        var chart = intent.Chart ?? (timeAliases.Count > 0 ? "line"
            : intent.ShareOfTotal && intent.Groups.Count == 1 ? "donut"
            : intent.Groups.Count > 0 ? "bar" : "kpi");
        return Done(sql.ToString(), words.ToString(), chart);
    }

    /// <summary>
    /// "The top 3 products by revenue in each category": the grouped query numbers its rows within each partition
    /// (ROW_NUMBER, ties broken by the ranked rows' key so the cut-off is the same set every run) and keeps the first N.
    /// </summary>
    private ComposedQuery ComposeRankWithin(QueryIntent intent, List<string> select, List<string> groupBy, List<string> where, string measureSql,
        int partitionGroupBy, int partitionSelect, string measureWords, List<string> whereWords, List<string> groupWords)
    {
        var n = intent.Limit!.Value;
        var partition = string.Join(", ", groupBy.Take(partitionGroupBy));
        var tieBreak = string.Join(", ", groupBy.Skip(partitionGroupBy));
        var rank = $"ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {measureSql} {(intent.Ascending ? "ASC" : "DESC")} NULLS LAST, {tieBreak}) AS rank_in_group";
        var inner = new StringBuilder("SELECT ").Append(string.Join(", ", select.Append(rank)));
        inner.Append("\nFROM ").Append(FromClause());
        if (where.Count > 0) inner.Append("\nWHERE ").Append(string.Join("\n  AND ", where));
        inner.Append("\nGROUP BY ").Append(string.Join(", ", groupBy));
        var partitionOrder = string.Join(", ", Enumerable.Range(1, partitionSelect));
        var sql = $"SELECT *\nFROM ({inner}) AS ranked\nWHERE rank_in_group <= {n.ToString(CultureInfo.InvariantCulture)}\nORDER BY {partitionOrder}, rank_in_group";
        var words = new StringBuilder(measureWords);
        if (whereWords.Count > 0) words.Append(" where ").Append(string.Join(" and ", whereWords));
        words.Append($", the {(intent.Ascending ? "bottom" : "top")} {n} {groupWords[1]} in each {groupWords[0]}");
        return Done(sql, words.ToString(), intent.Chart ?? "table");
    }

    private ComposedQuery ComposeGrowth(QueryIntent intent, (int From, int To) growth, ColumnNode dateColumn, TableNode baseTable, bool fanOut,
        List<string> where, List<string> whereWords, string measureWords)
    {
        var first = TimeCondition(new TimeFilter(TimeKind.Years, [growth.From]), dateColumn);
        var second = TimeCondition(new TimeFilter(TimeKind.Years, [growth.To]), dateColumn);
        if (first is null || second is null) return Decline("no usable date column for the two periods");
        string Period(string cond) => intent.Aggregate switch
        {
            Aggregate.Count when fanOut && baseTable.Key is not null => $"COUNT(DISTINCT {Col(baseTable.Key)}) FILTER (WHERE {cond})",
            Aggregate.Count or Aggregate.CountDistinct when intent.Measure is null => $"COUNT(*) FILTER (WHERE {cond})",
            Aggregate.Average => $"AVG({Col(intent.Measure!)}) FILTER (WHERE {cond})",
            Aggregate.Min => $"MIN({Col(intent.Measure!)}) FILTER (WHERE {cond})",
            Aggregate.Max => $"MAX({Col(intent.Measure!)}) FILTER (WHERE {cond})",
            _ when intent.Measure is not null => $"SUM({Col(intent.Measure)}) FILTER (WHERE {cond})",
            _ => $"COUNT(*) FILTER (WHERE {cond})",
        };
        var a = Period(first.Value.Sql);
        var b = Period(second.Value.Sql);
        var select = new List<string>();
        var groupBy = new List<string>();
        foreach (var group in intent.Groups.Where(g => !g.IsTime))
        {
            var col = group.Table is { } t ? t.Label ?? t.Key : group.Column;
            if (col is null) continue;
            if (group.Table?.Key is { Info.IsText: true } code && code != col) select.Add($"{Col(code)} AS {SqlText.Alias(code.Name)}");
            select.Add($"{Col(col)} AS {SqlText.Alias(group.Table?.Singular ?? col.Name)}");
            if (group.Table?.Key is { } key && key != col) groupBy.Add(Col(key));
            groupBy.Add(Col(col));
        }
        var fromAlias = SqlText.Alias($"value {growth.From}");
        var toAlias = SqlText.Alias($"value {growth.To}");
        select.Add($"{a} AS {fromAlias}");
        select.Add($"{b} AS {toAlias}");
        select.Add($"{b} - {a} AS change");
        select.Add($"100.0 * ({b} - {a}) / NULLIF({a}, 0) AS growth_pct");
        var sql = new StringBuilder("SELECT ").Append(string.Join(", ", select)).Append("\nFROM ").Append(FromClause());
        var all = new List<string>(where) { $"({first.Value.Sql} OR {second.Value.Sql})" };
        sql.Append("\nWHERE ").Append(string.Join("\n  AND ", all));
        if (groupBy.Count > 0)
        {
            // "which grew the most" ranks by the absolute change; otherwise by the rate.
            sql.Append("\nGROUP BY ").Append(string.Join(", ", groupBy))
               .Append(intent.Limit is null ? "\nORDER BY growth_pct DESC NULLS LAST" : $"\nORDER BY change {(intent.Ascending ? "ASC" : "DESC")} NULLS LAST\nLIMIT {intent.Limit}");
        }
        var words = $"Growth of {measureWords} from {growth.From} to {growth.To} (on {dateColumn.Name})" + (whereWords.Count > 0 ? " where " + string.Join(" and ", whereWords) : "");
        return Done(sql.ToString(), words, intent.Chart ?? (groupBy.Count > 0 ? "bar" : "table"));
    }

    private string? RestrictionCondition(QueryIntent intent, Grouping group, int n)
    {
        var table = group.Table;
        var column = table?.Key ?? group.Column;
        if (column is null) return null;
        var inner = intent.Clone();
        inner.Groups = [group];
        inner.TopRestriction = null;
        inner.Limit = n;
        inner.Ascending = false;
        inner.ExplicitOrder = true;
        inner.ShareOf = null;
        inner.ShareOfTotal = false;
        inner.Growth = null;
        var ranking = new SqlComposer(index, hintedTables).KeyedRanking(inner, group, column);
        return ranking is null ? null : $"{Col(column)} IN (SELECT ranked.key FROM ({ranking}) AS ranked)";
    }

    /// <summary>The same ranking as the main query but selecting the group key, for "only the top N ..." restrictions.</summary>
    private string? KeyedRanking(QueryIntent intent, Grouping group, ColumnNode key)
    {
        if (Compose(intent).Sql is not { } sql) return null;
        var label = group.Table?.Label ?? key;
        var alias = group.Table is not null ? SqlText.Alias(group.Table.Singular) : SqlText.Alias(key.Name);
        var keyed = sql.Replace($"SELECT {Col(label)} AS {alias}, ", $"SELECT {Col(key)} AS key, ", StringComparison.Ordinal);
        // Ties at the cut-off would make "the top 5" a different set from one run to the next: break them by key.
        return keyed.Replace(" NULLS LAST\nLIMIT ", " NULLS LAST, key\nLIMIT ", StringComparison.Ordinal);
    }

    // A comparison on a measure of another table ("branches with revenue over 1M") compares a per-entity total, not single rows.
    private static bool IsAggregateComparison(QueryIntent intent, Comparison comparison) =>
        !comparison.OnAggregate && intent.Entity is { } entity && intent.Measure is null
        && (comparison.CountOf is not null || comparison.Column!.Table != entity && comparison.Column.IsMeasure);

    private static string Compare(string expr, Comparison c) => c.Op switch
    {
        CompareOp.Greater => $"{expr} > {SqlText.Number(c.Value)}",
        CompareOp.Less => $"{expr} < {SqlText.Number(c.Value)}",
        CompareOp.AtLeast => $"{expr} >= {SqlText.Number(c.Value)}",
        CompareOp.AtMost => $"{expr} <= {SqlText.Number(c.Value)}",
        CompareOp.Between => $"{expr} BETWEEN {SqlText.Number(Math.Min(c.Value, c.Upper!.Value))} AND {SqlText.Number(Math.Max(c.Value, c.Upper!.Value))}",
        _ => $"{expr} = {SqlText.Number(c.Value)}",
    };

    private static string Words(Comparison c) => c.Op switch
    {
        CompareOp.Greater => $"> {SqlText.Number(c.Value)}",
        CompareOp.Less => $"< {SqlText.Number(c.Value)}",
        CompareOp.AtLeast => $">= {SqlText.Number(c.Value)}",
        CompareOp.AtMost => $"<= {SqlText.Number(c.Value)}",
        CompareOp.Between => $"between {SqlText.Number(c.Value)} and {SqlText.Number(c.Upper!.Value)}",
        _ => $"= {SqlText.Number(c.Value)}",
    };

    private (string Sql, string Alias, string Words)? MeasureExpression(QueryIntent intent, TableNode baseTable, bool fanOut)
    {
        var m = intent.Measure;
        switch (intent.Aggregate)
        {
            case Aggregate.Count or Aggregate.None when m is null:
            {
                var table = intent.Entity ?? baseTable;
                // Rows that already hold counts ("number of visitors per year and city"): counting them means summing the count.
                if (table.PreCounted is { } preCounted && !fanOut)
                    return ($"SUM({Col(preCounted)})", SqlText.Alias(preCounted.Name), $"Counting {preCounted.Name} (sum of {table.Info.Name}.{preCounted.Name})");
                if (fanOut && table.Key is not null)
                    return ($"COUNT(DISTINCT {Col(table.Key)})", SqlText.Alias($"{table.Noun} count"), $"Counting {table.Noun}");
                if (fanOut)
                {
                    _doubts.Add("rows may be counted more than once through a join");
                    _confidence -= 0.2;
                }
                return ("COUNT(*)", SqlText.Alias($"{table.Noun} count"), $"Counting {table.Noun}");
            }
            case Aggregate.CountDistinct when m is not null && !m.Info.IsNumeric:
                return ($"COUNT(DISTINCT {Col(m)})", SqlText.Alias($"distinct {m.Name}"), $"Counting distinct {m.Name}");
            case Aggregate.CountDistinct:
            {
                var table = intent.Entity ?? baseTable;
                return table.Key is null
                    ? ("COUNT(*)", SqlText.Alias($"{table.Noun} count"), $"Counting {table.Noun}")
                    : ($"COUNT(DISTINCT {Col(table.Key)})", SqlText.Alias($"{table.Noun} count"), $"Counting distinct {table.Noun}");
            }
            case Aggregate.Count when m is not null:
                return ($"SUM({Col(m)})", SqlText.Alias(m.Name), $"Counting {m.Name} (sum of {m.Table.Info.Name}.{m.Name})");
        }
        if (m is null) return null;
        if (intent.PerMeasure is { } perMeasure && perMeasure != m && perMeasure.Table == m.Table && intent.Aggregate is Aggregate.Sum or Aggregate.None)
            return ($"SUM({Col(m)})::numeric / NULLIF(SUM({Col(perMeasure)}), 0)", SqlText.Alias($"{m.Name} per {perMeasure.Name}"), $"Total {m.Name} divided by total {perMeasure.Name}");
        if (intent.PerEntity is { Key: { } perKey } per)
            return ($"SUM({Col(m)})::numeric / NULLIF(COUNT(DISTINCT {Col(perKey)}), 0)", SqlText.Alias($"{m.Name} per {per.Singular}"), $"Total {m.Name} per {per.Singular} (sum divided by the number of {per.Noun})");
        if (fanOut)
        {
            _doubts.Add($"{m.Name} may be repeated by a one-to-many join");
            _confidence -= 0.2;
        }
        return intent.Aggregate switch
        {
            Aggregate.Sum when m.IsCountLike => ($"SUM({Col(m)})", SqlText.Alias(m.Name), $"Counting {m.Name} (sum of {m.Table.Info.Name}.{m.Name})"),
            Aggregate.Average => ($"AVG({Col(m)})", SqlText.Alias($"average {m.Name}"), $"Average {m.Name}"),
            Aggregate.Min => ($"MIN({Col(m)})", SqlText.Alias($"min {m.Name}"), $"Minimum {m.Name}"),
            Aggregate.Max => ($"MAX({Col(m)})", SqlText.Alias($"max {m.Name}"), $"Maximum {m.Name}"),
            _ => ($"SUM({Col(m)})", SqlText.Alias($"total {m.Name}"), $"Total {m.Name} ({m.Table.Info.Name})"),
        };
    }

    /// <summary>A column of the same name in a table that is reachable ("city" of the visits rather than of the members).</summary>
    private ColumnNode? Twin(ColumnNode column) =>
        index.Tables.SelectMany(t => t.Columns)
            .Where(c => c != column && string.Equals(c.Name, column.Name, StringComparison.OrdinalIgnoreCase))
            .Select(c => (Column: c, Distance: index.Distance(_joined, c.Table)))
            .Where(x => !double.IsPositiveInfinity(x.Distance))
            .OrderBy(x => x.Distance).Select(x => x.Column).FirstOrDefault();

    // ---- values ----

    private sealed record Filter(ColumnNode Column, string Value, bool Negated);

    private List<Filter>? ResolveValues(IReadOnlyList<ValueMention> mentions)
    {
        var filters = new List<Filter>();
        foreach (var mention in mentions)
        {
            var chosen = ResolveOne(mention);
            if (chosen is null) return null;
            filters.Add(new Filter(chosen.Column, chosen.Value, mention.Negated));
        }
        return filters;
    }

    private ValueRef? ResolveOne(ValueMention mention)
    {
        var scored = mention.Refs
            .Select(r => (Ref: r, Distance: index.Distance(_joined, r.Column.Table)))
            .Where(x => !double.IsPositiveInfinity(x.Distance))
            .OrderBy(x => x.Distance)
            .ThenByDescending(x => hintedTables.Contains(x.Ref.Column.Table.Info.QualifiedName))
            .ThenBy(x => x.Ref.Column.IsKey ? 0 : 1)
            .ThenBy(x => x.Ref.Column.Table.Info.RowEstimate)
            .ToList();
        if (scored.Count == 0) return null;
        var best = scored[0];
        var rivals = scored.Where(x => x.Ref.Column != best.Ref.Column && !SameKey(x.Ref.Column, best.Ref.Column) && Math.Abs(x.Distance - best.Distance) < 0.01).ToList();
        if (rivals.Count > 0)
        {
            _doubts.Add($"'{mention.Text}' is in {best.Ref.Column} and also in {string.Join(", ", rivals.Select(r => r.Ref.Column.ToString()).Distinct())}");
            _confidence -= 0.1;
        }
        Require(best.Ref.Column.Table);
        return best.Ref;
    }

    private static bool SameKey(ColumnNode a, ColumnNode b) =>
        a.Table.Edges.Any(e => e.Other == b.Table && e.Edge.FromColumns.Contains(a.Name, StringComparer.OrdinalIgnoreCase) && e.Edge.ToColumns.Contains(b.Name, StringComparer.OrdinalIgnoreCase));

    private string Condition(ValueRef value, bool negated) =>
        negated ? $"{Col(value.Column)} IS DISTINCT FROM {SqlText.Literal(value.Value)}" : $"{Col(value.Column)} = {SqlText.Literal(value.Value)}";

    // ---- time ----

    private ColumnNode? FindDateColumn(TableNode baseTable, QueryIntent intent)
    {
        var wantsFineGrain = intent.Groups.Any(g => g.IsTime && g.Grain is not TimeGrain.Year and not TimeGrain.Auto)
            || intent.Time?.Kind is TimeKind.Month or TimeKind.Quarter or TimeKind.Rolling && intent.Time.Grain != TimeGrain.Year;
        var candidates = new List<(ColumnNode Column, double Score)>();
        foreach (var table in index.Tables)
        {
            // Distance from the base table, not from whatever a filter joined in: a filter on books must not date loans by publication.
            var distance = index.Distance([baseTable], table);
            if (distance > 4) continue;
            foreach (var column in table.Columns.Where(c => c.IsDate || c.IsYear))
            {
                var score = distance * 10;
                if (column.NameStems.Any(s => UnlikelyDateWords.Any(u => s.StartsWith(u, StringComparison.Ordinal)))) score += 5;
                if (column.IsYear) score += wantsFineGrain ? 30 : 0.5;
                if (!column.Info.IsNullable) score -= 0.2;
                // Events live in the big tables; dates in small ones (opened, launched, born) describe things.
                score -= Math.Log10(Math.Max(1, table.Info.RowEstimate) + 1) * 0.3;
                if (hintedTables.Contains(table.Info.QualifiedName)) score -= 0.1;
                candidates.Add((column, score));
            }
        }
        return candidates.OrderBy(c => c.Score).ThenBy(c => c.Column.Table.Columns.IndexOf(c.Column)).Select(c => c.Column).FirstOrDefault();
    }

    /// <summary>Whether a filter on periods of <paramref name="grain"/> selects the same rows as the filter on the dates (its bounds fall on period starts).</summary>
    private static bool Aligned(TimeFilter time, TimeGrain grain) => time.Kind switch
    {
        TimeKind.Years or TimeKind.Range or TimeKind.Before => grain is TimeGrain.Day or TimeGrain.Month or TimeGrain.Quarter or TimeGrain.Year,
        TimeKind.Since => grain is TimeGrain.Day or TimeGrain.Month || grain is TimeGrain.Quarter or TimeGrain.Year && time.Month is null or 1,
        TimeKind.Quarter => grain is TimeGrain.Day or TimeGrain.Month or TimeGrain.Quarter,
        TimeKind.Month => grain is TimeGrain.Day or TimeGrain.Month,
        TimeKind.Previous or TimeKind.Current => grain is TimeGrain.Day || grain is TimeGrain.Month && time.Grain is TimeGrain.Month or TimeGrain.Quarter or TimeGrain.Year
            || grain is TimeGrain.Quarter && time.Grain is TimeGrain.Quarter or TimeGrain.Year || grain is TimeGrain.Year && time.Grain is TimeGrain.Year,
        _ => false,
    };

    private (string Sql, string Words)? TimeCondition(TimeFilter time, ColumnNode column, string? expression = null)
    {
        var c = expression ?? Col(column);
        var name = column.Name;
        if (column.IsYear)
        {
            var latest = $"(SELECT MAX({SqlText.Ident(column.Name)}) FROM {TableName(column.Table)})";
            return time.Kind switch
            {
                TimeKind.Years when time.Years.Count == 1 => ($"{c} = {time.Years[0]}", $"{name} = {time.Years[0]}"),
                TimeKind.Years => ($"{c} IN ({string.Join(", ", time.Years)})", $"{name} in ({string.Join(", ", time.Years)})"),
                TimeKind.Range => ($"{c} BETWEEN {time.Years.Min()} AND {time.Years.Max()}", $"{name} from {time.Years.Min()} to {time.Years.Max()}"),
                TimeKind.Since => ($"{c} >= {time.Years[0]}", $"{name} >= {time.Years[0]}"),
                TimeKind.Before => ($"{c} < {time.Years[0]}", $"{name} < {time.Years[0]}"),
                TimeKind.Previous or TimeKind.Current or TimeKind.Latest when time.Grain == TimeGrain.Year => ($"{c} = {latest}", $"{name} = the latest year in the data"),
                TimeKind.Rolling when time.Grain == TimeGrain.Year => ($"{c} > {latest} - {time.N}", $"{name} in the last {time.N} years of the data"),
                TimeKind.Month or TimeKind.Quarter when time.Years.Count == 1 => ($"{c} = {time.Years[0]}", $"{name} = {time.Years[0]}"),
                _ => null,
            };
        }
        string Range(DateOnly from, DateOnly to) => $"{c} >= {SqlText.Date(from)} AND {c} < {SqlText.Date(to)}";
        switch (time.Kind)
        {
            case TimeKind.Years when time.Years.Count == 1:
                return (Range(new DateOnly(time.Years[0], 1, 1), new DateOnly(time.Years[0] + 1, 1, 1)), $"{name} in {time.Years[0]}");
            case TimeKind.Years:
                return ($"EXTRACT(YEAR FROM {c}) IN ({string.Join(", ", time.Years)})", $"{name} in {string.Join(", ", time.Years)}");
            case TimeKind.Range:
                return (Range(new DateOnly(time.Years.Min(), 1, 1), new DateOnly(time.Years.Max() + 1, 1, 1)), $"{name} from {time.Years.Min()} to {time.Years.Max()}");
            case TimeKind.Since:
                var sinceMonth = time.Month is > 12 ? 12 : time.Month ?? 1;
                var since = new DateOnly(time.Years[0], sinceMonth, 1);
                if (time.Month is > 12) since = since.AddMonths(1);
                return ($"{c} >= {SqlText.Date(since)}", $"{name} since {since:yyyy-MM-dd}");
            case TimeKind.Before:
                return ($"{c} < {SqlText.Date(new DateOnly(time.Years[0], 1, 1))}", $"{name} before {time.Years[0]}");
            case TimeKind.Month when time.Years.Count == 1:
                var month = new DateOnly(time.Years[0], time.Month!.Value, 1);
                return (Range(month, month.AddMonths(1)), $"{name} in {month:yyyy-MM}");
            case TimeKind.Month:
                return ($"EXTRACT(MONTH FROM {c}) = {time.Month}", $"{name} in month {time.Month} of any year");
            case TimeKind.Quarter when time.Years.Count == 1:
                var quarter = new DateOnly(time.Years[0], (time.Quarter!.Value - 1) * 3 + 1, 1);
                return (Range(quarter, quarter.AddMonths(3)), $"{name} in Q{time.Quarter} {time.Years[0]}");
            case TimeKind.Quarter:
                return ($"EXTRACT(QUARTER FROM {c}) = {time.Quarter}", $"{name} in Q{time.Quarter} of any year");
            case TimeKind.Rolling:
                var unit = GrainWord(time.Grain);
                return ($"{c} >= CURRENT_DATE - INTERVAL '{time.N} {unit}s'", $"{name} in the last {time.N} {unit}s");
            case TimeKind.Previous:
                var g = GrainWord(time.Grain);
                return ($"{c} >= date_trunc('{g}', CURRENT_DATE) - INTERVAL '1 {g}' AND {c} < date_trunc('{g}', CURRENT_DATE)", $"{name} in the previous calendar {g}");
            case TimeKind.Current:
                var cg = GrainWord(time.Grain);
                return ($"{c} >= date_trunc('{cg}', CURRENT_DATE)", $"{name} in the current {cg}");
            case TimeKind.Latest:
                var lg = GrainWord(time.Grain);
                return ($"{c} >= date_trunc('{lg}', (SELECT MAX({SqlText.Ident(column.Name)}) FROM {TableName(column.Table)}))", $"{name} in the latest {lg} of the data");
            default:
                return null;
        }
    }

    private static string GrainWord(TimeGrain grain) => grain switch
    {
        TimeGrain.Day or TimeGrain.Weekday => "day",
        TimeGrain.Week => "week",
        TimeGrain.Month => "month",
        TimeGrain.Quarter => "quarter",
        _ => "year",
    };

    // "Trend ... by month", "monthly trend", "by month ... per month" name one period twice: the question asks for one
    // series. A period left to the data (a trend) gives way to a named one on the same dates, and a grouping said
    // twice is one grouping.
    private static List<Grouping> WithoutRepeatedPeriods(IEnumerable<Grouping> groups)
    {
        var list = groups.Distinct().ToList();
        return list.Where(g => !(g.Grain == TimeGrain.Auto
                && list.Any(o => o.IsTime && o.Grain != TimeGrain.Auto && (o.Column == g.Column || o.Column is null || g.Column is null))))
            .ToList();
    }

    private (string Expr, string Alias) TimeBucket(ColumnNode column, TimeGrain grain)
    {
        var c = Col(column);
        if (column.IsYear) return (c, SqlText.Alias(column.Name));
        return grain switch
        {
            TimeGrain.Day => ($"{c}::date", "day"),
            TimeGrain.Weekday => ($"to_char({c}, 'FMDay')", "weekday"),
            TimeGrain.Year => ($"EXTRACT(YEAR FROM {c})::int", "\"year\""),
            TimeGrain.Auto => ($"date_trunc('month', {c})::date", "\"month\""),
            _ => ($"date_trunc('{GrainWord(grain)}', {c})::date", SqlText.Ident(GrainWord(grain))),
        };
    }

    // ---- joins ----

    private void Require(TableNode table)
    {
        if (_joined.Contains(table)) return;
        var path = index.PathTo(_joined, table);
        if (path is null)
        {
            _disconnected = true;
            return;
        }
        foreach (var edge in path)
        {
            if (_joined.Contains(edge.To)) continue;
            _joins.Add(edge);
            _joined.Add(edge.To);
        }
    }

    private string FromClause()
    {
        var from = new StringBuilder($"{TableName(_joined[0])} AS {_joined[0].Alias}");
        foreach (var edge in _joins)
        {
            var on = string.Join(" AND ", edge.FromColumns.Zip(edge.ToColumns, (f, t) => $"{edge.From.Alias}.{SqlText.Ident(f)} = {edge.To.Alias}.{SqlText.Ident(t)}"));
            from.Append($"\nJOIN {TableName(edge.To)} AS {edge.To.Alias} ON {on}");
        }
        return from.ToString();
    }

    private static string TableName(TableNode table) => $"{SqlText.Ident(table.Info.Schema)}.{SqlText.Ident(table.Info.Name)}";

    private string Col(ColumnNode column) => $"{column.Table.Alias}.{SqlText.Ident(column.Name)}";

    private ComposedQuery Decline(string reason) => new(null, reason, null, 0, [.. _doubts, reason]);

    private ComposedQuery Done(string sql, string words, string chart) =>
        new(sql, words, chart, Math.Clamp(_confidence, 0, 1), [.. _doubts], _joins.Count, _joins.Any(e => !e.ManyToOne), _joins.Count(e => e.Inferred), [.. _joined]);
}

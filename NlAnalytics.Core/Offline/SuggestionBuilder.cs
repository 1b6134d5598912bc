namespace NlAnalytics.Core.Offline;

/// <summary>
/// Questions the offline writer can answer, near what was asked: built first from the tables, values and
/// groupings the question did ground. Every suggestion is written before it is offered (<paramref name="confident"/>
/// says whether the writer answers it confidently), so a suggestion never leads to another refusal.
/// </summary>
internal sealed class SuggestionBuilder(CatalogIndex index, IReadOnlySet<string> hintedTables, Func<string, bool>? confident = null)
{
    /// <summary>Two or three: enough to show what can be asked, few enough to read.</summary>
    private const int MaxSuggestions = 3;

    public IReadOnlyList<string> For(QueryIntent intent)
    {
        var tables = new List<TableNode>();
        void Add(TableNode? table)
        {
            if (table is not null && !tables.Contains(table)) tables.Add(table);
        }
        Add(intent.Measure?.Table);
        Add(intent.Entity);
        foreach (var mention in intent.Values) Add(mention.Refs[0].Column.Table);
        foreach (var group in intent.Groups) Add(group.Table ?? group.Column?.Table);
        foreach (var table in index.Tables.Where(t => hintedTables.Contains(t.Info.QualifiedName))) Add(table);
        foreach (var table in index.Tables.OrderByDescending(t => t.Columns.Count(c => c.IsMeasure)).ThenByDescending(t => t.Info.RowEstimate)) Add(table);

        var value = intent.Values.FirstOrDefault();
        var suggestions = new List<string>();
        // First what the question itself grounded: its measure with its period, groupings and values, without the part that failed.
        foreach (var candidate in FromMeasure(intent))
        {
            if (suggestions.Count >= MaxSuggestions) return suggestions;
            if (!suggestions.Contains(candidate) && Answerable(candidate)) suggestions.Add(candidate);
        }
        foreach (var table in tables.Take(6))
        {
            foreach (var candidate in Candidates(table, value))
            {
                if (suggestions.Count >= MaxSuggestions) return suggestions;
                if (!suggestions.Contains(candidate) && Answerable(candidate)) suggestions.Add(candidate);
            }
        }
        return suggestions;
    }

    private static IEnumerable<string> Candidates(TableNode table, ValueMention? value)
    {
        var noun = table.Noun;
        var measure = table.Columns.FirstOrDefault(c => c.IsMeasure && !c.IsNonAdditive) ?? table.Columns.FirstOrDefault(c => c.IsMeasure);
        var dimension = table.Columns.FirstOrDefault(c => c.IsDimension && !c.IsKey && c.Info.DistinctValues is { Count: > 1 and <= 30 });
        var date = table.Columns.FirstOrDefault(c => c.IsDate || c.IsYear);
        if (value is not null && value.Refs.Any(r => r.Column.Table == table))
            yield return $"How many {noun} with {value.Refs[0].Value}?";
        if (measure is not null && dimension is not null)
            yield return measure.IsNonAdditive ? $"Average {Words(measure)} by {Words(dimension)}" : $"Total {Words(measure)} by {Words(dimension)}";
        if (measure is not null && date is not null)
            yield return $"Total {Words(measure)} per {(date.IsYear ? "year" : "month")}";
        if (dimension is not null)
            yield return $"How many {noun} by {Words(dimension)}?";
        yield return $"How many {noun} are there?";
    }

    /// <summary>"Total fee in 2021", "Total fee by city", "Total fee per month in 2021": the grounded measure, one grounded part at a time.</summary>
    private static IEnumerable<string> FromMeasure(QueryIntent intent)
    {
        if (intent.Measure is not { } measure)
            yield break;
        var aggregate = intent.Aggregate == Aggregate.Average || measure.IsNonAdditive ? "Average" : "Total";
        var what = $"{aggregate} {Words(measure)}";
        var year = intent.Time is { Kind: TimeKind.Years, Years.Count: 1 } time ? $" in {time.Years[0]}" : "";
        if (year.Length > 0)
            yield return what + year;
        foreach (var group in intent.Groups.Where(g => !g.IsTime))
        {
            if (group.Column is not null)
                yield return $"{what} by {Words(group.Column)}{year}";
            else if (group.Table is not null)
                yield return $"{what} by {group.Table.Noun}{year}";
        }
        foreach (var mention in intent.Values.Where(v => !v.Negated))
            yield return $"{what} for {mention.Refs[0].Value}{year}";
        yield return $"{what} per month{year}";
    }

    private static string Words(ColumnNode column) => string.Join(' ', TextNormalizer.SplitIdentifier(column.Name));

    private bool Answerable(string question)
    {
        if (confident is not null) return confident(question);
        var intent = new QuestionParser(index).Parse(question);
        if (intent.Unknown.Count > 0 || intent.Unplaced.Count > 0 || !intent.HasSubject) return false;
        var composed = new SqlComposer(index, hintedTables).Compose(intent);
        return composed.Sql is not null && composed.Confidence >= 0.7;
    }
}

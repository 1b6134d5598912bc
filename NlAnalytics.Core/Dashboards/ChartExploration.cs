using System.Text;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Dashboards;

public enum ExplorationPeriod { Day, Week, Month, Quarter, Year }

public enum ExplorationAggregate { Sum, Average, Count, Min, Max }

/// <summary>
/// A new look at a saved question: another chart type and, optionally, its rows grouped by one of its result columns
/// (or a date column by <see cref="Period"/>) with <see cref="Aggregate"/> of <see cref="Measure"/> (Count needs none).
/// </summary>
public sealed record Exploration(ChartKind? ChartType = null, string? GroupBy = null, ExplorationPeriod? Period = null, string? Measure = null,
    ExplorationAggregate Aggregate = ExplorationAggregate.Sum)
{
    public bool Regroups => GroupBy is not null || Period is not null;
}

/// <summary>
/// Builds the SQL of an exploration around the saved SQL, never inside it: the saved query becomes a subquery and the
/// new grouping is over its result columns, named only from that result and quoted; the period and the aggregate come
/// from closed lists. Nothing the user typed is spliced into the text.
/// </summary>
public static class ChartExploration
{
    public const string SubqueryAlias = "explored";

    /// <summary>The SQL to run; throws <see cref="ConversationException"/> (Invalid, with the field) for a column the result does not have or cannot be grouped or summed that way.</summary>
    public static string Sql(string savedSql, IReadOnlyList<ResultColumn> columns, Exploration exploration)
    {
        if (!exploration.Regroups)
            return savedSql;
        if (exploration.GroupBy is not { } groupName)
            throw Invalid("groupBy", "Name the result column to group by (a date column for a period).");
        var group = Find(columns, groupName, "groupBy");
        var q = ExecutionRoleProvisioner.QuoteIdentifier(SubqueryAlias) + ".";
        string groupExpression;
        if (exploration.Period is { } period)
        {
            if (!IsDate(group.DataType))
                throw Invalid("period", $"'{group.Name}' is not a date column ({group.DataType}), so it cannot be grouped by {period.ToString().ToLowerInvariant()}.");
            groupExpression = $"date_trunc('{period.ToString().ToLowerInvariant()}', {q}{Quote(group.Name)})::date";
        }
        else
        {
            groupExpression = q + Quote(group.Name);
        }

        string measureExpression;
        string measureAlias;
        if (exploration.Measure is { } measureName)
        {
            var measure = Find(columns, measureName, "measure");
            if (exploration.Aggregate != ExplorationAggregate.Count && !IsNumber(measure.DataType))
                throw Invalid("measure", $"'{measure.Name}' is not a number column ({measure.DataType}), so it cannot be summed or averaged.");
            measureExpression = $"{Function(exploration.Aggregate)}({q}{Quote(measure.Name)})";
            measureAlias = $"{exploration.Aggregate.ToString().ToLowerInvariant()}_{measure.Name}";
        }
        else if (exploration.Aggregate == ExplorationAggregate.Count)
        {
            measureExpression = "count(*)";
            measureAlias = "count";
        }
        else
        {
            throw Invalid("measure", $"Name the number column to {exploration.Aggregate.ToString().ToLowerInvariant()}, or count the rows.");
        }

        // A trailing semicolon would end the subquery; a trailing line comment would swallow the closing parenthesis
        // without the line break before it.
        var inner = savedSql.Trim().TrimEnd(';').TrimEnd();
        var sql = new StringBuilder()
            .Append("SELECT ").Append(groupExpression).Append(" AS ").Append(Quote(group.Name))
            .Append(", ").Append(measureExpression).Append(" AS ").Append(Quote(measureAlias)).Append('\n')
            .Append("FROM (\n").Append(inner).Append("\n) AS ").Append(Quote(SubqueryAlias)).Append('\n')
            .Append("GROUP BY 1\n")
            // A period reads in time order; categories largest first, as the advisor's bar charts do.
            .Append(exploration.Period is null ? "ORDER BY 2 DESC NULLS LAST, 1" : "ORDER BY 1");
        return sql.ToString();
    }

    /// <summary>A title for the explored question: "Orders by month of ordered_on".</summary>
    public static string Title(string savedTitle, Exploration exploration)
    {
        if (!exploration.Regroups)
            return savedTitle;
        var by = exploration.Period is { } period ? $"{period.ToString().ToLowerInvariant()} of {exploration.GroupBy}" : exploration.GroupBy;
        var what = exploration.Measure is { } measure ? $"{exploration.Aggregate.ToString().ToLowerInvariant()} of {measure}" : "count";
        var title = $"{savedTitle}: {what} by {by}";
        return title.Length <= 200 ? title : title[..200];
    }

    private static ResultColumn Find(IReadOnlyList<ResultColumn> columns, string name, string field) =>
        columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal))
        ?? columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw Invalid(field, $"The result has no column '{name}'. Its columns: {string.Join(", ", columns.Select(c => c.Name))}.");

    private static string Quote(string identifier) => ExecutionRoleProvisioner.QuoteIdentifier(identifier);

    private static string Function(ExplorationAggregate aggregate) => aggregate switch
    {
        ExplorationAggregate.Sum => "sum",
        ExplorationAggregate.Average => "avg",
        ExplorationAggregate.Count => "count",
        ExplorationAggregate.Min => "min",
        _ => "max",
    };

    internal static bool IsDate(string dataType) =>
        dataType.StartsWith("date", StringComparison.OrdinalIgnoreCase) || dataType.StartsWith("timestamp", StringComparison.OrdinalIgnoreCase);

    internal static bool IsNumber(string dataType) =>
        dataType.StartsWith("numeric", StringComparison.OrdinalIgnoreCase) || dataType.StartsWith("decimal", StringComparison.OrdinalIgnoreCase)
        || dataType is "integer" or "bigint" or "smallint" or "real" or "double precision" or "money" or "int2" or "int4" or "int8" or "float4" or "float8";

    private static ConversationException Invalid(string field, string message) => new(ConversationProblem.Invalid, message, field);
}

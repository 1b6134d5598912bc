namespace NlAnalytics.Core.Execution;

/// <summary>Bounds applied to every analyst query.</summary>
public sealed record QueryLimits(int MaxRows = 5000, TimeSpan? Timeout = null)
{
    public TimeSpan EffectiveTimeout => Timeout ?? TimeSpan.FromSeconds(15);

    /// <summary>These limits tightened to a source's own row cap and timeout, where it has them (a source never loosens them).</summary>
    public QueryLimits For(Data.DataSource source) => this with
    {
        MaxRows = source.RowCap is { } cap ? Math.Min(cap, MaxRows) : MaxRows,
        Timeout = source.QueryTimeout is { } timeout && timeout < EffectiveTimeout ? timeout : Timeout,
    };
}

public sealed record ResultColumn(string Name, string DataType);

/// <summary>
/// The rows of one executed query, capped at the row limit. Values are CLR values (string, long, decimal, double, DateTime, DateOnly, bool, null).
/// <see cref="DataAsOf"/> is when the rows were read (set by the result cache); <see cref="FromCache"/> says the query did not run for this answer.
/// </summary>
public sealed record QueryResult(
    IReadOnlyList<ResultColumn> Columns,
    IReadOnlyList<object?[]> Rows,
    bool Truncated,
    TimeSpan Elapsed,
    DateTimeOffset? DataAsOf = null,
    bool FromCache = false);

/// <summary>Why a statement was refused before or during execution; <see cref="UserMessage"/> is safe to show and to send to the SQL writer.</summary>
public sealed record SqlFailure(SqlFailureKind Kind, string UserMessage, string? SqlState = null);

public enum SqlFailureKind { Rejected, Syntax, Semantic, PermissionDenied, Timeout, Cancelled, Connection, Other }

public sealed class SqlExecutionException(SqlFailure failure, Exception? inner = null)
    : Exception(failure.UserMessage, inner)
{
    public SqlFailure Failure { get; } = failure;
}

using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Execution;

/// <summary>Early, clear refusals of SQL that is not a single read-only query. Not a security boundary: the execution role is.</summary>
public interface ISqlGate
{
    /// <summary>Returns null when the statement may run, otherwise why not.</summary>
    SqlFailure? Check(string sql);
}

/// <summary>Runs untrusted SQL as the data source's restricted role in a read-only, time- and row-bounded transaction that is always rolled back.</summary>
public interface ISqlExecutor
{
    /// <summary>Throws <see cref="SqlExecutionException"/> with a user-safe message on any failure.</summary>
    Task<QueryResult> ExecuteAsync(DataSource source, string sql, QueryLimits limits, CancellationToken cancellationToken);
}

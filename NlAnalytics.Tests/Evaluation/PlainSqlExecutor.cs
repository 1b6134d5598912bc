using System.Diagnostics;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>
/// A straightforward executor for evaluation tests: a read-only, rolled-back transaction on a real database,
/// values converted the way <see cref="QueryResult"/> documents. The product's hardened executor lives in
/// Execution/; these tests only need gold and generated SQL to run the same way.
/// </summary>
internal sealed class PlainSqlExecutor : ISqlExecutor
{
    public async Task<QueryResult> ExecuteAsync(DataSource source, string sql, QueryLimits limits, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await using var connection = new NpgsqlConnection(source.QueryConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var setup = new NpgsqlCommand(
                $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(int)limits.EffectiveTimeout.TotalMilliseconds}", connection, transaction))
                await setup.ExecuteNonQueryAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(i => new ResultColumn(reader.GetName(i), reader.GetDataTypeName(i))).ToList();
            var rows = new List<object?[]>();
            var truncated = false;
            while (await reader.ReadAsync(cancellationToken))
            {
                if (rows.Count == limits.MaxRows) { truncated = true; break; }
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i) switch
                    {
                        short s => (long)s,
                        int n => (long)n,
                        float f => (double)f,
                        var v => v,
                    };
                rows.Add(row);
            }
            return new QueryResult(columns, rows, truncated, watch.Elapsed);
        }
        catch (PostgresException e)
        {
            var kind = e.SqlState.StartsWith("42", StringComparison.Ordinal) ? SqlFailureKind.Semantic : SqlFailureKind.Other;
            throw new SqlExecutionException(new SqlFailure(kind, e.MessageText, e.SqlState), e);
        }
    }
}

/// <summary>Resolves any name to one fixed data source, as the CLI's "demo" would.</summary>
internal sealed class SingleSourceRegistry(DataSource source) : IDataSourceRegistry
{
    public IReadOnlyList<DataSource> All => [source];

    public DataSource Resolve(string nameOrConnectionString) => source;
}

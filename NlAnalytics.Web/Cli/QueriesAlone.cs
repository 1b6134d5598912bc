using System.Data;
using System.Diagnostics;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using Npgsql;

namespace NlAnalytics.Web.Cli;

/// <summary>The answers' SQL run straight against the source: how long each took, and how many a second in all.</summary>
public sealed record QueriesAlone(IReadOnlyList<double> Milliseconds, int Failures, double WallSeconds)
{
    public int Queries => Milliseconds.Count;
    public double QueriesPerSecond => WallSeconds > 0 ? Queries / WallSeconds : 0;
}

/// <summary>
/// The load benchmark's yardstick for distinct questions: what the queries cost on their own. The same SQL the
/// answers ran, as the source's query login, through a pool of the executor's size, the same analysts at once,
/// each running their queries one after another and reading every row; no gate, no transaction set-up, no app.
/// </summary>
public sealed class QueriesAloneRunner(IDataSourceRegistry sources)
{
    public async Task<QueriesAlone> RunAsync(string sourceName, IReadOnlyList<IReadOnlyList<string>> perAnalyst, CancellationToken cancellationToken)
    {
        var source = sources.Resolve(sourceName);
        var builder = new NpgsqlConnectionStringBuilder(source.QueryConnectionString);
        if (!SqlExecutor.MentionsPoolSize(source.QueryConnectionString))
            builder.MaxPoolSize = SqlExecutor.QueryPoolSize;
        // A hundred analysts share ten connections: they wait their turn, as the app's answers do, however long it takes.
        builder.Timeout = 0;
        builder.CommandTimeout = 0;
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        // One warm connection, as the app's pool has them.
        await using (var warm = await dataSource.OpenConnectionAsync(cancellationToken))
        {
        }
        var failures = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = perAnalyst.Select(async queries =>
        {
            await start.Task;
            var times = new List<double>();
            foreach (var sql in queries)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
                    await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                        for (var i = 0; i < reader.FieldCount; i++)
                            _ = reader.IsDBNull(i) ? null : reader.GetString(i);
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
                catch (NpgsqlException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
            return times;
        }).ToList();
        var wall = Stopwatch.StartNew();
        start.SetResult();
        var results = await Task.WhenAll(work);
        return new QueriesAlone([.. results.SelectMany(t => t)], failures, wall.Elapsed.TotalSeconds);
    }
}

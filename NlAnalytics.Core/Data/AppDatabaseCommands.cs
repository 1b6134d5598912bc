using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace NlAnalytics.Core.Data;

/// <summary>
/// Counts the commands (round trips) sent to the app database inside a <see cref="Measure"/> scope, and the
/// time they took, for the round-trip and load benchmarks. The scope flows with the async context, so work an
/// operation starts in the background (an answer) counts too, and other requests of the app do not.
/// </summary>
public sealed class AppDatabaseCommands : DbCommandInterceptor
{
    public static readonly AppDatabaseCommands Interceptor = new();

    private static readonly AsyncLocal<Tally?> Current = new();

    private AppDatabaseCommands()
    {
    }

    /// <summary>Starts counting the commands of this async flow until the returned tally is disposed.</summary>
    public static Tally Measure()
    {
        var tally = new Tally(Current.Value);
        Current.Value = tally;
        return tally;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Time(eventData);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Time(eventData);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Time(eventData);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Time(eventData);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Time(eventData);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Time(eventData);
        return ValueTask.FromResult(result);
    }

    private static void Count(DbCommand command) => Current.Value?.Add(command.CommandText);

    /// <summary>
    /// Counts a round trip made on a connection of the app database that EF does not see (the answer leases'
    /// advisory locks, the question's batch), and its time, so a measurement counts every round trip, not only EF's.
    /// </summary>
    internal static void CountRaw(string commandText, TimeSpan elapsed)
    {
        if (Current.Value is not { } tally)
            return;
        tally.Add(commandText);
        tally.AddTime(elapsed);
    }

    // From sending the command to the first result (a reader's rows are read after; EF reads small ones).
    private static void Time(CommandExecutedEventData eventData) => Current.Value?.AddTime(eventData.Duration);

    /// <summary>The commands counted so far; nested scopes also count in the scopes around them.</summary>
    public sealed class Tally(Tally? outer) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<string> _commands = [];
        private TimeSpan _elapsed;

        public int Count { get { lock (_gate) return _commands.Count; } }

        /// <summary>The time the counted commands took in the database and on the wire.</summary>
        public TimeSpan Elapsed { get { lock (_gate) return _elapsed; } }

        /// <summary>The SQL of each command, in order.</summary>
        public IReadOnlyList<string> Commands { get { lock (_gate) return [.. _commands]; } }

        internal void Add(string sql)
        {
            lock (_gate)
                _commands.Add(sql);
            outer?.Add(sql);
        }

        internal void AddTime(TimeSpan duration)
        {
            lock (_gate)
                _elapsed += duration;
            outer?.AddTime(duration);
        }

        public void Dispose()
        {
            if (Current.Value == this)
                Current.Value = outer;
        }
    }
}

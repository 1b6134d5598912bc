using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace NlAnalytics.Core.Data;

/// <summary>
/// Counts the commands (round trips) sent to the app database inside a <see cref="Measure"/> scope, for the
/// round-trip benchmark. The scope flows with the async context, so work an operation starts in the
/// background (an answer) counts too, and other requests of the app do not.
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

    private static void Count(DbCommand command) => Current.Value?.Add(command.CommandText);

    /// <summary>The commands counted so far; nested scopes also count in the scopes around them.</summary>
    public sealed class Tally(Tally? outer) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<string> _commands = [];

        public int Count { get { lock (_gate) return _commands.Count; } }

        /// <summary>The SQL of each command, in order.</summary>
        public IReadOnlyList<string> Commands { get { lock (_gate) return [.. _commands]; } }

        internal void Add(string sql)
        {
            lock (_gate)
                _commands.Add(sql);
            outer?.Add(sql);
        }

        public void Dispose()
        {
            if (Current.Value == this)
                Current.Value = outer;
        }
    }
}

using Npgsql;

namespace NlAnalytics.Core.Data;

/// <summary>
/// Tells an unreachable app database (stopped, restarting, network gone) from a bug. An outage is reported to
/// the user as such ("try again in a moment", their input kept) rather than as an error that ends their page.
/// </summary>
public static class AppDatabaseOutage
{
    public const string UserMessage =
        "The app's database cannot be reached just now, so nothing was saved. Your question is still in the box: send it again in a moment.";

    /// <summary>Whether <paramref name="exception"/> (or one it wraps) says the database could not be reached or went away.</summary>
    public static bool Is(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 57P01-57P03: shutting down, crash shutdown, cannot connect now; 08: connection failures.
                case PostgresException p when p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("08", StringComparison.Ordinal):
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                case EndOfStreamException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Drops the pooled connections: after an outage every idle one is dead, and each would fail one more request
    /// before the pool noticed. The next request opens fresh connections (or fails fast while the server is still away).
    /// </summary>
    public static void ForgetConnections() => NpgsqlConnection.ClearAllPools();
}

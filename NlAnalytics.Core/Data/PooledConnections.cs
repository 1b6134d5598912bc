using System.Data;
using Npgsql;

namespace NlAnalytics.Core.Data;

/// <summary>
/// A restart of a PostgreSQL server (or an administrator's pg_terminate_backend) leaves every idle pooled connection to it
/// dead, and Npgsql finds out only when it next uses one: "terminating connection due to administrator command". Code that
/// starts with a statement that changes nothing (BEGIN, SET TRANSACTION) can clear the pool and try once more.
/// </summary>
public static class PooledConnections
{
    /// <summary>Whether <paramref name="ex"/> says the server had already ended <paramref name="connection"/>.</summary>
    public static bool IsLost(Exception ex, NpgsqlConnection connection) =>
        (connection.FullState.HasFlag(ConnectionState.Broken) || connection.State == ConnectionState.Closed)
        && ex is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow }
            or NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or EndOfStreamException };
}

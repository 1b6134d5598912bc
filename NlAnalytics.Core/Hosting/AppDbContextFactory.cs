using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Hosting;

/// <summary>
/// Builds contexts for the app database. The connection string is only known once the platform has
/// started (the embedded cluster may pick it), so options are built on first use rather than at registration.
/// </summary>
internal sealed class AppDbContextFactory(PlatformDatabases databases) : IDbContextFactory<AppDbContext>
{
    /// <summary>
    /// The app database's pool unless the connection string sets its own: room for the page circuits, the API and
    /// the answers in progress, while it plus every source's query pool (10) stays well under max_connections (240 embedded).
    /// </summary>
    public const int AppPoolSize = 30;

    private DbContextOptions<AppDbContext>? _options;

    public AppDbContext CreateDbContext() =>
        new(_options ??= new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(WithPool(databases.AppConnectionString)).AddInterceptors(AppDatabaseCommands.Interceptor).Options);

    private static string WithPool(string connectionString) =>
        Execution.SqlExecutor.MentionsPoolSize(connectionString)
            ? connectionString
            : new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = AppPoolSize }.ConnectionString;
}

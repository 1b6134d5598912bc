using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Hosting;

namespace NlAnalytics.Core.Data;

/// <summary>
/// Builds contexts for the app database. The connection string is only known once the platform has
/// started (the embedded cluster may pick it), so options are built on first use rather than at registration.
/// </summary>
internal sealed class AppDbContextFactory(PlatformDatabases databases) : IDbContextFactory<AppDbContext>
{
    private DbContextOptions<AppDbContext>? _options;

    public AppDbContext CreateDbContext() =>
        new(_options ??= new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(databases.AppConnectionString).AddInterceptors(AppDatabaseCommands.Interceptor).Options);
}

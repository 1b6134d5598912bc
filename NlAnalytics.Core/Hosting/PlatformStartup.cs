using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Hosting;

/// <summary>
/// Brings the platform up before the web server listens: databases (embedded or configured), then
/// migrations. The embedded cluster is stopped when the host stops.
/// </summary>
public sealed partial class PlatformStartup(
    PlatformDatabases databases,
    IDbContextFactory<AppDbContext> contextFactory,
    ILogger<PlatformStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await databases.StartAsync(cancellationToken);
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        await context.Database.MigrateAsync(cancellationToken);
        LogReady(logger, databases.IsEmbedded ? "embedded PostgreSQL" : "configured PostgreSQL");
    }

    public Task StopAsync(CancellationToken cancellationToken) => databases.StopAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "App database ready on {Where}; migrations applied")]
    private static partial void LogReady(ILogger logger, string where);
}

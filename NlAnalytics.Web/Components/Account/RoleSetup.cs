using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Components.Account;

/// <summary>Creates the Admin and Analyst roles at start-up when they are missing.</summary>
internal sealed partial class RoleSetup(IServiceScopeFactory scopeFactory, ILogger<RoleSetup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var name in new[] { WebServiceExtensions.AdminRole, WebServiceExtensions.AnalystRole })
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await roles.RoleExistsAsync(name))
                continue;
            IdentityResult result;
            try
            {
                result = await roles.CreateAsync(new IdentityRole(name));
            }
            catch (DbUpdateException)
            {
                // Another instance on the same database may have created it a moment earlier.
                if (await roles.RoleExistsAsync(name))
                    continue;
                throw;
            }
            if (!result.Succeeded)
                throw new InvalidOperationException($"Could not create role {name}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
            LogRoleCreated(logger, name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created role {Role}")]
    private static partial void LogRoleCreated(ILogger logger, string role);
}

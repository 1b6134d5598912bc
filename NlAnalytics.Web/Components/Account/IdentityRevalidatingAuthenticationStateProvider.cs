using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Account;

/// <summary>
/// Re-checks the signed-in user's security stamp and that the account is enabled every
/// <see cref="AuthOptions.SessionCheckSeconds"/> while a circuit is open, so a sign-out, a changed password, a
/// disable or a forced sign-out ends long-lived interactive sessions too (the template checks every 30 minutes).
/// </summary>
internal sealed partial class IdentityRevalidatingAuthenticationStateProvider(
    ILoggerFactory loggerFactory,
    IServiceScopeFactory scopeFactory,
    IOptions<IdentityOptions> options,
    IOptions<AuthOptions> auth,
    ILogger<IdentityRevalidatingAuthenticationStateProvider> logger)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(Math.Max(1, auth.Value.SessionCheckSeconds));

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        try
        {
            return await IsStillValidAsync(authenticationState);
        }
        catch (Exception ex) when (AppDatabaseOutage.Is(ex))
        {
            // The base class signs the circuit out on an exception, and the page would drop what the user typed.
            // The session was valid at the last check; the next check runs when the database is back.
            LogCheckPostponed(logger, ex.GetType().Name);
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session check postponed: the app database is unreachable ({Error}); the circuit stays signed in")]
    private static partial void LogCheckPostponed(ILogger logger, string error);

    private async Task<bool> IsStillValidAsync(AuthenticationState authenticationState)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await userManager.GetUserAsync(authenticationState.User);
        if (user is null || user.DisabledAt is not null)
            return false;
        if (!userManager.SupportsUserSecurityStamp)
            return true;
        var principalStamp = authenticationState.User.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await userManager.GetSecurityStampAsync(user);
    }
}

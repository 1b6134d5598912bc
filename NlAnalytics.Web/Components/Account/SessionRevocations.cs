using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Account;

/// <summary>
/// The security stamp each account got last on this instance (a sign-out, a password change or reset, a role change, a
/// disable, a forced sign-out). A cookie that carries an older stamp is refused on its very next request here, not only
/// at the next check against the database (every <see cref="AuthOptions.SessionCheckSeconds"/>, 60 by default), which
/// still covers changes made through another instance.
/// </summary>
public sealed class SessionRevocations
{
    private readonly ConcurrentDictionary<string, string> _stamps = new(StringComparer.Ordinal);

    public void Record(string userId, string? stamp)
    {
        if (stamp is not null)
            _stamps[userId] = stamp;
    }

    /// <summary>Whether <paramref name="principal"/>'s stamp is older than the one this instance last gave its account.</summary>
    public bool IsOutdated(ClaimsPrincipal principal, IdentityOptions options) =>
        principal.FindFirstValue(options.ClaimsIdentity.UserIdClaimType) is { } userId
        && _stamps.TryGetValue(userId, out var latest)
        && !string.Equals(principal.FindFirstValue(options.ClaimsIdentity.SecurityStampClaimType), latest, StringComparison.Ordinal);

    /// <summary>Puts the check in front of Identity's own stamp validation of the application cookie.</summary>
    public static void Guard(CookieAuthenticationOptions options)
    {
        var validate = options.Events.OnValidatePrincipal;
        options.Events.OnValidatePrincipal = async context =>
        {
            var services = context.HttpContext.RequestServices;
            if (context.Principal is { } principal
                && services.GetRequiredService<SessionRevocations>().IsOutdated(principal, services.GetRequiredService<IOptions<IdentityOptions>>().Value))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                return;
            }
            await validate(context);
        };
    }
}

/// <summary>Identity's user manager, telling <see cref="SessionRevocations"/> every stamp it stores.</summary>
public sealed class AppUserManager(
    IUserStore<AppUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<AppUser> passwordHasher,
    IEnumerable<IUserValidator<AppUser>> userValidators,
    IEnumerable<IPasswordValidator<AppUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<AppUser>> logger,
    SessionRevocations revocations)
    : UserManager<AppUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    protected override async Task<IdentityResult> UpdateUserAsync(AppUser user)
    {
        var result = await base.UpdateUserAsync(user);
        if (result.Succeeded)
            revocations.Record(user.Id, user.SecurityStamp);
        return result;
    }
}

using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Layout;

/// <summary>
/// The light or dark theme each user chose, kept as an Identity user claim (no table of its own, no
/// migration). Each read or write takes its own scope: in a circuit a scoped UserManager would hold one
/// DbContext for hours.
/// </summary>
public sealed class ThemePreference(IServiceScopeFactory scopes)
{
    public const string ClaimType = "nlanalytics:theme";
    public const string Dark = "dark";
    public const string Light = "light";

    /// <summary>Name of the cascading value that carries the theme read on the server into the circuit.</summary>
    public const string InitialDarkMode = "InitialDarkMode";

    public async Task<bool> IsDarkAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true)
            return false;
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        cancellationToken.ThrowIfCancellationRequested();
        if (await users.GetUserAsync(user) is not { } account)
            return false;
        return (await users.GetClaimsAsync(account)).Any(c => c.Type == ClaimType && c.Value == Dark);
    }

    public async Task SetDarkAsync(ClaimsPrincipal user, bool dark, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        cancellationToken.ThrowIfCancellationRequested();
        if (await users.GetUserAsync(user) is not { } account)
            return;
        var value = dark ? Dark : Light;
        var existing = (await users.GetClaimsAsync(account)).Where(c => c.Type == ClaimType).ToList();
        if (existing.Count == 1 && existing[0].Value == value)
            return;
        if (existing.Count > 0)
            await users.RemoveClaimsAsync(account, existing);
        await users.AddClaimAsync(account, new Claim(ClaimType, value));
    }
}

using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Components.Account;

/// <summary>The outcome of a registration: the new user and the role given, or what was wrong.</summary>
public sealed record RegistrationResult(AppUser? User, string? Role, IReadOnlyList<string> Errors)
{
    public bool Succeeded => User is not null;
}

/// <summary>
/// Creates accounts. The first account on an empty installation becomes Admin, every later one Analyst.
/// Creation runs in a transaction holding an advisory lock, so two people registering at the same
/// moment on a fresh installation cannot both become Admin.
/// </summary>
public sealed class AccountRegistration(UserManager<AppUser> userManager, AppDbContext db)
{
    // Arbitrary constant naming the "first account" lock among this app's advisory locks.
    private const long FirstAccountLockKey = 0x4E4C_4163_636F_756E;

    public async Task<bool> IsInstallationEmptyAsync(CancellationToken cancellationToken) =>
        !await db.Users.AnyAsync(cancellationToken);

    public async Task<RegistrationResult> RegisterAsync(string email, string password, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({FirstAccountLockKey})", cancellationToken);
        var role = await db.Users.AnyAsync(cancellationToken) ? WebServiceExtensions.AnalystRole : WebServiceExtensions.AdminRole;

        var user = new AppUser { UserName = email, Email = email };
        var created = await userManager.CreateAsync(user, password);
        if (!created.Succeeded)
            return new RegistrationResult(null, null, [.. created.Errors.Select(e => e.Description)]);
        var assigned = await userManager.AddToRoleAsync(user, role);
        if (!assigned.Succeeded)
            return new RegistrationResult(null, null, [.. assigned.Errors.Select(e => e.Description)]);

        await transaction.CommitAsync(cancellationToken);
        return new RegistrationResult(user, role, []);
    }
}

using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Account;

/// <summary>A user as the Admin's list shows them.</summary>
public sealed record UserView(string Id, string Email, string Role, DateTimeOffset? DisabledAt, DateTimeOffset? LockedOutUntil);

/// <summary>An Admin action's outcome: null error when it was done.</summary>
public sealed record AdminActionResult(string? Error)
{
    public static readonly AdminActionResult Done = new((string?)null);
    public bool Succeeded => Error is null;
}

/// <summary>
/// What an Admin does to accounts: list them, change a role, disable or enable, end all sessions. Roles are Identity
/// roles (the per-source grants of data sources build on them as groups). Every change that takes rights away
/// changes the security stamp, which ends the account's sessions within <see cref="AuthOptions.SessionCheckSeconds"/>.
/// An Admin cannot demote or disable themselves, so an installation always keeps an Admin who can sign in.
/// </summary>
public sealed class UserAdministration(UserManager<AppUser> users, AppDbContext db, TimeProvider time)
{
    /// <summary>The error of an action on an account that does not exist (the API answers it with 404).</summary>
    public const string NoSuchUser = "There is no such user.";

    public async Task<IReadOnlyList<UserView>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await db.Users.AsNoTracking().OrderBy(u => u.NormalizedEmail)
            .Select(u => new { u.Id, u.Email, u.DisabledAt, u.LockoutEnd }).ToListAsync(cancellationToken);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name })
            .ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        return [.. rows.Select(u => new UserView(
            u.Id, u.Email ?? "", roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).OrderBy(n => n, StringComparer.Ordinal).FirstOrDefault() ?? "",
            u.DisabledAt, u.LockoutEnd > now ? u.LockoutEnd : null))];
    }

    public async Task<AdminActionResult> SetRoleAsync(string actorId, string userId, string role, CancellationToken cancellationToken)
    {
        if (!Invitations.Roles.Contains(role))
            return new($"Unknown role {role}.");
        if (actorId == userId)
            return new("You cannot change your own role: another Admin can.");
        var user = await users.FindByIdAsync(userId);
        if (user is null)
            return new(NoSuchUser);
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role)
            return AdminActionResult.Done;
        var removed = await users.RemoveFromRolesAsync(user, current);
        if (!removed.Succeeded)
            return new(string.Join(" ", removed.Errors.Select(e => e.Description)));
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
            return new(string.Join(" ", added.Errors.Select(e => e.Description)));
        // Sessions carry the role as a claim: a new stamp makes them sign in again with the new one.
        await users.UpdateSecurityStampAsync(user);
        return AdminActionResult.Done;
    }

    public async Task<AdminActionResult> SetDisabledAsync(string actorId, string userId, bool disabled, CancellationToken cancellationToken)
    {
        if (actorId == userId)
            return new("You cannot disable your own account.");
        var user = await users.FindByIdAsync(userId);
        if (user is null)
            return new(NoSuchUser);
        if ((user.DisabledAt is not null) == disabled)
            return AdminActionResult.Done;
        user.DisabledAt = disabled ? time.GetUtcNow() : null;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
            return new(string.Join(" ", updated.Errors.Select(e => e.Description)));
        if (disabled)
            await users.UpdateSecurityStampAsync(user);
        return AdminActionResult.Done;
    }

    /// <summary>Ends every session of the account (all devices, cookies captured earlier too); the password stays.</summary>
    public async Task<AdminActionResult> SignOutEverywhereAsync(string userId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
            return new(NoSuchUser);
        await users.UpdateSecurityStampAsync(user);
        return AdminActionResult.Done;
    }
}

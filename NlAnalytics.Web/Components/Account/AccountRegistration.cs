using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Components.Account;

public enum RegistrationOutcome
{
    /// <summary>The first account of an empty installation: created as Admin; sign it in.</summary>
    FirstAccount,

    /// <summary>
    /// Accepted: an account was created, or the address already had one and nothing changed. The two look the same
    /// to the visitor (who is sent to sign in), so the form cannot tell anyone which addresses have accounts.
    /// </summary>
    Accepted,

    /// <summary>The input was refused (password rules, a malformed address); nothing was created.</summary>
    Refused,

    /// <summary>Registration is not open to this visitor: closed, or invitation-only without a usable invitation.</summary>
    NotAllowed,
}

/// <summary>The outcome of a registration; <see cref="User"/> is set only for <see cref="RegistrationOutcome.FirstAccount"/>.</summary>
public sealed record RegistrationResult(RegistrationOutcome Outcome, AppUser? User, IReadOnlyList<string> Errors);

/// <summary>What the register page may offer a visitor.</summary>
public sealed record RegistrationAccess(bool InstallationIsEmpty, RegistrationMode Mode, string? InvitedRole, bool InvitationGiven)
{
    public bool CanRegister => InstallationIsEmpty || Mode switch
    {
        RegistrationMode.Open => !InvitationGiven || InvitedRole is not null,
        RegistrationMode.InviteOnly => InvitedRole is not null,
        _ => false,
    };
}

/// <summary>
/// Creates accounts. The first account on an empty installation becomes Admin whatever the mode; later ones follow
/// <see cref="AuthOptions.Registration"/>: an invitation's role, or Analyst in Open mode. Creation runs in a
/// transaction holding an advisory lock, so two people registering at the same moment on a fresh installation
/// cannot both become Admin, and an invitation is spent only if its account is created.
/// </summary>
public sealed class AccountRegistration(
    UserManager<AppUser> userManager, IPasswordHasher<AppUser> hasher, AppDbContext db, Invitations invitations, IOptions<AuthOptions> options)
{
    // Arbitrary constant naming the "first account" lock among this app's advisory locks.
    private const long FirstAccountLockKey = 0x4E4C_4163_636F_756E;

    public async Task<bool> IsInstallationEmptyAsync(CancellationToken cancellationToken) =>
        !await db.Users.AnyAsync(cancellationToken);

    public async Task<RegistrationAccess> AccessAsync(string? invitation, CancellationToken cancellationToken)
    {
        var empty = await IsInstallationEmptyAsync(cancellationToken);
        var given = !string.IsNullOrWhiteSpace(invitation);
        var role = given ? await invitations.RoleOfUsableAsync(invitation, cancellationToken) : null;
        return new RegistrationAccess(empty, options.Value.Registration, role, given);
    }

    public async Task<RegistrationResult> RegisterAsync(string email, string password, string? invitation, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({FirstAccountLockKey})", cancellationToken);
        var empty = !await db.Users.AnyAsync(cancellationToken);
        var access = new RegistrationAccess(empty, options.Value.Registration,
            string.IsNullOrWhiteSpace(invitation) ? null : await invitations.RoleOfUsableAsync(invitation, cancellationToken),
            !string.IsNullOrWhiteSpace(invitation));
        if (!access.CanRegister)
            return new RegistrationResult(RegistrationOutcome.NotAllowed, null, []);

        var user = new AppUser { UserName = email, Email = email };
        // The password is judged before anything about the address, so its errors are the same for every address.
        var passwordErrors = await PasswordErrorsAsync(user, password);
        if (passwordErrors.Count > 0)
            return new RegistrationResult(RegistrationOutcome.Refused, null, passwordErrors);

        string role;
        if (empty)
            role = WebServiceExtensions.AdminRole;
        else
        {
            // Spent whether or not the address already has an account: a link that still worked afterwards would say which.
            var invitedRole = access.InvitationGiven ? await invitations.RedeemAsync(invitation, email, cancellationToken) : null;
            if (access.InvitationGiven && invitedRole is null)
                return new RegistrationResult(RegistrationOutcome.NotAllowed, null, []);
            role = invitedRole ?? WebServiceExtensions.AnalystRole;
        }

        if (!empty && await userManager.FindByEmailAsync(email) is not null)
        {
            // As much work as creating the account (hashing is most of it), so the time taken says nothing either.
            _ = hasher.HashPassword(user, password);
            await transaction.CommitAsync(cancellationToken);
            return new RegistrationResult(RegistrationOutcome.Accepted, null, []);
        }

        var created = await userManager.CreateAsync(user, password);
        if (!created.Succeeded)
            return new RegistrationResult(RegistrationOutcome.Refused, null, [.. created.Errors.Select(e => e.Description)]);
        var assigned = await userManager.AddToRoleAsync(user, role);
        if (!assigned.Succeeded)
            return new RegistrationResult(RegistrationOutcome.Refused, null, [.. assigned.Errors.Select(e => e.Description)]);

        await transaction.CommitAsync(cancellationToken);
        return empty
            ? new RegistrationResult(RegistrationOutcome.FirstAccount, user, [])
            : new RegistrationResult(RegistrationOutcome.Accepted, null, []);
    }

    private async Task<IReadOnlyList<string>> PasswordErrorsAsync(AppUser user, string password)
    {
        var errors = new List<string>();
        foreach (var validator in userManager.PasswordValidators)
        {
            var result = await validator.ValidateAsync(userManager, user, password);
            errors.AddRange(result.Errors.Select(e => e.Description));
        }
        return errors;
    }
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Account;

public enum SignInOutcome { SignedIn, Refused, LockedOut }

/// <summary>A password sign-in's outcome; <see cref="LockedUntil"/> is set when <see cref="SignInOutcome.LockedOut"/>.</summary>
public sealed record AccountSignInResult(SignInOutcome Outcome, DateTimeOffset? LockedUntil = null);

/// <summary>
/// Password sign-in that answers the same for an address with an account and one without: the same refusal, the
/// same lockout after <see cref="AccountPolicy.MaxFailedAttempts"/> failures (counted in memory for unknown
/// addresses, by Identity for real accounts), and a password hash computed either way. A disabled account is
/// refused like a wrong password.
/// </summary>
public sealed class AccountSignIn(
    SignInManager<AppUser> signInManager, IPasswordHasher<AppUser> hasher, UnknownAddressLockout unknownAddresses)
{
    public async Task<AccountSignInResult> PasswordSignInAsync(string email, string password, bool remember)
    {
        var users = signInManager.UserManager;
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            _ = hasher.HashPassword(new AppUser(), password);
            var until = unknownAddresses.Fail(users.NormalizeEmail(email));
            return until is null ? new(SignInOutcome.Refused) : new(SignInOutcome.LockedOut, until);
        }
        var result = await signInManager.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        if (result.Succeeded)
            return new(SignInOutcome.SignedIn);
        if (result.IsLockedOut)
            return new(SignInOutcome.LockedOut, await users.GetLockoutEndDateAsync(user));
        return new(SignInOutcome.Refused);
    }
}

/// <summary>
/// Failed sign-ins for addresses that have no account, locked out the way Identity locks a real account, so the
/// lockout message is no sign that an account exists. In memory, per instance; bounded.
/// </summary>
public sealed class UnknownAddressLockout(TimeProvider time)
{
    private const int MaxTracked = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(int Failures, DateTimeOffset? LockedUntil);

    /// <summary>Counts a failure; returns the end of the lockout if the address is (now) locked out.</summary>
    public DateTimeOffset? Fail(string normalizedEmail)
    {
        var now = time.GetUtcNow();
        // Full: forget the counts of addresses not locked out (only the lockouts matter for the message).
        if (_entries.Count >= MaxTracked)
            foreach (var (key, entry) in _entries)
                if (!(entry.LockedUntil > now))
                    _entries.TryRemove(key, out _);
        var updated = _entries.AddOrUpdate(normalizedEmail,
            _ => Next(new Entry(0, null), now),
            (_, entry) => Next(entry, now));
        return updated.LockedUntil > now ? updated.LockedUntil : null;
    }

    private static Entry Next(Entry entry, DateTimeOffset now)
    {
        // As Identity: while locked, attempts are refused without counting; after the lockout the count starts again.
        if (entry.LockedUntil > now)
            return entry;
        var failures = (entry.LockedUntil is null ? entry.Failures : 0) + 1;
        return failures >= AccountPolicy.MaxFailedAttempts
            ? new Entry(0, now + AccountPolicy.LockoutDuration)
            : new Entry(failures, null);
    }
}

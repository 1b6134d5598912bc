namespace NlAnalytics.Web.Components.Account;

/// <summary>The sign-in rules, in one place so Identity's options and the words on the forms agree.</summary>
public static class AccountPolicy
{
    public const int MinPasswordLength = 8;

    /// <summary>Generous enough for any passphrase; a cap keeps hashing cost bounded.</summary>
    public const int MaxPasswordLength = 256;

    public const int MaxFailedAttempts = 5;

    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    public const string PasswordRuleText =
        "At least 8 characters, up to 256. Any characters are fine, spaces included; there are no rules about " +
        "digits, capitals or symbols, but the most common passwords are refused. A passphrase of a few unrelated words is " +
        "easy to remember and hard to guess.";
}

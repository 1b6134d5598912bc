using System.Reflection;
using Microsoft.AspNetCore.Identity;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Account;

/// <summary>
/// Refuses passwords attackers try first (OWASP ASVS 5, 6.2.4: at least the top 10,000): the 30,000 most common
/// passwords of leaked password sets, as zxcvbn ships them, compared without regard to case; and a password that is
/// the account's own address or the part before its @.
/// </summary>
public sealed class CommonPasswordValidator : IPasswordValidator<AppUser>
{
    public const string CommonCode = "CommonPassword";
    public const string OwnAddressCode = "PasswordIsAddress";

    private static readonly Lazy<HashSet<string>> List = new(Load);

    /// <summary>How many passwords the shipped list holds.</summary>
    public static int Count => List.Value.Count;

    public static bool IsCommon(string password) => List.Value.Contains(password.Trim());

    public Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
            return Task.FromResult(IdentityResult.Success);
        if (IsCommon(password))
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = CommonCode,
                Description = "This password is one of the most common passwords, which attackers try first. Choose another: a few unrelated words work well.",
            }));
        var address = user.Email ?? user.UserName;
        if (address is not null && (password.Equals(address, StringComparison.OrdinalIgnoreCase)
                                    || (address.IndexOf('@') is > 0 and var at && password.Equals(address[..at], StringComparison.OrdinalIgnoreCase))))
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = OwnAddressCode,
                Description = "The password cannot be your email address or the part before the @.",
            }));
        return Task.FromResult(IdentityResult.Success);
    }

    private static HashSet<string> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("NlAnalytics.Web.common-passwords.txt")
            ?? throw new InvalidOperationException("The common passwords list is not embedded in the app.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0)
                set.Add(line);
        return set;
    }
}

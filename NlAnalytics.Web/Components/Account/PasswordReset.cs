using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Account;

/// <summary>
/// Password reset without mail: the reset link for an existing, enabled account is written to the app's log for an
/// operator to pass on (the password never is, nor anything else secret). The page says the same for every address.
/// The link's token is Identity's (Data Protection, valid <see cref="AuthOptions.PasswordResetMinutes"/>) and
/// changes the security stamp when used, which ends the account's other sessions and spends every other link.
/// </summary>
public sealed partial class PasswordReset(UserManager<AppUser> users, ILogger<PasswordReset> logger)
{
    public async Task RequestAsync(string email, Uri siteBase, CancellationToken cancellationToken)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null || user.DisabledAt is not null)
            return;
        cancellationToken.ThrowIfCancellationRequested();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));
        var link = new Uri(siteBase, $"account/reset?user={Uri.EscapeDataString(user.Id)}&code={code}");
        LogResetLink(logger, user.Email ?? user.Id, link.ToString());
    }

    /// <summary>Sets a new password with a reset link's values; the errors to show, or none when it was set.</summary>
    public async Task<IReadOnlyList<string>> ResetAsync(string? userId, string? code, string newPassword)
    {
        const string invalid = "This reset link cannot be used: it has expired, was used already, or a newer one was made. Ask for a new one.";
        var user = string.IsNullOrEmpty(userId) ? null : await users.FindByIdAsync(userId);
        if (user is null || user.DisabledAt is not null || string.IsNullOrEmpty(code))
            return [invalid];
        string token;
        try
        {
            token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return [invalid];
        }
        var result = await users.ResetPasswordAsync(user, token, newPassword);
        if (result.Succeeded)
            return [];
        return result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken))
            ? [invalid]
            : [.. result.Errors.Select(e => e.Description)];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Password reset requested for {Email}. No mail is configured: send them this link, which works once: {Link}")]
    private static partial void LogResetLink(ILogger logger, string email, string link);
}

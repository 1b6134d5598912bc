namespace NlAnalytics.Web.Components.Account;

/// <summary>Who may create an account once the installation has its first (Admin) account.</summary>
public enum RegistrationMode
{
    /// <summary>Anyone who reaches the site may register (as Analyst, or with an invitation's role).</summary>
    Open,

    /// <summary>Only with an invitation link an Admin made.</summary>
    InviteOnly,

    /// <summary>Nobody; Admins still see their invitations but none can be used.</summary>
    Closed,
}

/// <summary>Account settings (section "Auth").</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// Registration after the first account (which can always be created on an empty installation and becomes Admin).
    /// </summary>
    public RegistrationMode Registration { get; set; } = RegistrationMode.InviteOnly;

    /// <summary>
    /// How often a signed-in session re-checks its account (security stamp, disabled): a cookie on each request after
    /// this many seconds, an open Blazor circuit every this many seconds (at least 1). 0 checks the cookie on every request.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 3600)]
    public int SessionCheckSeconds { get; set; } = 60;

    /// <summary>Days an invitation link stays valid unless the Admin picks otherwise.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 365)]
    public int InvitationDays { get; set; } = 7;

    /// <summary>Minutes a password reset link stays valid.</summary>
    [System.ComponentModel.DataAnnotations.Range(5, 1440)]
    public int PasswordResetMinutes { get; set; } = 60;
}

namespace NlAnalytics.Core.Offline;

/// <summary>Who may approve a verified answer for everyone.</summary>
public enum VerifiedApproval
{
    /// <summary>Only an Admin.</summary>
    Admin,

    /// <summary>An Admin, or any signed-in analyst other than the one who verified it.</summary>
    SecondAnalyst,
}

/// <summary>Verified-memory settings (section "VerifiedMemory").</summary>
public sealed class VerifiedMemoryOptions
{
    public const string SectionName = "VerifiedMemory";

    public VerifiedApproval Approval { get; set; } = VerifiedApproval.Admin;
}

/// <summary>Who acts on the verified memory: the user, their name as shown, and whether they are an Admin.</summary>
public sealed record VerifiedMemoryActor(string UserId, string? Name, bool IsAdmin);

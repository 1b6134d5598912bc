using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Components.Account;

/// <summary>An invitation as the Admin's list shows it.</summary>
public sealed record InvitationView(
    Guid Id, string Role, string? Note, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt, string? UsedBy, DateTimeOffset? RevokedAt, InvitationState State);

public enum InvitationState { Open, Used, Revoked, Expired }

/// <summary>A new invitation with the token of its link: shown once, then only its hash is known.</summary>
public sealed record CreatedInvitation(InvitationView Invitation, string Token)
{
    public string RelativeLink => $"account/register?invite={Uri.EscapeDataString(Token)}";
}

/// <summary>
/// Invitation links: one use, an expiry and a role. Admins make, list and revoke them; registration redeems one
/// inside its own transaction so a link cannot be used twice by two people at the same moment.
/// </summary>
public sealed class Invitations(AppDbContext db, TimeProvider time, IOptions<AuthOptions> options)
{
    public static readonly IReadOnlyList<string> Roles = [WebServiceExtensions.AnalystRole, WebServiceExtensions.AdminRole];

    public async Task<CreatedInvitation> CreateAsync(string role, int? validDays, string? note, string createdBy, CancellationToken cancellationToken)
    {
        if (!Roles.Contains(role))
            throw new ArgumentException($"Unknown role {role}.", nameof(role));
        var days = Math.Clamp(validDays ?? options.Value.InvitationDays, 1, 365);
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var row = new Invitation
        {
            Id = Guid.NewGuid(),
            TokenHash = Hash(token),
            Role = role,
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim()[..Math.Min(note.Trim().Length, 200)],
            CreatedBy = createdBy,
            CreatedAt = now,
            ExpiresAt = now.AddDays(days),
        };
        db.Invitations.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedInvitation(View(row, now), token);
    }

    public async Task<IReadOnlyList<InvitationView>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rows = await db.Invitations.AsNoTracking().OrderByDescending(i => i.CreatedAt).ToListAsync(cancellationToken);
        return [.. rows.Select(r => View(r, now))];
    }

    /// <summary>Revokes an invitation that was not used yet; false when there is none such.</summary>
    public async Task<bool> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.Invitations.Where(i => i.Id == id && i.UsedAt == null && i.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), cancellationToken) > 0;
    }

    /// <summary>The role of an invitation that can still be used, or null (unknown, used, revoked or expired).</summary>
    public async Task<string?> RoleOfUsableAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 100)
            return null;
        var hash = Hash(token);
        var now = time.GetUtcNow();
        return await db.Invitations.AsNoTracking()
            .Where(i => i.TokenHash == hash && i.UsedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .Select(i => i.Role).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Marks a usable invitation used, in the caller's transaction; returns its role or null. The conditional update
    /// is what makes it one-use: of two registrations racing on one link, only one updates the row.
    /// </summary>
    internal async Task<string?> RedeemAsync(string? token, string usedBy, CancellationToken cancellationToken)
    {
        var role = await RoleOfUsableAsync(token, cancellationToken);
        if (role is null)
            return null;
        var hash = Hash(token!);
        var now = time.GetUtcNow();
        var updated = await db.Invitations
            .Where(i => i.TokenHash == hash && i.UsedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now).SetProperty(i => i.UsedBy, usedBy), cancellationToken);
        return updated == 1 ? role : null;
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static InvitationView View(Invitation r, DateTimeOffset now) => new(
        r.Id, r.Role, r.Note, r.CreatedBy, r.CreatedAt, r.ExpiresAt, r.UsedAt, r.UsedBy, r.RevokedAt,
        r.UsedAt is not null ? InvitationState.Used
        : r.RevokedAt is not null ? InvitationState.Revoked
        : r.ExpiresAt <= now ? InvitationState.Expired
        : InvitationState.Open);
}

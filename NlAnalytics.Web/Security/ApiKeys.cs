using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Security;

/// <summary>A key as listed: never the key itself, which is only in <see cref="CreatedApiKeyView"/>, once. Sources null: every source of its user.</summary>
public sealed record ApiKeyView(Guid Id, string Name, string UserId, string? UserEmail, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, IReadOnlyList<string>? Sources);

/// <summary>A new key and, this once, its secret.</summary>
public sealed record CreatedApiKeyView(Guid Id, string Name, string Key, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, IReadOnlyList<string>? Sources);

/// <summary>The outcome of making a key: the key, or the field that was wrong and why.</summary>
public sealed record ApiKeyCreation(CreatedApiKeyView? Created, string? Field = null, string? Error = null);

/// <summary>
/// Personal API keys, for the profile page, the Admin's keys page and <c>/api/keys</c> alike: made with a name, an optional
/// expiry and optionally some of the user's sources (ADR 0025), listed, revoked by their user or an Admin.
/// </summary>
public sealed class ApiKeys(IDbContextFactory<AppDbContext> contexts, ISourceAccess access, TimeProvider clock)
{
    public const int MaxNameLength = 100;

    /// <summary>The user's keys, newest first, or with <paramref name="everyone"/> every user's (an Admin's list).</summary>
    public async Task<List<ApiKeyView>> ListAsync(string userId, bool everyone, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var keys = context.ApiKeys.AsNoTracking();
        if (!everyone)
            keys = keys.Where(k => k.UserId == userId);
        return await keys.OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyView(k.Id, k.Name, k.UserId, context.Users.Where(u => u.Id == k.UserId).Select(u => u.Email).FirstOrDefault(),
                k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt, k.Sources))
            .ToListAsync(cancellationToken);
    }

    public async Task<ApiKeyCreation> CreateAsync(string userId, string? name, DateTimeOffset? expiresAt, IReadOnlyList<string>? sources, CancellationToken cancellationToken)
    {
        name = name?.Trim() ?? "";
        if (name.Length == 0)
            return new ApiKeyCreation(null, "name", "Give the key a name.");
        if (name.Length > MaxNameLength)
            return new ApiKeyCreation(null, "name", $"The name can have at most {MaxNameLength} characters.");
        var now = clock.GetUtcNow();
        if (expiresAt is { } expires && expires <= now)
            return new ApiKeyCreation(null, "expiresAt", "The expiry must be in the future.");
        List<string>? scope = null;
        if (sources is not null)
        {
            // Only sources the user may use now, under their registry names; one they may not use is refused like an unknown one.
            var allowed = await access.AllowedSourcesAsync(userId, cancellationToken);
            var unknown = sources.Where(w => !allowed.Any(a => string.Equals(a.Name, w?.Trim(), StringComparison.OrdinalIgnoreCase))).ToList();
            if (unknown.Count > 0)
                return new ApiKeyCreation(null, "sources", $"You have no data source named {string.Join(", ", unknown.Select(u => $"'{u}'"))}. GET /api/data-sources lists yours.");
            if (sources.Count == 0)
                return new ApiKeyCreation(null, "sources", "List at least one source, or leave sources out for all of yours.");
            scope = [.. allowed.Where(a => sources.Any(w => string.Equals(a.Name, w.Trim(), StringComparison.OrdinalIgnoreCase))).Select(a => a.Name)];
        }
        var secret = ApiKeyAuthentication.NewKey();
        var key = new ApiKey
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            Name = name,
            KeyHash = ApiKeyAuthentication.Hash(secret),
            CreatedAt = now,
            ExpiresAt = expiresAt?.ToUniversalTime(),
            Sources = scope,
        };
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.ApiKeys.Add(key);
        await context.SaveChangesAsync(cancellationToken);
        return new ApiKeyCreation(new CreatedApiKeyView(key.Id, key.Name, secret, key.CreatedAt, key.ExpiresAt, key.Sources));
    }

    /// <summary>Revokes a key of <paramref name="userId"/>, or with <paramref name="asAdmin"/> anyone's; false when there is no such key for them.</summary>
    public async Task<bool> RevokeAsync(string userId, bool asAdmin, Guid keyId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await context.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null || (key.UserId != userId && !asAdmin))
            return false;
        key.RevokedAt ??= clock.GetUtcNow();
        await context.SaveChangesAsync(cancellationToken);
        return true;
    }
}

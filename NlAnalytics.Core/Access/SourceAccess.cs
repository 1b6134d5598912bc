using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Access;

/// <summary>Which sources a user may see and query: the picker, the API lists, asking, running SQL and the verified memory all ask this.</summary>
public interface ISourceAccess
{
    /// <summary>The registry's sources <paramref name="userId"/> may see and query, in the registry's order.</summary>
    Task<IReadOnlyList<DataSource>> AllowedSourcesAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="userId"/> may query <paramref name="source"/> (ask in a thread on it, run SQL on it, see its verified answers).</summary>
    Task<bool> CanQueryAsync(string userId, DataSource source, CancellationToken cancellationToken);

    /// <summary>Whether every signed-in user may query <paramref name="sourceName"/> by a setting, without a grant.</summary>
    bool IsOpenToEveryone(string sourceName);
}

/// <summary>Settings of per-source access (section SourceAccess).</summary>
public sealed class SourceAccessOptions
{
    public const string SectionName = "SourceAccess";

    /// <summary>Every signed-in user may query the demo warehouse without a grant (the default, as before grants existed).</summary>
    public bool DemoOpenToEveryone { get; set; } = true;

    /// <summary>Other sources every signed-in user may query without a grant (names, e.g. a configured source everybody used before).</summary>
    public List<string> OpenToEveryone { get; set; } = [];
}

/// <summary>Who a source is granted to, as an Admin sees and edits it.</summary>
/// <param name="OpenToEveryone">Open to every signed-in user by a setting (the demo by default): grants add nothing.</param>
/// <param name="OwnerUserId">An upload's owner, who always has it.</param>
public sealed record SourceGrants(string DataSource, bool OpenToEveryone, string? OwnerUserId, IReadOnlyList<GrantedUser> Users, IReadOnlyList<string> Roles);

/// <summary>Whom a source can be granted to: every account and every role.</summary>
public sealed record GrantCandidates(IReadOnlyList<GrantedUser> Users, IReadOnlyList<string> Roles);

/// <summary>A user a source is granted to.</summary>
public sealed record GrantedUser(string Id, string Email);

public enum GrantsStatus { Saved, NotFound, Invalid, Forbidden }

/// <summary>
/// The outcome of reading or replacing a source's grants: Saved (with the grants), NotFound (no such source, or one the user
/// may not query), Forbidden (they may query it but not share it) or Invalid (with the field errors).
/// </summary>
public sealed record SourceGrantsResult(GrantsStatus Status, SourceGrants? Grants = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>
/// Per-source access (ADR 0020). A user may query a source when any of these holds:
/// an upload: they own it, or it is granted to them or to one of their roles;
/// any other source: it is open to everyone by a setting (the demo by default), they are an Admin, or it is granted to
/// them or to one of their roles. Grants live in <c>source_grants</c> and are read when needed (one query), so a
/// revocation holds at once on every instance. A source open to everyone or an owner's upload needs no query.
/// </summary>
public sealed partial class SourceAccess(
    IDbContextFactory<AppDbContext> contexts,
    IDataSourceRegistry registry,
    IOptions<SourceAccessOptions> options,
    TimeProvider clock,
    ILogger<SourceAccess> logger) : ISourceAccess
{
    public async Task<IReadOnlyList<DataSource>> AllowedSourcesAsync(string userId, CancellationToken cancellationToken)
    {
        var all = registry.All;
        if (all.All(s => NeedsNoGrant(userId, s)))
            return all;
        var access = await ReadAsync(userId, cancellationToken);
        return [.. all.Where(s => NeedsNoGrant(userId, s) || access.Allows(s))];
    }

    public async Task<bool> CanQueryAsync(string userId, DataSource source, CancellationToken cancellationToken) =>
        NeedsNoGrant(userId, source) || (await ReadAsync(userId, cancellationToken)).Allows(source);

    public bool IsOpenToEveryone(string sourceName) =>
        (options.Value.DemoOpenToEveryone && string.Equals(sourceName, DataSource.DemoName, StringComparison.OrdinalIgnoreCase))
        || options.Value.OpenToEveryone.Any(n => string.Equals(n, sourceName, StringComparison.OrdinalIgnoreCase));

    private bool NeedsNoGrant(string userId, DataSource source) => source.Origin == DataSourceOrigin.Upload
        ? string.Equals(source.OwnerUserId, userId, StringComparison.Ordinal)
        : IsOpenToEveryone(source.Name);

    /// <summary>The user's roles and the sources granted to them or to those roles, in one round trip.</summary>
    private async Task<UserAccess> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var roles = from ur in context.UserRoles where ur.UserId == userId join r in context.Roles on ur.RoleId equals r.Id select r.Name;
        var rows = await roles.Select(r => new { IsRole = true, Value = r! })
            .Concat(context.SourceGrants.Where(g => g.UserId == userId || roles.Contains(g.RoleName)).Select(g => new { IsRole = false, Value = g.DataSource }))
            .ToListAsync(cancellationToken);
        return new UserAccess(
            rows.Any(r => r.IsRole && r.Value == AppRoles.Admin),
            rows.Where(r => !r.IsRole).Select(r => r.Value).ToHashSet(StringComparer.OrdinalIgnoreCase));
    }

    private sealed record UserAccess(bool IsAdmin, HashSet<string> Granted)
    {
        /// <summary>An Admin has every source but others' uploads, which are private unless granted.</summary>
        public bool Allows(DataSource source) => Granted.Contains(source.Name) || (IsAdmin && source.Origin != DataSourceOrigin.Upload);
    }

    // ---- Sharing (the Access dialog, the uploads' Share dialog and /api/sources/{name}/grants) ---------------------

    /// <summary>
    /// Who <paramref name="sourceName"/> is granted to, for a user who may share it (<see cref="SharingRefusalAsync"/>):
    /// Admins every source, an upload's owner their upload.
    /// </summary>
    public async Task<SourceGrantsResult> GrantsAsync(string sourceName, string userId, CancellationToken cancellationToken)
    {
        var (source, refusal) = await SharingRefusalAsync(userId, sourceName, cancellationToken);
        if (refusal is { } status)
            return new SourceGrantsResult(status);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return new SourceGrantsResult(GrantsStatus.Saved, await ReadGrantsAsync(context, source!, cancellationToken));
    }

    /// <summary>Every account (by email) and every role, for the Admins' Access dialog.</summary>
    public async Task<GrantCandidates> CandidatesAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var users = await context.Users.AsNoTracking().OrderBy(u => u.Email).Select(u => new GrantedUser(u.Id, u.Email ?? u.UserName ?? u.Id)).ToListAsync(cancellationToken);
        return new GrantCandidates(users, await RolesAsync(cancellationToken));
    }

    /// <summary>Every role (the groups a source can be shared with); an uploader sees these, not the list of accounts.</summary>
    public async Task<IReadOnlyList<string>> RolesAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.Roles.AsNoTracking().OrderBy(r => r.Name).Select(r => r.Name!).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Replaces who <paramref name="sourceName"/> is granted to, for a user who may share it (Admins any source, an upload's
    /// owner their upload). <paramref name="users"/> are emails or user ids of existing accounts, <paramref name="roles"/> names
    /// of existing roles; anything unknown refuses the whole change.
    /// </summary>
    public async Task<SourceGrantsResult> SetGrantsAsync(
        string sourceName, IReadOnlyList<string> users, IReadOnlyList<string> roles, string userId, string grantedBy, CancellationToken cancellationToken)
    {
        var (source, refusal) = await SharingRefusalAsync(userId, sourceName, cancellationToken);
        if (refusal is { } status)
            return new SourceGrantsResult(status);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var wantedUsers = users.Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var upper = wantedUsers.Select(u => u.ToUpperInvariant()).ToList();
        var found = await context.Users.AsNoTracking()
            .Where(u => wantedUsers.Contains(u.Id) || upper.Contains(u.NormalizedEmail!))
            .Select(u => new { u.Id, u.NormalizedEmail })
            .ToListAsync(cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var unknownUsers = wantedUsers.Where(w => !found.Any(f => f.Id == w || f.NormalizedEmail == w.ToUpperInvariant())).ToList();
        if (unknownUsers.Count > 0)
            errors["users"] = [$"No account has the email or id {string.Join(", ", unknownUsers.Select(u => $"'{u}'"))}."];
        var wantedRoles = roles.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var knownRoles = await context.Roles.AsNoTracking().Select(r => r.Name!).ToListAsync(cancellationToken);
        var unknownRoles = wantedRoles.Where(r => !knownRoles.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknownRoles.Count > 0)
            errors["roles"] = [$"There is no role {string.Join(", ", unknownRoles.Select(r => $"'{r}'"))}. Roles: {string.Join(", ", knownRoles)}."];
        if (errors.Count > 0)
            return new SourceGrantsResult(GrantsStatus.Invalid, Errors: errors);

        // The owner always has their upload: a grant to them would only outlive a change of owner that cannot happen.
        var userIds = found.Select(f => f.Id).Where(id => id != source!.OwnerUserId).Distinct().ToHashSet();
        var roleNames = wantedRoles.Select(r => knownRoles.First(k => string.Equals(k, r, StringComparison.OrdinalIgnoreCase))).ToHashSet();
        var now = clock.GetUtcNow();
        await using (var transaction = await context.Database.BeginTransactionAsync(cancellationToken))
        {
            var existing = await context.SourceGrants.Where(g => g.DataSource == source!.Name).ToListAsync(cancellationToken);
            context.SourceGrants.RemoveRange(existing.Where(g => g.UserId is { } id ? !userIds.Contains(id) : !roleNames.Contains(g.RoleName!)));
            foreach (var id in userIds.Where(id => !existing.Any(g => g.UserId == id)))
                context.SourceGrants.Add(new SourceGrant { DataSource = source!.Name, UserId = id, GrantedBy = grantedBy, GrantedAt = now });
            foreach (var role in roleNames.Where(r => !existing.Any(g => g.RoleName == r)))
                context.SourceGrants.Add(new SourceGrant { DataSource = source!.Name, RoleName = role, GrantedBy = grantedBy, GrantedAt = now });
            await context.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        LogGrantsChanged(logger, source!.Name, userIds.Count, roleNames.Count, grantedBy);
        return new SourceGrantsResult(GrantsStatus.Saved, await ReadGrantsAsync(context, source, cancellationToken));
    }

    /// <summary>
    /// Whether <paramref name="userId"/> may see and change who a source is granted to: an Admin every source, an upload's
    /// owner their upload (ADR 0026). NotFound when there is no such source or the user may not query it (nothing says it is
    /// there), Forbidden when they may query it but not share it (someone it was shared with cannot pass it on).
    /// </summary>
    private async Task<(DataSource? Source, GrantsStatus? Refusal)> SharingRefusalAsync(string userId, string sourceName, CancellationToken cancellationToken)
    {
        if (Find(sourceName) is not { } source)
            return (null, GrantsStatus.NotFound);
        if (source.Origin == DataSourceOrigin.Upload && string.Equals(source.OwnerUserId, userId, StringComparison.Ordinal))
            return (source, null);
        var access = await ReadAsync(userId, cancellationToken);
        if (access.IsAdmin)
            return (source, null);
        return (source, NeedsNoGrant(userId, source) || access.Allows(source) ? GrantsStatus.Forbidden : GrantsStatus.NotFound);
    }

    /// <summary>Drops every grant of a source that was removed, so a new source of the same name starts closed.</summary>
    public static Task RevokeAllAsync(AppDbContext context, string sourceName, CancellationToken cancellationToken) =>
        context.SourceGrants.Where(g => g.DataSource == sourceName).ExecuteDeleteAsync(cancellationToken);

    private async Task<SourceGrants> ReadGrantsAsync(AppDbContext context, DataSource source, CancellationToken cancellationToken)
    {
        var grants = await context.SourceGrants.AsNoTracking().Where(g => g.DataSource == source.Name).ToListAsync(cancellationToken);
        var ids = grants.Where(g => g.UserId is not null).Select(g => g.UserId!).ToList();
        var users = await context.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).OrderBy(u => u.Email)
            .Select(u => new GrantedUser(u.Id, u.Email ?? u.UserName ?? u.Id)).ToListAsync(cancellationToken);
        return new SourceGrants(source.Name, IsOpenToEveryone(source.Name) && source.Origin != DataSourceOrigin.Upload, source.OwnerUserId, users,
            [.. grants.Where(g => g.RoleName is not null).Select(g => g.RoleName!).Order(StringComparer.OrdinalIgnoreCase)]);
    }

    private DataSource? Find(string name) => registry.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Information, Message = "Access to source {Source} set to {Users} user(s) and {Roles} role(s) by {GrantedBy}")]
    private static partial void LogGrantsChanged(ILogger logger, string source, int users, int roles, string grantedBy);
}

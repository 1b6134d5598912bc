using Microsoft.Extensions.Options;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Offline;

namespace NlAnalytics.Core.Conversations;

/// <summary>A verified-memory entry as a user sees it, with what they may do to it.</summary>
public sealed record VerifiedEntryView(
    long Id, string DataSource, string Question, string Sql, bool IsMine,
    string? VerifiedBy, DateTimeOffset VerifiedAt, string? ApprovedBy, DateTimeOffset? ApprovedAt,
    bool CanApprove, bool CanWithdraw)
{
    public bool IsApproved => ApprovedAt is not null;
}

/// <summary>
/// Reviewing the verified memory, for the Verified page and the API alike: list the entries a user may see, approve
/// one for everyone (an Admin, or a second analyst under VerifiedMemory:Approval=SecondAnalyst), withdraw one (its
/// owner or an Admin only). An entry someone may not see is reported as not found; one they see but may not change, as
/// forbidden.
/// </summary>
public sealed class VerifiedAnswers(VerifiedQueryStore store, IOptions<VerifiedMemoryOptions> options, IDataSourceRegistry sources, ISourceAccess access)
{
    public VerifiedApproval Approval => options.Value.Approval;

    /// <summary>
    /// Entries of a source the actor sees: an Admin all; an analyst the approved ones and their own, and under
    /// SecondAnalyst also the others' entries waiting for a second analyst.
    /// </summary>
    public async Task<IReadOnlyList<VerifiedEntryView>> ListAsync(VerifiedMemoryActor actor, string dataSource, CancellationToken cancellationToken)
    {
        if (!await MayQueryAsync(actor, dataSource, cancellationToken))
            return [];
        var all = await store.ListAsync(dataSource, cancellationToken);
        return [.. all.Where(v => Sees(actor, v)).Select(v => View(actor, v))];
    }

    public async Task<VerifiedEntryView> ApproveAsync(VerifiedMemoryActor actor, long id, CancellationToken cancellationToken)
    {
        var entry = await VisibleAsync(actor, id, cancellationToken);
        if (!MayApprove(actor, entry))
            throw new ConversationException(ConversationProblem.Forbidden, Approval == VerifiedApproval.Admin
                ? "Only an administrator can approve a verified answer for everyone."
                : "A verified answer is approved by an administrator or by an analyst other than the one who verified it.");
        if (entry.ApprovedAt is null)
            await store.ApproveAsync(id, actor.UserId, actor.Name, cancellationToken);
        return View(actor, (await store.FindAsync(id, cancellationToken))!);
    }

    public async Task WithdrawAsync(VerifiedMemoryActor actor, long id, CancellationToken cancellationToken)
    {
        var entry = await VisibleAsync(actor, id, cancellationToken);
        if (!MayWithdraw(actor, entry))
            throw new ConversationException(ConversationProblem.Forbidden, "Only the analyst who verified this answer, or an administrator, can withdraw it.");
        await store.RemoveAsync(id, cancellationToken);
    }

    private async Task<VerifiedQuery> VisibleAsync(VerifiedMemoryActor actor, long id, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } entry && Sees(actor, entry) && await MayQueryAsync(actor, entry.DataSource, cancellationToken)
            ? entry
            : throw new ConversationException(ConversationProblem.NotFound, "There is no such verified answer.");

    /// <summary>The memory of a source is the source's: only those who may query it see it (an Admin also that of a removed source, to clean it up).</summary>
    private async Task<bool> MayQueryAsync(VerifiedMemoryActor actor, string dataSource, CancellationToken cancellationToken) =>
        sources.All.FirstOrDefault(s => string.Equals(s.Name, dataSource, StringComparison.OrdinalIgnoreCase)) is { } source
            ? await access.CanQueryAsync(actor.UserId, source, cancellationToken)
            : actor.IsAdmin;

    private bool Sees(VerifiedMemoryActor actor, VerifiedQuery entry) =>
        actor.IsAdmin || entry.ApprovedAt is not null || entry.OwnerId == actor.UserId || Approval == VerifiedApproval.SecondAnalyst;

    private bool MayApprove(VerifiedMemoryActor actor, VerifiedQuery entry) =>
        actor.IsAdmin || (Approval == VerifiedApproval.SecondAnalyst && entry.OwnerId is not null && entry.OwnerId != actor.UserId);

    private static bool MayWithdraw(VerifiedMemoryActor actor, VerifiedQuery entry) =>
        actor.IsAdmin || (entry.OwnerId is not null && entry.OwnerId == actor.UserId);

    private VerifiedEntryView View(VerifiedMemoryActor actor, VerifiedQuery v) => new(
        v.Id, v.DataSource, v.Question, v.Sql, v.OwnerId == actor.UserId, v.CreatedBy, v.CreatedAt, v.ApprovedBy, v.ApprovedAt,
        v.ApprovedAt is null && MayApprove(actor, v), MayWithdraw(actor, v));
}

using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Dashboards;

/// <summary>
/// Dashboards: grids of saved questions (cards) that run again each time they are opened. Only the owner edits one
/// (cards, shares, title). A dashboard shared with a user is read-only for them, and each card shows its data only when
/// the viewer may query that card's source. To anyone else a dashboard does not exist. The page and the API call this.
/// </summary>
public sealed class DashboardService(IDbContextFactory<AppDbContext> contexts, SavedQuestions questions, TimeProvider clock)
{
    public const int MaxTitleLength = 200;
    public const int MaxCards = 24;
    public const string NotFoundMessage = "There is no such dashboard.";
    public const string ReadOnlyMessage = "This dashboard is shared with you read-only: only its owner can change it.";

    public async Task<DashboardView> CreateAsync(string userId, string? title, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var row = new DashboardRow { Id = Guid.CreateVersion7(now), OwnerId = userId, Title = Title(title), CreatedAt = now, UpdatedAt = now };
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.Dashboards.Add(row);
        await context.SaveChangesAsync(cancellationToken);
        return (await FindAsync(userId, row.Id, cancellationToken))!;
    }

    /// <summary>The user's own dashboards and those shared with them, most recently changed first.</summary>
    public async Task<IReadOnlyList<DashboardSummary>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.Dashboards.AsNoTracking()
            .Where(d => d.OwnerId == userId || d.Shares.Any(s => s.UserId == userId))
            .OrderByDescending(d => d.UpdatedAt)
            .Select(d => new DashboardSummary(d.Id, d.Title, context.Users.Where(u => u.Id == d.OwnerId).Select(u => u.Email ?? u.UserName ?? "").First(),
                d.OwnerId == userId, d.Cards.Count, d.UpdatedAt))
            .Take(500)
            .ToListAsync(cancellationToken);
    }

    /// <summary>The dashboard for its owner or a user it is shared with; null for anyone else.</summary>
    public async Task<DashboardView?> FindAsync(string viewerId, Guid dashboardId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await context.Dashboards.AsNoTracking()
            .Include(d => d.Cards).ThenInclude(c => c.SavedQuestion)
            .Include(d => d.Shares)
            .AsSplitQuery()
            .FirstOrDefaultAsync(d => d.Id == dashboardId && (d.OwnerId == viewerId || d.Shares.Any(s => s.UserId == viewerId)), cancellationToken);
        if (row is null)
            return null;
        var isOwner = row.OwnerId == viewerId;
        var userIds = row.Shares.Select(s => s.UserId).Append(row.OwnerId).ToList();
        var emails = await context.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email ?? u.UserName ?? "", cancellationToken);
        var cards = row.Cards.OrderBy(c => c.Position).ThenBy(c => c.Id)
            .Select(c => new DashboardCardView(c.Id, c.SavedQuestionId, c.SavedQuestion!.Title, c.SavedQuestion.DataSource,
                SavedQuestions.View(c.SavedQuestion).ChartType, c.Position, c.Width))
            .ToList();
        IReadOnlyList<string> sharedWith = isOwner ? [.. row.Shares.Select(s => emails.GetValueOrDefault(s.UserId, "")).Order(StringComparer.OrdinalIgnoreCase)] : [];
        return new DashboardView(row.Id, row.Title, emails.GetValueOrDefault(row.OwnerId, ""), isOwner, cards, sharedWith, row.UpdatedAt);
    }

    /// <summary>Deletes one of the user's dashboards (the saved questions stay).</summary>
    public async Task<bool> DeleteAsync(string userId, Guid dashboardId, CancellationToken cancellationToken)
    {
        await RequireOwnerAsync(userId, dashboardId, cancellationToken);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.Dashboards.Where(d => d.Id == dashboardId && d.OwnerId == userId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    public async Task<DashboardView> RenameAsync(string userId, Guid dashboardId, string? title, CancellationToken cancellationToken)
    {
        await RequireOwnerAsync(userId, dashboardId, cancellationToken);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var renamed = Title(title);
        await context.Dashboards.Where(d => d.Id == dashboardId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Title, renamed).SetProperty(d => d.UpdatedAt, clock.GetUtcNow()), cancellationToken);
        return (await FindAsync(userId, dashboardId, cancellationToken))!;
    }

    /// <summary>Pins one of the owner's saved questions to the end of the dashboard, <paramref name="width"/> twelfths wide (default 6).</summary>
    public async Task<DashboardCardView> AddCardAsync(string userId, Guid dashboardId, Guid questionId, int? width, SourceScope scope, CancellationToken cancellationToken)
    {
        await RequireOwnerAsync(userId, dashboardId, cancellationToken);
        if (await questions.FindAsync(userId, questionId, scope, cancellationToken) is null)
            throw new ConversationException(ConversationProblem.Invalid, SavedQuestions.NotFoundMessage, "questionId");
        if (width is { } w && w is not (3 or 4 or 6 or 8 or 12))
            throw new ConversationException(ConversationProblem.Invalid, "A card is 3, 4, 6, 8 or 12 twelfths of the grid wide.", "width");
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var positions = await context.DashboardCards.Where(c => c.DashboardId == dashboardId).Select(c => c.Position).ToListAsync(cancellationToken);
        if (positions.Count >= MaxCards)
            throw new ConversationException(ConversationProblem.Invalid, $"A dashboard holds at most {MaxCards} cards.", "questionId");
        var now = clock.GetUtcNow();
        var card = new DashboardCardRow { Id = Guid.CreateVersion7(now), DashboardId = dashboardId, SavedQuestionId = questionId, Position = positions.Count == 0 ? 0 : positions.Max() + 1, Width = width ?? 6 };
        context.DashboardCards.Add(card);
        await context.SaveChangesAsync(cancellationToken);
        await TouchAsync(context, dashboardId, cancellationToken);
        return (await FindAsync(userId, dashboardId, cancellationToken))!.Cards.Single(c => c.Id == card.Id);
    }

    public async Task<bool> RemoveCardAsync(string userId, Guid dashboardId, Guid cardId, CancellationToken cancellationToken)
    {
        await RequireOwnerAsync(userId, dashboardId, cancellationToken);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var removed = await context.DashboardCards.Where(c => c.Id == cardId && c.DashboardId == dashboardId).ExecuteDeleteAsync(cancellationToken) > 0;
        if (removed)
            await TouchAsync(context, dashboardId, cancellationToken);
        return removed;
    }

    /// <summary>Replaces who the dashboard is shared with (read-only), by their account e-mail; an unknown address refuses the whole change.</summary>
    public async Task<DashboardView> ShareAsync(string userId, Guid dashboardId, IReadOnlyList<string> emails, CancellationToken cancellationToken)
    {
        await RequireOwnerAsync(userId, dashboardId, cancellationToken);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var wanted = emails.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim().ToUpperInvariant()).Distinct().ToList();
        var users = await context.Users.AsNoTracking().Where(u => u.NormalizedEmail != null && wanted.Contains(u.NormalizedEmail))
            .Select(u => new { u.Id, u.NormalizedEmail }).ToListAsync(cancellationToken);
        var unknown = wanted.Except(users.Select(u => u.NormalizedEmail!)).ToList();
        if (unknown.Count > 0)
            throw new ConversationException(ConversationProblem.Invalid, $"No account has the address '{unknown[0].ToLowerInvariant()}'.", "users");
        var now = clock.GetUtcNow();
        await context.DashboardShares.Where(s => s.DashboardId == dashboardId).ExecuteDeleteAsync(cancellationToken);
        context.DashboardShares.AddRange(users.Where(u => u.Id != userId).Select(u => new DashboardShareRow { DashboardId = dashboardId, UserId = u.Id, SharedAt = now }));
        await context.SaveChangesAsync(cancellationToken);
        await TouchAsync(context, dashboardId, cancellationToken);
        return (await FindAsync(userId, dashboardId, cancellationToken))!;
    }

    /// <summary>Runs every card for the viewer, in order; null when the dashboard does not exist for them. One card's failure never stops the others.</summary>
    public async Task<DashboardRun?> RunAsync(string viewerId, Guid dashboardId, bool refresh, SourceScope scope, CancellationToken cancellationToken)
    {
        if (await FindAsync(viewerId, dashboardId, cancellationToken) is not { } dashboard)
            return null;
        var runs = new List<CardRun>(dashboard.Cards.Count);
        foreach (var card in dashboard.Cards)
            runs.Add(await RunCardAsync(viewerId, dashboard, card, refresh, scope, cancellationToken));
        return new DashboardRun(dashboard, runs);
    }

    /// <summary>Runs one card of a dashboard the viewer can see; null when the dashboard or card does not exist for them.</summary>
    public async Task<CardRun?> RunCardAsync(string viewerId, Guid dashboardId, Guid cardId, bool refresh, SourceScope scope, CancellationToken cancellationToken) =>
        await FindAsync(viewerId, dashboardId, cancellationToken) is { } dashboard && dashboard.Cards.FirstOrDefault(c => c.Id == cardId) is { } card
            ? await RunCardAsync(viewerId, dashboard, card, refresh, scope, cancellationToken)
            : null;

    /// <summary>Runs a card already read with its dashboard (the page reads the dashboard once, then each card as it comes).</summary>
    public async Task<CardRun> RunCardAsync(string viewerId, DashboardView dashboard, DashboardCardView card, bool refresh, SourceScope scope, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        // The card's question belongs to the dashboard's owner; the viewer's own access decides whether it runs.
        var row = await context.SavedQuestions.AsNoTracking().FirstAsync(q => q.Id == card.QuestionId, cancellationToken);
        return await questions.RunForAsync(viewerId, SavedQuestions.View(row), card.Id, card.Width, refresh, scope, cancellationToken);
    }

    /// <summary>NotFound for a dashboard the user cannot see, Forbidden for one only shared with them.</summary>
    private async Task RequireOwnerAsync(string userId, Guid dashboardId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var owner = await context.Dashboards.AsNoTracking()
            .Where(d => d.Id == dashboardId && (d.OwnerId == userId || d.Shares.Any(s => s.UserId == userId)))
            .Select(d => d.OwnerId).FirstOrDefaultAsync(cancellationToken);
        if (owner is null)
            throw new ConversationException(ConversationProblem.NotFound, NotFoundMessage);
        if (owner != userId)
            throw new ConversationException(ConversationProblem.Forbidden, ReadOnlyMessage);
    }

    private Task TouchAsync(AppDbContext context, Guid dashboardId, CancellationToken cancellationToken) =>
        context.Dashboards.Where(d => d.Id == dashboardId).ExecuteUpdateAsync(s => s.SetProperty(d => d.UpdatedAt, clock.GetUtcNow()), cancellationToken);

    private static string Title(string? title)
    {
        var text = string.IsNullOrWhiteSpace(title) ? "New dashboard" : title.Trim();
        return text.Length <= MaxTitleLength ? text : text[..MaxTitleLength];
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Dashboards;

/// <summary>
/// Questions saved from answers (their SQL, source, chart type and title; never a frozen result), and how any of them
/// runs for a viewer: only when the viewer may query its source, through the gate and the restricted executor, bounded
/// by the same row cap and timeout as an answer, from the result cache unless a refresh asks for fresh rows.
/// The chat page, the dashboards page and the API all call this.
/// </summary>
public sealed class SavedQuestions(
    IDbContextFactory<AppDbContext> contexts,
    IDataSourceRegistry registry,
    ISourceAccess access,
    ISqlGate gate,
    ISqlExecutor executor,
    ResultCache cache,
    IOptions<AnalystOptions> options,
    TimeProvider clock)
{
    public const int MaxTitleLength = 200;
    public const string NotFoundMessage = "There is no such saved question.";
    public const string NoAccessMessage = "You have no access to this card's data source, so its data is not shown.";

    /// <summary>Saves the SQL of one of the user's answers as a question; the chart type defaults to the answer's.</summary>
    public async Task<SavedQuestionView> SaveFromMessageAsync(string userId, Guid messageId, string? title, ChartKind? chartType, SourceScope scope, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var message = await context.Messages.AsNoTracking()
            .Where(m => m.Id == messageId && m.Thread!.UserId == userId)
            .Select(m => new { m.Sql, m.Status, m.Question, m.StandaloneQuestion, m.ChartJson, m.Thread!.DataSource })
            .FirstOrDefaultAsync(cancellationToken);
        if (message is null || !scope.Allows(message.DataSource))
            throw new ConversationException(ConversationProblem.NotFound, "There is no such message.");
        if (message.Status != MessageStatus.Succeeded || string.IsNullOrWhiteSpace(message.Sql))
            throw new ConversationException(ConversationProblem.Invalid, "Only an answer that ran SQL successfully can be saved as a question.", "messageId");
        if (Source(message.DataSource) is not { } source || !await access.CanQueryAsync(userId, source, cancellationToken))
            throw new ConversationException(ConversationProblem.Forbidden, $"You no longer have access to the data source '{message.DataSource}'.");
        var kind = chartType ?? AnswerJson.Deserialize<ChartSpec>(message.ChartJson)?.Kind ?? ChartKind.Table;
        var row = new SavedQuestionRow
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            OwnerId = userId,
            DataSource = source.Name,
            Title = TitleOrDefault(title, message.StandaloneQuestion ?? message.Question),
            Sql = message.Sql.Trim(),
            ChartType = kind.ToString(),
            MessageId = messageId,
            CreatedAt = clock.GetUtcNow(),
        };
        context.SavedQuestions.Add(row);
        await context.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    /// <summary>The user's saved questions, newest first.</summary>
    public async Task<IReadOnlyList<SavedQuestionView>> ListAsync(string userId, SourceScope scope, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.SavedQuestions.AsNoTracking().Where(q => q.OwnerId == userId).OrderByDescending(q => q.CreatedAt).Take(1000).ToListAsync(cancellationToken);
        return [.. rows.Where(r => scope.Allows(r.DataSource)).Select(View)];
    }

    /// <summary>One of the user's saved questions, or null (another user's, or outside the scope).</summary>
    public async Task<SavedQuestionView?> FindAsync(string userId, Guid questionId, SourceScope scope, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await context.SavedQuestions.AsNoTracking().FirstOrDefaultAsync(q => q.Id == questionId && q.OwnerId == userId, cancellationToken);
        return row is not null && scope.Allows(row.DataSource) ? View(row) : null;
    }

    /// <summary>Deletes the question and the cards that show it.</summary>
    public async Task<bool> DeleteAsync(string userId, Guid questionId, SourceScope scope, CancellationToken cancellationToken)
    {
        if (await FindAsync(userId, questionId, scope, cancellationToken) is null)
            return false;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.SavedQuestions.Where(q => q.Id == questionId && q.OwnerId == userId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>Runs one of the user's saved questions; null when there is no such question.</summary>
    public async Task<CardRun?> RunAsync(string userId, Guid questionId, bool refresh, SourceScope scope, CancellationToken cancellationToken) =>
        await FindAsync(userId, questionId, scope, cancellationToken) is { } question
            ? await RunForAsync(userId, question, null, 6, refresh, scope, cancellationToken)
            : null;

    /// <summary>
    /// Runs <paramref name="question"/> for <paramref name="viewerId"/> (its owner, or a user a dashboard is shared with).
    /// A source the viewer may not query (or outside the scope, or gone) gives NoAccess and nothing of the data or SQL;
    /// a refused or failing query gives Failed with the database's user-safe words. Only cancellation throws.
    /// </summary>
    internal async Task<CardRun> RunForAsync(string viewerId, SavedQuestionView question, Guid? cardId, int width, bool refresh, SourceScope scope, CancellationToken cancellationToken)
    {
        var source = Source(question.DataSource);
        if (source is null || !scope.Allows(question.DataSource) || !await access.CanQueryAsync(viewerId, source, cancellationToken))
            return new CardRun(cardId, question.Id, question.Title, question.DataSource, width, CardStatus.NoAccess, question.ChartType, null, null, null, NoAccessMessage, null, false);
        return await RunSqlAsync(source, question, question.Sql, question.ChartType, cardId, width, refresh, cancellationToken);
    }

    /// <summary>
    /// The exploration of a saved question run as a preview (null: no such question). It needs the question's result
    /// columns, so the saved SQL runs first (usually from the cache).
    /// </summary>
    public async Task<(CardRun Run, string Sql)?> ExploreAsync(string userId, Guid questionId, Exploration exploration, SourceScope scope, CancellationToken cancellationToken)
    {
        if (await FindAsync(userId, questionId, scope, cancellationToken) is not { } question)
            return null;
        var sql = await ExploredSqlAsync(userId, question, exploration, scope, cancellationToken);
        var kind = exploration.ChartType ?? question.ChartType;
        var source = Source(question.DataSource)!;
        var run = await RunSqlAsync(source, question with { Title = ChartExploration.Title(question.Title, exploration) }, sql, kind, null, 6, false, cancellationToken);
        return (run, sql);
    }

    /// <summary>Saves an exploration of a saved question as a new saved question (null: no such question).</summary>
    public async Task<SavedQuestionView?> SaveExplorationAsync(string userId, Guid questionId, Exploration exploration, string? title, SourceScope scope, CancellationToken cancellationToken)
    {
        if (await FindAsync(userId, questionId, scope, cancellationToken) is not { } question)
            return null;
        var sql = await ExploredSqlAsync(userId, question, exploration, scope, cancellationToken);
        var now = clock.GetUtcNow();
        var row = new SavedQuestionRow
        {
            Id = Guid.CreateVersion7(now),
            OwnerId = userId,
            DataSource = question.DataSource,
            Title = TitleOrDefault(title, ChartExploration.Title(question.Title, exploration)),
            Sql = sql,
            ChartType = (exploration.ChartType ?? question.ChartType).ToString(),
            ExploredFromId = question.Id,
            CreatedAt = now,
        };
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.SavedQuestions.Add(row);
        await context.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    private async Task<string> ExploredSqlAsync(string userId, SavedQuestionView question, Exploration exploration, SourceScope scope, CancellationToken cancellationToken)
    {
        if (!exploration.Regroups)
            return question.Sql;
        var saved = await RunForAsync(userId, question, null, 6, false, scope, cancellationToken);
        if (saved.Status == CardStatus.NoAccess)
            throw new ConversationException(ConversationProblem.Forbidden, NoAccessMessage);
        if (saved.Result is not { } result)
            throw new ConversationException(ConversationProblem.Invalid, $"The saved question does not run, so it cannot be explored: {saved.Error}", "groupBy");
        return ChartExploration.Sql(question.Sql, result.Columns, exploration);
    }

    private async Task<CardRun> RunSqlAsync(DataSource source, SavedQuestionView question, string sql, ChartKind kind, Guid? cardId, int width, bool refresh, CancellationToken cancellationToken)
    {
        CardRun Failed(string error) => new(cardId, question.Id, question.Title, question.DataSource, width, CardStatus.Failed, kind, sql, null, null, error, null, false);
        if (gate.Check(sql) is { } refused)
            return Failed(refused.UserMessage);
        var limits = options.Value.Limits.For(source);
        Task<QueryResult> Run(CancellationToken token) => executor.ExecuteAsync(source, sql, limits, token);
        try
        {
            var result = refresh
                ? await cache.RefreshAsync(source, sql, limits, Run, cancellationToken)
                : await cache.GetOrRunAsync(source, sql, limits, Run, cancellationToken);
            var chart = ChartAdvisor.Advise(result, question.Title, null, kind.ToString());
            return new CardRun(cardId, question.Id, question.Title, question.DataSource, width, CardStatus.Ok, kind, sql,
                ResultSnapshot.From(result, ResultSnapshot.MaxStoredBytes), chart, null, result.DataAsOf, result.FromCache);
        }
        catch (SqlExecutionException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(e.Failure.UserMessage);
        }
    }

    private DataSource? Source(string name) => registry.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string TitleOrDefault(string? title, string fallback)
    {
        var text = string.IsNullOrWhiteSpace(title) ? fallback : title.Trim();
        return text.Length <= MaxTitleLength ? text : text[..MaxTitleLength];
    }

    internal static SavedQuestionView View(SavedQuestionRow row) => new(row.Id, row.Title, row.DataSource, row.Sql,
        Enum.TryParse<ChartKind>(row.ChartType, out var kind) ? kind : ChartKind.Table, row.MessageId, row.ExploredFromId, row.CreatedAt);
}

using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Conversations;

namespace NlAnalytics.Core.Dashboards;

/// <summary>A saved question as its owner sees it: what runs (SQL on a source) and how it is drawn.</summary>
public sealed record SavedQuestionView(Guid Id, string Title, string DataSource, string Sql, ChartKind ChartType, Guid? MessageId, Guid? ExploredFromId, DateTimeOffset CreatedAt);

/// <summary>Ok: it ran; NoAccess: the viewer may not query its source (nothing of its data or SQL is shown); Failed: refused or failed, with why.</summary>
public enum CardStatus { Ok, NoAccess, Failed }

/// <summary>
/// One saved question run for one viewer: its rows and chart when it ran, when the rows were read and whether they came
/// from the result cache. <see cref="Sql"/>, <see cref="Result"/> and <see cref="Chart"/> are null unless the viewer may query the source.
/// </summary>
public sealed record CardRun(
    Guid? CardId, Guid QuestionId, string Title, string DataSource, int Width, CardStatus Status, ChartKind ChartType,
    string? Sql, ResultSnapshot? Result, ChartSpec? Chart, string? Error, DateTimeOffset? DataAsOf, bool FromCache);

/// <summary>A dashboard in a list: the viewer's own, or one shared with them (<see cref="IsOwner"/> false).</summary>
public sealed record DashboardSummary(Guid Id, string Title, string Owner, bool IsOwner, int Cards, DateTimeOffset UpdatedAt);

/// <summary>A card of a dashboard: which saved question, where and how wide (twelfths of the grid).</summary>
public sealed record DashboardCardView(Guid Id, Guid QuestionId, string Title, string DataSource, ChartKind ChartType, int Position, int Width);

/// <summary>A dashboard for one viewer; <see cref="SharedWith"/> is listed for its owner only.</summary>
public sealed record DashboardView(Guid Id, string Title, string Owner, bool IsOwner, IReadOnlyList<DashboardCardView> Cards, IReadOnlyList<string> SharedWith, DateTimeOffset UpdatedAt);

/// <summary>A dashboard with each of its cards run for the viewer, in order.</summary>
public sealed record DashboardRun(DashboardView Dashboard, IReadOnlyList<CardRun> Cards);

/// <summary>
/// The sources a request may use beyond the user's own access: an API key limited to some sources (ADR 0025) narrows it;
/// the browser is <see cref="Unlimited"/>. A saved question outside the scope is treated as one that does not exist, a
/// card on such a source as one the viewer has no access to.
/// </summary>
public sealed record SourceScope(IReadOnlySet<string>? Sources)
{
    public static readonly SourceScope Unlimited = new((IReadOnlySet<string>?)null);

    public bool Allows(string source) => Sources is null || Sources.Contains(source);
}

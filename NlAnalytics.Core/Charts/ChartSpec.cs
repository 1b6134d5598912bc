namespace NlAnalytics.Core.Charts;

public enum ChartKind { Line, Bar, Donut, Scatter, Kpi, Table }

/// <summary>
/// A declarative chart: which result columns go where. It is data, never code; the browser turns it
/// into a plotly figure from the result rows. <see cref="TopN"/>, when set, means "plot only the
/// <c>TopN</c> rows with the largest first <see cref="Y"/> value" (too many categories to read).
/// </summary>
public sealed record ChartSpec(
    ChartKind Kind,
    string Title,
    string? X,
    IReadOnlyList<string> Y,
    string? Series = null,
    string? XTitle = null,
    string? YTitle = null,
    int? TopN = null);

namespace NlAnalytics.Core.Charts;

public enum ChartKind { Line, Bar, Donut, Scatter, Kpi, Table }

/// <summary>How bars split by a second category (<see cref="ChartSpec.Series"/>) stand: side by side, or on top of each other.</summary>
public enum BarLayout { Grouped, Stacked }

/// <summary>
/// A declarative chart: which result columns go where. It is data, never code; the browser turns it
/// into a plotly figure from the result rows. <see cref="TopN"/>, when set, means "plot only the
/// <c>TopN</c> rows with the largest first <see cref="Y"/> value" (too many categories to read); a donut
/// folds the rest into an "Other" slice so its shares stay shares of the whole result.
/// <see cref="Bars"/> matters only for bars with a <see cref="Series"/>.
/// </summary>
public sealed record ChartSpec(
    ChartKind Kind,
    string Title,
    string? X,
    IReadOnlyList<string> Y,
    string? Series = null,
    string? XTitle = null,
    string? YTitle = null,
    int? TopN = null,
    BarLayout Bars = BarLayout.Grouped);

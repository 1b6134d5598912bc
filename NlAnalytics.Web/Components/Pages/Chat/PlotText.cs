namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>
/// plotly reads a few pseudo-HTML tags (&lt;b&gt;, &lt;a href&gt;, &lt;br&gt;) in labels and titles; a zero-width space after
/// every "&lt;" keeps data such as "&lt;img onerror=...&gt;" plain text while it still reads the same.
/// </summary>
public static class PlotText
{
    public static object Safe(object value) => value is string text ? text.Replace("<", "<\u200b", StringComparison.Ordinal) : value;
}

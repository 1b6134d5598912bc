namespace NlAnalytics.Web.Components.Layout;

/// <summary>What the shell tells the components inside it about the screen: the theme and whether the window is phone-narrow.</summary>
public sealed record ShellDisplay(bool Dark, bool Narrow);

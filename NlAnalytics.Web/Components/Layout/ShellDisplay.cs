namespace NlAnalytics.Web.Components.Layout;

/// <summary>
/// What the shell tells the components inside it about the screen: the theme and whether the window is phone-narrow.
/// <paramref name="Measured"/> is false until the circuit has asked the browser how wide it is (before that
/// <paramref name="Narrow"/> is a guess): charts wait for it rather than draw for the wrong width and again.
/// </summary>
public sealed record ShellDisplay(bool Dark, bool Narrow, bool Measured = true);

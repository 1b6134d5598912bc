namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// Keeps the lines an app logs at its configured levels, as a console or file provider would write them: for tests
/// that check what a log must never contain. The factory's own <see cref="LogRecorder"/> is let through at every level
/// (a filter on its type), including framework debug output that no configured provider writes; this type is not.
/// Add it with NlAnalyticsWebFactory.ConfigureHost.
/// </summary>
public sealed class RecordedLogs : LogRecorder;

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// Keeps the lines an app logs at its configured levels, as a console or file provider would write them: for tests
/// that check what a log must never contain. (<see cref="LogRecorder"/> sees every level whatever the configuration,
/// including framework debug output that no configured provider writes.) Add it with NlAnalyticsWebFactory.ConfigureHost.
/// </summary>
public sealed class RecordedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string All => string.Join('\n', _lines);

    public int Count => _lines.Count;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}

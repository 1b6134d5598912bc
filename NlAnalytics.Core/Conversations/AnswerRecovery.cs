using Microsoft.Extensions.Hosting;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// At start-up (after the platform databases and migrations), marks the answers a previous process left
/// running as interrupted, before any page or API client reads them.
/// </summary>
internal sealed class AnswerRecovery(AnswerRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.MarkInterruptedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

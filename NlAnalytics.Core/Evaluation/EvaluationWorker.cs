using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NlAnalytics.Core.Agents;

namespace NlAnalytics.Core.Evaluation;

/// <summary>
/// Runs the workspace's queued evaluation runs in the background, one at a time; at start-up (after the platform's
/// migrations) it first marks the runs a previous process left open as interrupted.
/// </summary>
internal sealed class EvaluationWorker(EvaluationRuns runs, IServiceProvider services) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await runs.MarkInterruptedAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A runner of its own: EvaluationRunner is transient and holds no state between runs.
        var runner = services.GetRequiredService<EvaluationRunner>();
        var orchestrator = services.GetRequiredService<AnalystOrchestrator>();
        try
        {
            await runs.RunQueueAsync(runner, orchestrator, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>What the page shows of an answer in progress: the steps reached so far and the narrative streamed so far.</summary>
public sealed class LiveAnswer(RunningAnswer running)
{
    private readonly Lock _gate = new();
    private readonly List<AgentProgress> _steps = [];

    public RunningAnswer Running => running;
    public Guid MessageId => running.MessageId;
    public bool StopRequested { get; set; }

    /// <summary>The page's subscription to <see cref="RunningAnswer.Progressed"/>, kept to unsubscribe.</summary>
    public Action<AgentProgress>? Handler { get; set; }

    /// <summary>One entry per step, with the latest message of that step.</summary>
    public IReadOnlyList<AgentProgress> Steps { get { lock (_gate) return [.. _steps]; } }

    public string Narrative => running.Narrative;

    /// <summary>Records an event; returns false for a narrative chunk (only the text changed).</summary>
    public bool Record(AgentProgress progress)
    {
        lock (_gate)
        {
            if (progress.NarrativeDelta is not null && _steps.Count > 0 && _steps[^1].Step == progress.Step)
                return false;
            var at = _steps.FindIndex(s => s.Step == progress.Step);
            if (at >= 0)
                _steps[at] = progress with { NarrativeDelta = null };
            else
                _steps.Add(progress with { NarrativeDelta = null });
            return true;
        }
    }

    /// <summary>The steps a complete answer goes through, for the progress list.</summary>
    public static readonly IReadOnlyList<(AgentStep Step, string Label)> Plan =
    [
        (AgentStep.RetrievingSchema, "Retrieving schema"),
        (AgentStep.WritingSql, "Writing SQL"),
        (AgentStep.Reviewing, "Reviewing"),
        (AgentStep.Running, "Running"),
        (AgentStep.Charting, "Charting"),
        (AgentStep.Explaining, "Explaining"),
    ];
}

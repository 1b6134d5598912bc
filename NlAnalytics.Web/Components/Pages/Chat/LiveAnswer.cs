using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>What the page shows of an answer in progress: the steps the service recorded so far, and whether Stop was pressed here.</summary>
public sealed class LiveAnswer(RunningAnswer running)
{
    public RunningAnswer Running => running;
    public Guid MessageId => running.MessageId;
    public bool StopRequested { get; set; }

    /// <summary>The session's subscription to <see cref="RunningAnswer.Progressed"/>, kept to unsubscribe.</summary>
    public Action<AgentProgress>? Handler { get; set; }

    /// <summary>One entry per step reached, with the latest message of that step.</summary>
    public IReadOnlyList<AgentProgress> Steps => running.Steps;

    public string Narrative => running.Narrative;

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

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Where one answer's time went, step by step (milliseconds): understanding, retrieval, memory (the
/// verified-query memory), writing, review, execution, charting, narrative. The orchestrator records it
/// as the transcript's last event, so a stored answer says what it cost in time as well as in tokens,
/// and the load benchmark reads it back from the API.
/// </summary>
public sealed partial record StepTimes(IReadOnlyDictionary<string, double> Milliseconds)
{
    /// <summary>The agent name of the transcript event that carries the step times.</summary>
    public const string Agent = "orchestrator";

    /// <summary>How the event's text starts.</summary>
    public const string Prefix = "Step times (ms):";

    /// <summary>The step names, in the order an answer goes through them.</summary>
    public static readonly IReadOnlyList<string> Steps = ["understanding", "retrieval", "memory", "writing", "review", "execution", "charting", "narrative"];

    /// <summary>
    /// Not a step: the time an offline answer waited for a free local-work slot (<see cref="LocalWorkSlots"/>), before it
    /// started and after its query. Recorded with the steps so that none of them counts it as its own work.
    /// </summary>
    public const string Queued = "queued";

    public double this[string step] => Milliseconds.GetValueOrDefault(step);

    /// <summary>"Step times (ms): understanding 0.04, retrieval 1.21, ..." with the steps that took place.</summary>
    public string ToText()
    {
        var text = new StringBuilder(Prefix);
        var first = true;
        foreach (var step in Steps.Where(Milliseconds.ContainsKey).Concat(Milliseconds.Keys.Where(k => !Steps.Contains(k))))
        {
            text.Append(first ? " " : ", ").Append(step).Append(' ').Append(Milliseconds[step].ToString("0.00", CultureInfo.InvariantCulture));
            first = false;
        }
        return text.ToString();
    }

    /// <summary>The step times of a transcript, or null when it has none (an answer from hand-written SQL, a stored older answer).</summary>
    public static StepTimes? From(IEnumerable<TranscriptEntry> transcript)
    {
        var entry = transcript.LastOrDefault(e => e.Agent == Agent && e.Role == AgentTranscript.Event && e.Content.StartsWith(Prefix, StringComparison.Ordinal));
        return entry is null ? null : Parse(entry.Content);
    }

    /// <summary>Reads back what <see cref="ToText"/> wrote.</summary>
    public static StepTimes Parse(string text)
    {
        var times = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match match in StepPattern().Matches(text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..] : text))
            times[match.Groups[1].Value] = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        return new StepTimes(times);
    }

    [GeneratedRegex(@"([a-z]+) (\d+(?:\.\d+)?)")]
    private static partial Regex StepPattern();
}

/// <summary>Accumulates time per step as an answer moves from one to the next (a correction round revisits steps).</summary>
internal sealed class StepClock(TimeProvider time)
{
    private readonly Dictionary<string, double> _milliseconds = new(StringComparer.Ordinal);
    private string? _step;
    private long _since;

    /// <summary>Ends the current step (if any) and starts <paramref name="step"/>; null only ends it.</summary>
    public void Enter(string? step)
    {
        var now = time.GetTimestamp();
        if (_step is not null)
            _milliseconds[_step] = _milliseconds.GetValueOrDefault(_step) + time.GetElapsedTime(_since, now).TotalMilliseconds;
        _step = step;
        _since = now;
    }

    /// <summary>Counts <paramref name="amount"/> of the current step's time so far under <paramref name="step"/> instead.</summary>
    public void Reassign(string step, TimeSpan amount)
    {
        if (_step is null || amount <= TimeSpan.Zero)
            return;
        _milliseconds[step] = _milliseconds.GetValueOrDefault(step) + amount.TotalMilliseconds;
        _since += (long)(amount.TotalSeconds * time.TimestampFrequency);
    }

    public StepTimes Stop()
    {
        Enter(null);
        return new StepTimes(new Dictionary<string, double>(_milliseconds));
    }

    /// <summary>The step name a progress step is timed under; null for the end states.</summary>
    public static string? NameOf(AgentStep step) => step switch
    {
        AgentStep.Understanding => "understanding",
        AgentStep.RetrievingSchema => "retrieval",
        AgentStep.WritingSql => "writing",
        AgentStep.Reviewing => "review",
        AgentStep.Running => "execution",
        AgentStep.Charting => "charting",
        AgentStep.Explaining => "narrative",
        _ => null,
    };
}

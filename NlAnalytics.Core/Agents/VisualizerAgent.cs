using System.Text.Json;
using System.Text.Json.Serialization;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Agents;

/// <summary>Chooses the chart for a result with <see cref="ChartAdvisor"/>: a JSON spec, never code.</summary>
public sealed class VisualizerAgent
{
    private const int MaxTitleLength = 90;

    private static readonly JsonSerializerOptions SpecJson = new() { Converters = { new JsonStringEnumConverter() }, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public ChartSpec Visualize(QueryResult result, string question, string? preferredChart, AgentTranscript transcript)
    {
        var title = question.Trim();
        if (title.Length > MaxTitleLength)
            title = title[..(MaxTitleLength - 3)].TrimEnd() + "...";
        var chart = ChartAdvisor.Advise(result, title, question, preferredChart);
        transcript.Add(AgentNames.Visualizer, AgentTranscript.Event, JsonSerializer.Serialize(chart, SpecJson));
        return chart;
    }
}

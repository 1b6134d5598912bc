using NlAnalytics.Core.Agents;

namespace NlAnalytics.Tests.Agents;

public sealed class StepTimesTests
{
    [Fact]
    public void Step_times_read_back_from_their_transcript_text()
    {
        var times = StepTimes.Parse("Step times (ms): understanding 0.04, retrieval 1.25, execution 20.00, narrative 3");

        Assert.Equal(1.25, times["retrieval"]);
        Assert.Equal(20.0, times["execution"]);
        Assert.Equal(3.0, times["narrative"]);
        Assert.Equal(0.0, times["writing"]);
        Assert.Equal("Step times (ms): understanding 0.04, retrieval 1.25, execution 20.00, narrative 3.00", times.ToText());
    }

    [Fact]
    public void A_transcript_without_step_times_has_none()
    {
        Assert.Null(StepTimes.From([new TranscriptEntry("orchestrator", "event", "Failed: no such table", DateTimeOffset.UnixEpoch)]));
    }
}

using Bunit;
using NlAnalytics.Web.Components.Pages.Chat;

namespace NlAnalytics.Tests.Web.Components;

public sealed class InterpretationPanelTests : MudTestContext
{
    [Fact]
    public void Ignored_words_are_a_warning_not_small_grey_text()
    {
        var panel = Render<InterpretationPanel>(p => p
            .Add(c => c.Summary, "Counting students by faculty")
            .Add(c => c.Ignored, ["gloomy", "Tuesday"]));

        var alert = panel.Find(".interpretation-ignored");
        Assert.Contains("mud-alert-outlined-warning", alert.ClassName);
        Assert.Contains("\"gloomy\", \"Tuesday\"", alert.TextContent);
    }

    [Fact]
    public void Filters_from_earlier_questions_are_labelled_as_such()
    {
        var panel = Render<InterpretationPanel>(p => p
            .Add(c => c.Summary, "Enrolment by sex")
            .Add(c => c.Filters, ["year = 2021"])
            .Add(c => c.InheritedFilters, ["faculty = HEC"])
            .Add(c => c.Grouping, ["sex"]));

        var inherited = panel.Find(".interpretation-inherited");
        Assert.Contains("From earlier questions", inherited.TextContent);
        Assert.Contains("faculty = HEC", inherited.TextContent);
        Assert.DoesNotContain("year = 2021", inherited.TextContent);
        Assert.Contains("year = 2021", panel.Find(".interpretation-filter").TextContent);
        Assert.Contains("Grouped by", panel.Markup);
        Assert.Empty(panel.FindAll(".interpretation-ignored"));
    }
}

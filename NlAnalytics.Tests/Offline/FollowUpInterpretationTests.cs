namespace NlAnalytics.Tests.Offline;

/// <summary>A follow-up keeps the thread's measure, filters and grouping, and its interpretation says which came from earlier questions.</summary>
[Collection(LibraryCollection.Name)]
public sealed class FollowUpInterpretationTests(LibraryDatabase library)
{
    [Fact]
    public async Task A_follow_up_that_changes_the_year_lists_the_city_and_measure_it_kept()
    {
        var draft = await library.ComposeAsync("and in 2020?", ("How many visitors in Oslo in 2019?", null));

        Assert.NotNull(draft.Sql);
        Assert.Contains("city = 'Oslo'", draft.Interpretation.InheritedFilters);
        Assert.Contains("measure visitors", draft.Interpretation.InheritedFilters);
        Assert.DoesNotContain(draft.Interpretation.InheritedFilters, f => f.Contains("2019", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_follow_up_that_replaces_the_filter_does_not_list_the_old_one()
    {
        var draft = await library.ComposeAsync("and in Porto?", ("How many visitors in Oslo in 2019?", null));

        Assert.NotNull(draft.Sql);
        Assert.DoesNotContain(draft.Interpretation.InheritedFilters, f => f.Contains("Oslo", StringComparison.Ordinal));
        Assert.Contains("year 2019", draft.Interpretation.InheritedFilters);
    }

    [Fact]
    public async Task A_standalone_question_inherits_nothing()
    {
        var draft = await library.ComposeAsync("How many visitors in Oslo in 2019?");

        Assert.Empty(draft.Interpretation.InheritedFilters);
    }
}

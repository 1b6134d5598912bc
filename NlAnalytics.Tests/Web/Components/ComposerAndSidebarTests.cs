using Bunit;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Web.Components.Pages.Chat;

namespace NlAnalytics.Tests.Web.Components;

public sealed class ComposerAndSidebarTests : MudTestContext
{
    [Fact]
    public void The_composer_sends_its_text_and_clears_once_the_page_took_it()
    {
        var sent = new List<string>();
        var composer = Render<Composer>(p => p.Add(c => c.OnSend, text => { sent.Add(text); return Task.FromResult(true); }));

        composer.Find("textarea").Input("Total sales\nby month");
        composer.Find("button.composer-send").Click();

        Assert.Equal(["Total sales\nby month"], sent);
        Assert.Equal("", composer.Find("textarea").GetAttribute("value") ?? "");
        Assert.True(composer.Find("button.composer-send").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Enter_from_the_browser_sends_and_a_refused_question_stays_in_the_box()
    {
        var composer = Render<Composer>(p => p.Add(c => c.OnSend, _ => Task.FromResult(false)));
        composer.Find("textarea").Input("Total sales");

        var taken = await composer.InvokeAsync(() => composer.Instance.SendFromKeyboard("Total sales"));

        Assert.False(taken);
        Assert.Equal("Total sales", composer.Find("textarea").GetAttribute("value") ?? composer.Find("textarea").TextContent);
    }

    [Fact]
    public void While_a_question_is_handed_over_the_send_button_waits()
    {
        var composer = Render<Composer>(p => p.Add(c => c.Sending, true).Add(c => c.OnSend, _ => Task.FromResult(true)));
        composer.Find("textarea").Input("Total sales");

        Assert.True(composer.Find("button.composer-send").HasAttribute("disabled"));
    }

    [Fact]
    public void The_sidebar_lists_threads_and_reports_rename_archive_and_delete()
    {
        var first = new ThreadSummary(Guid.NewGuid(), "Sales review", "demo", false, DateTimeOffset.UtcNow, 3, 0m);
        var second = new ThreadSummary(Guid.NewGuid(), "Archived one " + Messages.Attack, "demo", true, DateTimeOffset.UtcNow.AddDays(-3), 1, 0m);
        (Guid Id, string Title)? renamed = null;
        (Guid Id, bool Archived)? archived = null;
        ThreadSummary? deleted = null;

        var sidebar = Render<ThreadSidebar>(p => p
            .Add(c => c.Threads, [first, second])
            .Add(c => c.CurrentId, first.Id)
            .Add(c => c.OnRename, (ValueTuple<Guid, string> r) => renamed = r)
            .Add(c => c.OnArchive, (ValueTuple<Guid, bool> a) => archived = a)
            .Add(c => c.OnDelete, (ThreadSummary t) => deleted = t));

        Assert.Equal(2, sidebar.FindAll(".thread-item").Count);
        Assert.Contains("selected", sidebar.Find($"[data-thread-id='{first.Id}']").ClassName);
        Assert.Contains("archived", sidebar.Find($"[data-thread-id='{second.Id}']").ClassName);
        Assert.Empty(sidebar.FindAll(".threads img"));

        var item = sidebar.Find($"[data-thread-id='{first.Id}']");
        item.QuerySelector(".thread-rename-button")!.Click();
        var field = sidebar.Find($"[data-thread-id='{first.Id}'] input");
        field.Input("Monthly sales review");
        field.KeyDown("Enter");
        Assert.Equal((first.Id, "Monthly sales review"), renamed);

        sidebar.Find($"[data-thread-id='{second.Id}'] .thread-archive-button").Click();
        Assert.Equal((second.Id, false), archived);
        sidebar.Find($"[data-thread-id='{first.Id}'] .thread-delete-button").Click();
        Assert.Equal(first.Id, deleted?.Id);
    }

    [Fact]
    public void An_empty_search_result_says_nothing_matches()
    {
        var sidebar = Render<ThreadSidebar>(p => p.Add(c => c.Threads, []).Add(c => c.Search, "zebra"));

        Assert.Contains("No thread matches.", sidebar.Find(".threads-empty").TextContent);
    }
}

using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>What the chat page shows: the thread list, the open thread, its messages and the answers still running.</summary>
public sealed class ChatState
{
    public IReadOnlyList<ThreadSummary>? Threads { get; set; }
    public string Search { get; set; } = "";
    public bool ShowArchived { get; set; }

    public ChatThread? Thread { get; set; }
    public bool NotFound { get; set; }
    public bool Loading { get; set; }
    public List<MessageView> Messages { get; set; } = [];

    /// <summary>The thread has messages before the first of <see cref="Messages"/> ("Show earlier" loads them).</summary>
    public bool HasOlder { get; set; }
    public ThreadTotals? Totals { get; set; }
    public Dictionary<Guid, LiveAnswer> Live { get; } = [];
    public IReadOnlyList<string> Examples { get; set; } = [];

    /// <summary>The data source a new thread will use.</summary>
    public string NewThreadSource { get; set; } = "demo";

    /// <summary>A question of the open thread is being answered: new ones wait.</summary>
    public bool Busy => Live.Count > 0;

    public void ShowNewThread()
    {
        Thread = null;
        NotFound = false;
        Loading = false;
        Messages = [];
        HasOlder = false;
        Totals = null;
    }

    public void ShowNotFound()
    {
        ShowNewThread();
        NotFound = true;
    }

    /// <summary>
    /// Takes freshly loaded messages but keeps the instances of unchanged ones, so their charts and grids
    /// are not redrawn (and their paging not reset) each time another message changes.
    /// </summary>
    public void Merge(IReadOnlyList<MessageView> loaded)
    {
        var current = Messages.ToDictionary(m => m.Id);
        Messages = [.. loaded.Select(m => current.TryGetValue(m.Id, out var old) && Same(old, m) ? old : m)];
    }

    /// <summary>
    /// Shows the open thread's latest title, time, count and cost in the thread list without reading the list again;
    /// a thread the list lacks (just made by a first question) is added when the list shows such threads.
    /// </summary>
    public void Touch(ThreadContents contents)
    {
        if (Threads is null)
            return;
        var thread = contents.Thread;
        var summary = new ThreadSummary(thread.Id, thread.Title, thread.DataSource, thread.IsArchived, thread.UpdatedAt, contents.Totals.Messages, contents.Totals.CostUsd, contents.Totals.InputTokens, contents.Totals.OutputTokens);
        if (Threads.Any(t => t.Id == thread.Id))
            Threads = [.. Threads.Select(t => t.Id == thread.Id ? summary : t).OrderByDescending(t => t.UpdatedAt)];
        else if (Search.Length == 0 && (ShowArchived || !thread.IsArchived))
            Threads = [.. Threads.Append(summary).OrderByDescending(t => t.UpdatedAt)];
    }

    private static bool Same(MessageView a, MessageView b) =>
        a.Status == b.Status && a.CompletedAt == b.CompletedAt && a.IsVerified == b.IsVerified && a.Sql == b.Sql && a.Error == b.Error;
}

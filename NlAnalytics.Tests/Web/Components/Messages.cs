using System.Text.Json;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Tests.Web.Components;

/// <summary>Stored messages and results as the chat page receives them, for component tests.</summary>
internal static class Messages
{
    public const string Attack = "<img src=x onerror=alert(1)>";

    public static MessageView Message(MessageStatus status) => new(
        Guid.NewGuid(), 1, "What were total sales by month?", null, status, "Offline", null, null, null, null, null, null,
        [], [], [], [], 0, 0, 0m, false, DateTimeOffset.UnixEpoch, status is MessageStatus.Pending or MessageStatus.Running ? null : DateTimeOffset.UnixEpoch.AddSeconds(1), []);

    public static ResultSnapshot Snapshot(string[] columns, params object?[][] rows) => Snapshot(columns, [.. columns.Select(_ => "text")], rows);

    public static ResultSnapshot Snapshot(string[] columns, string[] types, params object?[][] rows) => new(
        [.. columns.Zip(types, (c, t) => new ResultColumn(c, t))],
        [.. rows.Select(r => r.Select(v => JsonSerializer.SerializeToElement(v)).ToArray())],
        false, 3);
}

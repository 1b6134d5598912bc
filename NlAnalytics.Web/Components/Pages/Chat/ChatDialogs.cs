using MudBlazor;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>The chat page's confirmations.</summary>
public static class ChatDialogs
{
    /// <summary>Asks before a thread and its messages are deleted; true only when the user chose Delete.</summary>
    public static async Task<bool> ConfirmDeleteAsync(IDialogService dialogs, string title, int messageCount) =>
        await dialogs.ShowMessageBoxAsync("Delete thread",
            $"Delete \"{title}\" and its {messageCount} {(messageCount == 1 ? "message" : "messages")}? This cannot be undone.",
            yesText: "Delete", cancelText: "Keep it") == true;
}

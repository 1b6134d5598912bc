using Microsoft.Extensions.DependencyInjection.Extensions;
using NlAnalytics.Core.Conversations;

namespace NlAnalytics.Web.Components.Pages.Chat;

public static class ChatServiceCollectionExtensions
{
    /// <summary>What the chat workspace needs beyond the Core registrations: running edited SQL as a new message.</summary>
    public static IServiceCollection AddChatWorkspace(this IServiceCollection services)
    {
        services.TryAddSingleton<ManualQueryRunner>();
        return services;
    }
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace NlAnalytics.Web.Extensions;

/// <summary>Tells whoever started the app where it is and how to get in.</summary>
public static partial class StartupBanner
{
    public static WebApplication UseStartupBanner(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var url = addresses.FirstOrDefault() ?? "(unknown address)";
            LogReady(app.Logger, url);
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "NlAnalytics is running at {Url} - open it in a browser and register; the first account on an empty installation becomes Admin. The demo warehouse is prepared in the background on first start.")]
    private static partial void LogReady(ILogger logger, string url);
}

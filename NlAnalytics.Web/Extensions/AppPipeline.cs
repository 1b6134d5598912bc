using NlAnalytics.Web.Components;
using NlAnalytics.Web.Endpoints;

namespace NlAnalytics.Web.Extensions;

public static class AppPipeline
{
    /// <summary>The whole app on a built host: middleware, pages and every endpoint group (Program.cs and bench-load).</summary>
    public static WebApplication UseNlAnalyticsApp(this WebApplication app)
    {
        app.UseWebPipeline();
        app.UseStartupBanner();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAccountEndpoints();
        app.MapThreadEndpoints();
        app.MapMessageEndpoints();
        app.MapVerifiedQueryEndpoints();
        app.MapCostEndpoints();
        app.MapDataSourceEndpoints();
        app.MapSourceEndpoints();
        app.MapKnowledgeEndpoints();
        app.MapApiKeyEndpoints();
        app.MapUploadEndpoints();
        app.MapDashboardEndpoints();
        app.MapUserEndpoints();
        app.MapEvaluationEndpoints();
        app.MapApiDocumentation();
        return app;
    }
}

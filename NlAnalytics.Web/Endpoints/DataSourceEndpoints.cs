using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Core.Sources;
using NlAnalytics.Web.Extensions;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A data source as users see it: a name to choose, never a connection string. Status is ready, preparing or failed.</summary>
public sealed record DataSourceView(string Name, string DisplayName, IReadOnlyList<string> Schemas, string Status);

/// <summary>The outcome of an administrator's catalog refresh.</summary>
public sealed record CatalogRefreshed(string DataSource, int Tables, int Columns, DateTimeOffset LoadedAt);

/// <summary>/api/data-sources: what threads can be about, and (administrators) re-reading a source's catalog.</summary>
public static class DataSourceEndpoints
{
    public const string DemoName = ConversationService.DemoSourceName;

    public static IEndpointRouteBuilder MapDataSourceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/data-sources").WithTags("Data sources");
        group.AddEndpointFilter(ApiKeyScope.EnforceOnSourceNameAsync);
        group.MapGet("/", ListAsync);
        group.MapPost("/{name}/catalog/refresh", RefreshCatalogAsync).RequireAuthorization(WebServiceExtensions.AdminRole);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<DataSourceView>>> ListAsync(System.Security.Claims.ClaimsPrincipal user, ISourceAccess access, DemoStatus demo, CancellationToken cancellationToken)
    {
        var views = user.WithinScope(await access.AllowedSourcesAsync(user.UserId(), cancellationToken), s => s.Name)
            .Select(s => new DataSourceView(s.Name, s.DisplayName, s.ExposedSchemas, "ready")).ToList();
        if (demo.State is DemoState.Preparing or DemoState.Failed && views.All(v => v.Name != DemoName) && access.IsOpenToEveryone(DemoName) && user.MayUse(DemoName))
            views.Insert(0, new DataSourceView(DemoName, "Demo warehouse", [], demo.State == DemoState.Preparing ? "preparing" : "failed"));
        return TypedResults.Ok<IReadOnlyList<DataSourceView>>(views);
    }

    /// <summary>Drops the cached catalog of a source and reads it again (after its schema changed). Administrators only.</summary>
    private static async Task<Results<Ok<CatalogRefreshed>, ProblemHttpResult>> RefreshCatalogAsync(
        string name, DataSourceAdministration sources, DemoStatus demo, CancellationToken cancellationToken)
    {
        // The same refresh as the Sources page's button.
        if (await sources.RefreshCatalogAsync(name, cancellationToken) is not { } refreshed)
            return string.Equals(name, DemoName, StringComparison.OrdinalIgnoreCase) && demo.State == DemoState.Preparing
                ? ApiGroup.Conflict($"The demo warehouse is still being prepared ({demo.Message}); refresh its catalog when it is ready.")
                : ApiGroup.NotFound($"There is no data source named '{name}'.");
        return TypedResults.Ok(new CatalogRefreshed(refreshed.DataSource, refreshed.Tables, refreshed.Columns, refreshed.LoadedAt));
    }
}

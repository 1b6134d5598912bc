using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using NlAnalytics.Web.Security;
using Scalar.AspNetCore;

namespace NlAnalytics.Web.Endpoints;

/// <summary>
/// The API's published description: the OpenAPI document at <c>GET /openapi/v1.json</c> (Microsoft.AspNetCore.OpenApi)
/// and Scalar's interactive reference over it at <c>/api/docs</c>. Both are open to anyone: they describe routes,
/// never data, and a script needs the document before it has signed in.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";

    /// <summary>The security scheme's name in components.securitySchemes.</summary>
    public const string ApiKeySchemeName = "ApiKey";

    public const string ProblemContentType = "application/problem+json";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            // Only the /api routes: the account form posts and Blazor's own endpoints are not the API.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.OrdinalIgnoreCase) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "NlAnalytics API",
                    Version = DocumentName,
                    Description =
                        "Ask questions about your PostgreSQL data in plain language. Authenticate with a personal API key " +
                        $"(your profile, or POST /api/keys while signed in) in the {ApiKeyAuthentication.HeaderName} header. " +
                        "Errors are RFC 9457 problem details. Requests that change data need a JSON body or the header X-Requested-With.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeySchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthentication.HeaderName,
                    Description = $"A personal API key, {ApiKeyAuthentication.Prefix}... (shown once when it is made). The browser's sign-in cookie works too.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeySchemeName, document)] = [] }];
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocumentation(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi(DocumentPath.Replace(DocumentName, "{documentName}", StringComparison.Ordinal)).AllowAnonymous();
        endpoints.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("NlAnalytics API")
                .WithOpenApiRoutePattern(DocumentPath)
                // Fonts would come from Scalar's CDN, which the policy (and a closed network) refuses: the system font instead.
                .DisableDefaultFonts()
                // The page's one inline script (Scalar's initialisation) runs under a per-request nonce that only this
                // response's policy allows (SecurityHeaders); scalar.js itself is served from this origin.
                .WithNonce()
                // Nothing that calls Scalar's own services (its AI agent, MCP, telemetry, the "deploy" toolbar): a closed network, and private data.
                .DisableAgent()
                .DisableMcp()
                .DisableTelemetry()
                .HideDeveloperTools()
                .WithDefaultHttpClient(ScalarTarget.Shell, ScalarClient.Curl)
                .AddPreferredSecuritySchemes(ApiKeySchemeName)
                .AddApiKeyAuthentication(ApiKeySchemeName, key => key.Name = ApiKeyAuthentication.HeaderName))
            .AllowAnonymous();
        return endpoints;
    }

    /// <summary>The nonce Scalar put on its page's script tags, for the policy of that one response; null elsewhere.</summary>
    public static string? ScriptNonce(HttpContext context) =>
        context.Items.TryGetValue(ScalarOptions.NonceHttpContextItemKey, out var nonce) ? nonce as string : null;

    /// <summary>
    /// Describes the problem-details answers of an /api route, from what the route is: every route may answer 401
    /// (no or a bad key) and 500; one with a route parameter 404; a write 400 (the forgery guard, a bad body); an
    /// Admin route 403; a route that starts answers 429 (rate limit) and 503 (app database down). A handler's own
    /// <c>ProblemHttpResult</c> carries no status the document could read, so these are stated here once.
    /// </summary>
    internal static TBuilder WithProblemResponses<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            var statuses = new SortedSet<int> { StatusCodes.Status401Unauthorized, StatusCodes.Status500InternalServerError };
            var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToList();
            if (methods.Any(m => !HttpMethods.IsGet(m)))
                statuses.Add(StatusCodes.Status400BadRequest);
            if (endpoint is RouteEndpointBuilder { RoutePattern.Parameters.Count: > 0 })
                statuses.Add(StatusCodes.Status404NotFound);
            if (endpoint.Metadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any(a => a.Policy is not null || a.Roles is not null))
                statuses.Add(StatusCodes.Status403Forbidden);
            if (endpoint.Metadata.OfType<EnableRateLimitingAttribute>().Any())
            {
                statuses.Add(StatusCodes.Status429TooManyRequests);
                statuses.Add(StatusCodes.Status503ServiceUnavailable);
            }
            var declared = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Select(p => p.StatusCode).ToHashSet();
            foreach (var status in statuses.Where(s => !declared.Contains(s)))
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [ProblemContentType]));
        });
        return builder;
    }
}

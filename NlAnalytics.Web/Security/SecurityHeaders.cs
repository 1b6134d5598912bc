using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Net.Http.Headers;
using IPNetwork = System.Net.IPNetwork;

namespace NlAnalytics.Web.Security;

/// <summary>
/// The response headers every page and API answer carries, and the proxy and error conventions around them.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts only from the app itself: blazor.web.js, MudBlazor.min.js, Plotly.Blazor's basic bundle and the SQL editor
    /// bundle are all served from this origin and none of them needs eval. Styles allow inline because MudBlazor and
    /// Plotly set style attributes and Plotly inserts a style element at run time (styles cannot run script). The
    /// circuit's WebSocket is same-origin ('self' covers ws: and wss: of the page's host). Plotly's "download as
    /// PNG" draws through data: and blob: images.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The policy of one response: <see cref="ContentSecurityPolicy"/>, except that the API reference page
    /// (<c>/api/docs</c>, Scalar) may also run the inline scripts that carry this response's own random nonce.
    /// No other page is touched, and the nonce is new on every request.
    /// </summary>
    public static string PolicyFor(HttpContext context) =>
        NlAnalytics.Web.Endpoints.ApiDocumentation.ScriptNonce(context) is { Length: > 0 } nonce
            ? ContentSecurityPolicy.Replace("script-src 'self';", $"script-src 'self' 'nonce-{nonce}';", StringComparison.Ordinal)
            : ContentSecurityPolicy;

    public static IServiceCollection AddSecurityHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.IncludeSubDomains = false;
        });
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Scheme and client address from the reverse proxy that terminates TLS, so cookies are Secure, HSTS is sent
            // and redirects say https. Only from proxies named in App:TrustedProxies (IP addresses or CIDR networks);
            // loopback is trusted by default, as a proxy on the same machine.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var entry in configuration.GetSection($"{AppOptions.SectionName}:{nameof(AppOptions.TrustedProxies)}").Get<string[]>() ?? [])
            {
                if (IPNetwork.TryParse(entry, out var network))
                    options.KnownIPNetworks.Add(network);
                else if (System.Net.IPAddress.TryParse(entry, out var address))
                    options.KnownProxies.Add(address);
                else
                    throw new InvalidOperationException($"App:TrustedProxies: '{entry}' is neither an IP address nor a CIDR network.");
            }
        });
        return services;
    }

    /// <summary>
    /// HSTS over HTTPS, the headers on every answer and problem
    /// details for API errors. Goes after UseForwardedHeaders and the pages' exception handler, so API errors are caught here first.
    /// </summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseHsts();
        app.Use((context, next) =>
        {
            // At the start of the response, so an answer rewritten by the exception handler (which clears headers) has them too.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers[HeaderNames.XFrameOptions] = "DENY";
                headers[HeaderNames.ContentSecurityPolicy] = PolicyFor(context);
                // Answers and CSV downloads hold the analysts' data: never kept by the browser or a shared cache.
                if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
                    headers[HeaderNames.CacheControl] = "no-store";
                return Task.CompletedTask;
            });
            return next(context);
        });
        // API errors are problem details: an unhandled exception, and any error status a handler or the server set
        // without a body (413 for an oversized body, 405, 415).
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase), api =>
        {
            api.UseExceptionHandler(new ExceptionHandlerOptions
            {
                // The server's refusals of a request (413 body too large, 408, 431) keep their status; an unreachable app
                // database is a 503 (try again later, nothing is wrong with the request); anything else is a 500.
                StatusCodeSelector = exception => exception switch
                {
                    BadHttpRequestException bad => bad.StatusCode,
                    _ when NlAnalytics.Core.Data.AppDatabaseOutage.Is(exception) => StatusCodes.Status503ServiceUnavailable,
                    _ => StatusCodes.Status500InternalServerError,
                },
            });
            api.UseStatusCodePages();
        });
        return app;
    }
}

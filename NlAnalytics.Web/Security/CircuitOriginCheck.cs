using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace NlAnalytics.Web.Security;

/// <summary>
/// Refuses the Blazor circuit (the negotiate request and the WebSocket upgrade of <c>/_blazor</c>) when the
/// browser says it comes from another origin. The circuit carries the user's cookie and SignalR does not check
/// the origin, so without this a page on a sibling subdomain or another port of the same host could drive a
/// signed-in analyst's session. Requests without an Origin header are not from a browser page and pass.
/// </summary>
public sealed partial class CircuitOriginCheck(RequestDelegate next, IOptions<AppOptions> options, IServer server, ILogger<CircuitOriginCheck> logger)
{
    public const string CircuitPath = "/_blazor";

    private IReadOnlyList<Uri>? _allowed;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(CircuitPath, StringComparison.OrdinalIgnoreCase)
            && context.Request.Headers.Origin is { Count: > 0 } origin
            && !IsAllowed(origin.ToString(), context.Request))
        {
            LogRefused(logger, origin.ToString(), context.Request.Path);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        await next(context);
    }

    /// <summary>Whether <paramref name="origin"/> is one of the app's own origins for this request.</summary>
    public bool IsAllowed(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from) || from.Scheme is not ("http" or "https"))
            return false;
        var allowed = _allowed ??= AllowedOrigins();
        if (allowed.Count == 0)
            return SameOrigin(from, new Uri($"{request.Scheme}://{request.Host}"));
        foreach (var entry in allowed)
        {
            if (IsWildcardHost(entry.Host))
            {
                // A wildcard listener accepts any host name: the browser's page must then be the very host it asked.
                if (from.Scheme == entry.Scheme && from.Port == entry.Port && SameOrigin(from, new Uri($"{request.Scheme}://{request.Host}")))
                    return true;
            }
            else if (SameOrigin(from, entry) || (IsLoopback(entry.Host) && IsLoopback(from.Host) && from.Scheme == entry.Scheme && from.Port == entry.Port))
                return true;
        }
        return false;
    }

    private IReadOnlyList<Uri> AllowedOrigins()
    {
        var configured = options.Value.AllowedOrigins.Where(o => !string.IsNullOrWhiteSpace(o)).ToList();
        if (configured.Count == 0)
            configured = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        return configured
            .Select(o => o.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal))
            .Select(o => Uri.TryCreate(o, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .ToList();
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static bool IsWildcardHost(string host) => host is "0.0.0.0" or "[::]" or "::";

    private static bool IsLoopback(string host) => host is "localhost" or "127.0.0.1" or "[::1]" or "::1";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused the Blazor circuit from origin {Origin} ({Path}): not one of the app's origins (App:AllowedOrigins)")]
    private static partial void LogRefused(ILogger logger, string origin, PathString path);
}

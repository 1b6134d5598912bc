namespace NlAnalytics.Web.Security;

/// <summary>How the app is reached from outside (section "App").</summary>
public sealed class AppOptions
{
    public const string SectionName = "App";

    /// <summary>
    /// The origins (scheme://host[:port]) browsers reach the app at, for example https://analytics.example.com
    /// behind a TLS proxy. Empty: the URLs the server listens on (a wildcard host such as http://0.0.0.0:5080
    /// stands for the request's own host on that scheme and port).
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-Proto/-For/-Host headers are believed. Loopback
    /// is always trusted.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];
}

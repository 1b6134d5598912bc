using System.Net;
using System.Text.RegularExpressions;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// An HTTP client that behaves like a browser on the server-rendered forms: it keeps cookies, reads a
/// form's hidden fields (antiforgery token, form handler name) and posts them back with the user's input.
/// Redirects are not followed, so tests assert on what the server answered.
/// </summary>
public sealed partial class BrowserSession(HttpClient http, CookieContainer cookies, Uri baseAddress) : IDisposable
{
    public const string AuthCookieName = "NlAnalytics.Auth";

    public HttpClient Http => http;

    /// <summary>The value of a cookie the server set, or null.</summary>
    public string? Cookie(string name) => cookies.GetCookies(baseAddress)[name]?.Value;

    public bool IsSignedIn => Cookie(AuthCookieName) is not null;

    /// <summary>The Cookie header this session sends: what an attacker who captured its cookies would replay.</summary>
    public string CookieHeader => cookies.GetCookieHeader(baseAddress);

    public Task<HttpResponseMessage> GetAsync(string path, CancellationToken cancellationToken = default) => http.GetAsync(path, cancellationToken);

    /// <summary>Loads <paramref name="path"/>, then posts its form with the hidden fields it rendered plus <paramref name="fields"/>.</summary>
    public async Task<HttpResponseMessage> SubmitFormAsync(string path, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default)
    {
        var page = await http.GetStringAsync(path, cancellationToken);
        var form = HiddenFields(page);
        foreach (var (name, value) in fields)
            form[name] = value;
        return await http.PostAsync(path, new FormUrlEncodedContent(form), cancellationToken);
    }

    public Task<HttpResponseMessage> RegisterAsync(string email, string password, CancellationToken cancellationToken = default) =>
        SubmitFormAsync("/account/register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        }, cancellationToken);

    public Task<HttpResponseMessage> SignInAsync(string email, string password, CancellationToken cancellationToken = default) =>
        SubmitFormAsync("/account/login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }, cancellationToken);

    /// <summary>Signs out the way the profile menu does: a form post with the antiforgery token of a signed-in page.</summary>
    public async Task<HttpResponseMessage> SignOutAsync(CancellationToken cancellationToken = default)
    {
        var page = await http.GetStringAsync("/", cancellationToken);
        var form = HiddenFields(page);
        form.Remove("_handler");
        return await http.PostAsync("/account/logout", new FormUrlEncodedContent(form), cancellationToken);
    }

    /// <summary>The hidden inputs of a rendered page (name to HTML-decoded value), read as the load benchmark reads them.</summary>
    public static Dictionary<string, string> HiddenFields(string html) => NlAnalytics.Web.Cli.LoadBenchmark.HiddenFields(html);

    /// <summary>What a user would read as the reason a form was refused: the error box and the field messages.</summary>
    public static string FormErrors(string html)
    {
        var parts = new List<string>();
        var alert = html.IndexOf("account-alert-error", StringComparison.Ordinal);
        var form = html.IndexOf("<form", StringComparison.Ordinal);
        if (alert >= 0 && form > alert)
            parts.Add(html[(html.IndexOf('>', alert) + 1)..form]);
        parts.AddRange(ValidationMessagePattern().Matches(html).Select(m => m.Groups[1].Value));
        return WebUtility.HtmlDecode(string.Join(" ", parts.Select(p => TagPattern().Replace(p, " ")))).Trim();
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex("class=\"validation-message\"[^>]*>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex ValidationMessagePattern();

    [GeneratedRegex("<[^>]+>|\\s{2,}")]
    private static partial Regex TagPattern();



}

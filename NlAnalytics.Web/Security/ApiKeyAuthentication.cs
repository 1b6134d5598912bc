using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Security;

/// <summary>
/// Personal API keys: <c>X-API-Key: nla_...</c> authenticates a request as the key's user. A policy scheme
/// (<see cref="SelectorScheme"/>, the default) sends requests with the header here and all others to the
/// Identity cookie, so cookies keep working unchanged.
/// </summary>
public static class ApiKeyAuthentication
{
    public const string Scheme = "ApiKey";
    public const string SelectorScheme = "CookieOrApiKey";
    public const string HeaderName = "X-API-Key";
    public const string Prefix = "nla_";

    /// <summary>A new key: the prefix and 32 random bytes, base64url.</summary>
    public static string NewKey() => Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>SHA-256 of the key, lower-case hex: what the table stores and what a presented key is looked up by.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static AuthenticationBuilder AddApiKeys(this AuthenticationBuilder builder)
    {
        builder.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(Scheme, null);
        builder.Services.AddSingleton<ApiKeys>();
        builder.AddPolicyScheme(SelectorScheme, "Cookie or API key", options =>
            options.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(HeaderName) ? Scheme : IdentityConstants.ApplicationScheme);
        return builder;
    }
}

/// <summary>
/// Checks an <c>X-API-Key</c> header: an unknown, revoked or expired key, or a key of a disabled or locked-out account,
/// fails with 401 problem details. A good key signs the request in as its user with the same claims (roles
/// included) a cookie would carry, and records when it was last used.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<AppDbContext> contexts,
    UserManager<AppUser> users,
    IUserClaimsPrincipalFactory<AppUser> principals,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string FailureItem = "nla.apikey.failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyAuthentication.HeaderName, out var values))
            return AuthenticateResult.NoResult();
        var presented = values.ToString().Trim();
        if (!presented.StartsWith(ApiKeyAuthentication.Prefix, StringComparison.Ordinal) || presented.Length > 200)
            return Fail("The API key is not valid.");
        var hash = ApiKeyAuthentication.Hash(presented);
        var now = clock.GetUtcNow();
        await using var context = await contexts.CreateDbContextAsync(Context.RequestAborted);
        var key = await context.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.KeyHash == hash, Context.RequestAborted);
        if (key is null)
            return Fail("The API key is not valid.");
        if (key.RevokedAt is not null)
            return Fail("The API key has been revoked.");
        if (key.ExpiresAt is { } expires && expires <= now)
            return Fail("The API key has expired.");
        var user = await users.FindByIdAsync(key.UserId);
        if (user is null || user.DisabledAt is not null || await users.IsLockedOutAsync(user))
            return Fail("The API key's account is disabled.");
        var principal = await principals.CreateAsync(user);
        var identity = new ClaimsIdentity(principal.Claims, ApiKeyAuthentication.Scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ApiKeyClaims.KeyId, key.Id.ToString()));
        identity.AddClaims(ApiKeyScope.Claims(key.Sources));
        // A second's resolution is plenty for "last used" and keeps busy keys from writing on every request.
        if (key.LastUsedAt is null || now - key.LastUsedAt.Value > TimeSpan.FromSeconds(1))
            await context.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(k => k.SetProperty(x => x.LastUsedAt, now), Context.RequestAborted);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyAuthentication.Scheme));
    }

    private AuthenticateResult Fail(string message)
    {
        Context.Items[FailureItem] = message;
        return AuthenticateResult.Fail(message);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var detail = Context.Items[FailureItem] as string ?? "Send a valid API key in the X-API-Key header.";
        await Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = "Not authenticated",
            Detail = detail,
        }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", Context.RequestAborted);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "Not allowed",
            Detail = "This API key's account may not do this.",
        }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", Context.RequestAborted);
    }
}

public static class ApiKeyClaims
{
    /// <summary>On a principal signed in with an API key: the key's id.</summary>
    public const string KeyId = "nla:api_key_id";
}

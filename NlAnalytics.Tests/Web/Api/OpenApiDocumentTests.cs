using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// GET /openapi/v1.json read back with Microsoft.OpenApi's own reader: valid, every mapped /api route in it, the
/// X-API-Key scheme, problem details; and a route called with a key exactly as the document describes it.
/// The reference page /api/docs runs under the strict policy plus a nonce of its own.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class OpenApiDocumentTests(ApiApp app)
{
    [Fact]
    public async Task The_document_is_valid_openapi_and_describes_every_mapped_api_route()
    {
        var document = await ReadDocumentAsync();

        var described = document.Paths.SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method.ToUpperInvariant()} {p.Key}")).ToHashSet();
        var mapped = MappedApiRoutes();
        Assert.True(mapped.Count >= 30, $"Only {mapped.Count} /api routes found: {string.Join(", ", mapped)}");
        Assert.Empty(mapped.Except(described));
        Assert.Empty(described.Except(mapped));

        foreach (var (path, item) in document.Paths)
            foreach (var (method, operation) in item.Operations!)
            {
                var where = $"{method} {path}";
                Assert.NotEmpty(operation.Tags ?? new HashSet<OpenApiTagReference>());
                // Every route may refuse a missing or bad key, with problem details.
                var unauthorized = operation.Responses![StatusCodes401];
                Assert.True(unauthorized.Content!.ContainsKey("application/problem+json"), where);
                Assert.Contains(operation.Responses.Keys, status => status.StartsWith('2'));
                if (path.Contains('{'))
                    Assert.True(operation.Responses.ContainsKey("404"), $"{where} has no 404");
                // A JSON request body is described by a schema with properties (an optional body: one of null and that schema).
                if (operation.RequestBody?.Content?.TryGetValue("application/json", out var json) == true)
                    Assert.True(WithProperties(json.Schema!) is not null, $"{where}: the JSON body has no properties");
            }

        var problem = document.Components!.Schemas!["ProblemDetails"];
        Assert.Contains("detail", problem.Properties!.Keys);
        Assert.Contains("status", problem.Properties.Keys);
        // Fields a client may leave out are not listed as required; those the service insists on are.
        var ask = document.Components.Schemas["AskRequest"];
        Assert.Contains("clientRequestId", ask.Required ?? new HashSet<string>());
        Assert.DoesNotContain("mode", ask.Required ?? new HashSet<string>());
        Assert.Equal("text/csv", Assert.Single(document.Paths["/api/messages/{messageId}/result.csv"].Operations![HttpMethod.Get].Responses!["200"].Content!).Key);
    }

    [Fact]
    public async Task The_document_names_the_api_key_scheme_and_a_key_used_as_described_creates_a_thread()
    {
        var document = await ReadDocumentAsync();
        var (schemeName, scheme) = Assert.Single(document.Components!.SecuritySchemes!);
        Assert.Equal("ApiKey", schemeName);
        Assert.Equal(SecuritySchemeType.ApiKey, scheme.Type);
        Assert.Equal(ParameterLocation.Header, scheme.In);
        Assert.Equal("X-API-Key", scheme.Name);
        var requirement = Assert.Single(document.Security!);
        Assert.Equal("ApiKey", Assert.Single(requirement.Keys).Reference.Id);

        // A key, made as a user would with the sign-in cookie.
        using var made = await app.Alice.Http.PostAsJsonAsync("/api/keys", new { name = "openapi test" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var key = (await ApiApp.ReadJsonAsync(made))["key"]!.GetValue<string>();

        // POST /api/threads, built only from the document: the path, the body's content type and properties, the key's header.
        var operation = document.Paths["/api/threads"].Operations![HttpMethod.Post];
        var (contentType, media) = Assert.Single(operation.RequestBody!.Content!);
        var properties = media.Schema!.Properties!;
        Assert.Contains("dataSource", properties.Keys);
        Assert.Contains("title", properties.Keys);
        var body = new JsonObject { ["dataSource"] = "demo", ["title"] = "Described by the document" };
        foreach (var required in media.Schema.Required ?? new HashSet<string>())
            Assert.True(body.ContainsKey(required), $"the test must send the required '{required}'");

        using var anonymous = app.Factory.CreateSession();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/threads") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType) };
        Assert.Equal(ParameterLocation.Header, scheme.In);
        request.Headers.Add(scheme.Name!, key);
        using var response = await anonymous.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(anonymous.IsSignedIn);

        // The answer is what the document says a 201 is.
        var created = operation.Responses!["201"];
        var (responseType, responseMedia) = Assert.Single(created.Content!);
        Assert.Equal(responseType, response.Content.Headers.ContentType!.MediaType);
        var thread = (await ApiApp.ReadJsonAsync(response)).AsObject();
        var responseSchema = responseMedia.Schema!;
        foreach (var required in responseSchema.Required!)
            Assert.True(thread.ContainsKey(required), $"201 lacks '{required}': {thread.ToJsonString()}");
        Assert.Equal("Described by the document", thread["title"]!.GetValue<string>());

        // Without the key the same request is the documented 401 problem.
        using var withoutKey = new HttpRequestMessage(HttpMethod.Post, "/api/threads") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType) };
        using var refused = await anonymous.Http.SendAsync(withoutKey);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task The_reference_page_runs_only_its_own_nonced_scripts_and_other_pages_keep_the_strict_policy()
    {
        using var anonymous = app.Factory.CreateSession();
        using var page = await anonymous.Http.GetAsync("/api/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        var nonce = NonceInPolicy().Match(policy);
        Assert.True(nonce.Success, policy);
        Assert.True(nonce.Groups[1].Value.Length >= 22, "the nonce must be at least 128 bits");
        var scripts = ScriptTag().Matches(html);
        Assert.NotEmpty(scripts);
        foreach (Match script in scripts)
            Assert.Contains($"nonce=\"{nonce.Groups[1].Value}\"", script.Value);
        // The scripts it loads come from this origin.
        foreach (Match source in ScriptSource().Matches(html))
        {
            Assert.DoesNotContain("//", source.Groups[1].Value);
            using var asset = await anonymous.Http.GetAsync("/api/docs/" + source.Groups[1].Value);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }

        using var again = await anonymous.Http.GetAsync("/api/docs/");
        Assert.NotEqual(nonce.Groups[1].Value, NonceInPolicy().Match(string.Join(";", again.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value);

        foreach (var path in new[] { "/account/login", "/openapi/v1.json", "/api/threads" })
        {
            using var other = await anonymous.Http.GetAsync(path);
            Assert.Equal(NlAnalytics.Web.Security.SecurityHeaders.ContentSecurityPolicy, string.Join(";", other.Headers.GetValues("Content-Security-Policy")));
        }
    }

    private const string StatusCodes401 = "401";

    private static IOpenApiSchema? WithProperties(IOpenApiSchema schema) =>
        schema.Properties is { Count: > 0 } ? schema : (schema.OneOf ?? schema.AnyOf ?? []).Select(WithProperties).FirstOrDefault(s => s is not null);

    private async Task<OpenApiDocument> ReadDocumentAsync()
    {
        using var anonymous = app.Factory.CreateSession();
        using var response = await anonymous.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync();
        var settings = new OpenApiReaderSettings();
        var (document, diagnostic) = OpenApiDocument.Parse(json, "json", settings);
        Assert.NotNull(document);
        Assert.Empty(diagnostic!.Errors);
        return document;
    }

    /// <summary>Every /api route the app maps, as "METHOD /path/{name}" (route constraints dropped), but the reference page's own.</summary>
    private HashSet<string> MappedApiRoutes()
    {
        var routes = new HashSet<string>();
        foreach (var endpoint in app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal) || pattern.StartsWith("/api/docs", StringComparison.Ordinal))
                continue;
            var path = RouteConstraint().Replace(pattern, "{$1}").TrimEnd('/');
            foreach (var method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
                routes.Add($"{method} {path}");
        }
        return routes;
    }

    [GeneratedRegex(@"\{(\w+):[^}]+\}")]
    private static partial Regex RouteConstraint();

    [GeneratedRegex(@"script-src 'self' 'nonce-([A-Za-z0-9_\-+/=]+)'")]
    private static partial Regex NonceInPolicy();

    [GeneratedRegex(@"<script[^>]*>")]
    private static partial Regex ScriptTag();

    [GeneratedRegex(@"<script[^>]*\ssrc=""([^""]+)""")]
    private static partial Regex ScriptSource();
}

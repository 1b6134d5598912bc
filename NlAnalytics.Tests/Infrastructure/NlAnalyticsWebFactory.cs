using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Hosting;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// The real web app (Program) in environment "Testing", on fresh databases of the test cluster
/// (ConnectionStrings:App and :Demo), in memory or on Kestrel at 127.0.0.1 with a free port for
/// browser tests. Create with <see cref="CreateAsync"/>; dispose to stop the app.
/// </summary>
public sealed class NlAnalyticsWebFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private bool _kestrel;

    private NlAnalyticsWebFactory(string appConnectionString, string demoConnectionString, string uploadsConnectionString, IReadOnlyDictionary<string, string?>? settings)
    {
        AppConnectionString = appConnectionString;
        DemoConnectionString = demoConnectionString;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = appConnectionString,
            ["ConnectionStrings:Demo"] = demoConnectionString,
            // Uploaded files become tables here (the embedded cluster's own uploads database in a real run).
            ["ConnectionStrings:Uploads"] = uploadsConnectionString,
            // The demo warehouse is generated in the background on start; a small one keeps test runs quick.
            ["Demo:Scale"] = "0.01",
            // Each host would build its own sentence encoder (some 350 MB) and embed the demo in the background, and an
            // answer would then depend on whether that had finished: the Semantics tests switch it on where they need it.
            ["Semantics:Enabled"] = "false",
            // Most tests register several users on one app; the account tests set InviteOnly or Closed where they test it.
            ["Auth:Registration"] = "Open",
        };
        // A null value drops a default of this factory, so the app's own default applies.
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            if (value is null)
                _settings.Remove(key);
            else
                _settings[key] = value;
    }

    public string AppConnectionString { get; }

    /// <summary>Every line the app logged, at every level, whatever the configured log levels.</summary>
    public LogRecorder Logs { get; } = new();

    /// <summary>Runs last on the host builder (a test adds a logger provider that records what the app logs, for example).</summary>
    public Action<IWebHostBuilder>? ConfigureHost { get; set; }

    public string DemoConnectionString { get; }

    /// <summary>
    /// A factory on a fresh app database, or on <paramref name="appConnectionString"/> to run a second
    /// instance against the same database. <paramref name="settings"/> override any configuration key (null: the app's default).
    /// </summary>
    public static async Task<NlAnalyticsWebFactory> CreateAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        string? appConnectionString = null,
        string? demoConnectionString = null)
    {
        appConnectionString ??= await TestPostgres.CreateDatabaseAsync("web_app");
        demoConnectionString ??= await TestPostgres.CreateDatabaseAsync("web_demo");
        var uploadsConnectionString = await TestPostgres.CreateDatabaseAsync("web_uploads");
        return new NlAnalyticsWebFactory(appConnectionString, demoConnectionString, uploadsConnectionString, settings);
    }

    /// <summary>Starts the app on Kestrel at 127.0.0.1 with a free port (for a real browser) and returns its base address.</summary>
    public Uri StartKestrel()
    {
        _kestrel = true;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        return ServerAddress;
    }

    /// <summary>The address the app listens on: Kestrel's real one, or TestServer's in-memory http://localhost.</summary>
    public Uri ServerAddress
    {
        get
        {
            if (!_kestrel)
                return ClientOptions.BaseAddress;
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        }
    }

    /// <summary>Waits until the demo data source is generated, provisioned and listed by the registry.</summary>
    public Task WaitForDemoAsync(TimeSpan? timeout = null) =>
        Services.GetRequiredService<DemoStatus>().WhenReady.WaitAsync(timeout ?? TimeSpan.FromMinutes(2));

    /// <summary>A cookie-keeping client that does not follow redirects, so tests see what the server answered.</summary>
    public BrowserSession CreateSession()
    {
        var jar = new CookieContainer();
        // On Kestrel the default client's own handler would follow redirects and keep its own cookies.
        var client = _kestrel
            ? new HttpClient(new CookieJarHandler(jar) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false } }) { BaseAddress = ServerAddress }
            : CreateDefaultClient(ServerAddress, new CookieJarHandler(jar));
        return new BrowserSession(client, jar, ServerAddress);
    }

    /// <summary>Registers through the register form, signs in, and returns the signed-in session; throws with the page's errors if refused.</summary>
    public async Task<BrowserSession> RegisterAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        var session = CreateSession();
        using var response = await session.RegisterAsync(email, password, cancellationToken);
        await EnsureRedirectedAsync(response, "registration", cancellationToken);
        if (session.IsSignedIn)
            return session;
        // Only the first account is signed in by registering; the others sign in afterwards, as a user would.
        using var signedIn = await session.SignInAsync(email, password, cancellationToken);
        await EnsureRedirectedAsync(signedIn, "sign-in after registration", cancellationToken);
        return session;
    }

    /// <summary>Signs in through the login form and returns the signed-in session; throws with the page's message if refused.</summary>
    public async Task<BrowserSession> SignInAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        var session = CreateSession();
        using var response = await session.SignInAsync(email, password, cancellationToken);
        await EnsureRedirectedAsync(response, "sign-in", cancellationToken);
        return session;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // UseSetting (not ConfigureAppConfiguration) so Program sees the values while it builds, not only after.
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).AddFilter<LogRecorder>(_ => true));
        ConfigureHost?.Invoke(builder);
    }

    private static async Task EnsureRedirectedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.Redirect)
            return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var errors = BrowserSession.FormErrors(body);
        throw new InvalidOperationException(
            $"The {what} was refused ({(int)response.StatusCode}): {(errors.Length > 0 ? errors : body[..Math.Min(body.Length, 2000)])}");
    }

    private sealed class CookieJarHandler(CookieContainer jar) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var cookies = jar.GetCookieHeader(uri);
            if (cookies.Length > 0)
                request.Headers.Add("Cookie", cookies);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
                foreach (var value in values)
                    jar.SetCookies(uri, value);
            return response;
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web;

/// <summary>
/// Attack 33: a page on another origin of the same site opens the Blazor circuit with the victim's cookie. Tried
/// from outside against the app on Kestrel, with a real WebSocket client that sends the Origin a browser would.
/// </summary>
public sealed class CircuitOriginTests(CircuitOriginTests.App app) : IClassFixture<CircuitOriginTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public NlAnalyticsWebFactory Factory { get; private set; } = null!;
        public Uri BaseAddress { get; private set; } = null!;
        public BrowserSession Victim { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Factory = await NlAnalyticsWebFactory.CreateAsync();
            BaseAddress = Factory.StartKestrel();
            Victim = await Factory.RegisterAsync("victim@example.test", "victim passphrase");
        }

        public async Task DisposeAsync()
        {
            Victim.Dispose();
            await Factory.DisposeAsync();
        }
    }

    private string OwnOrigin => $"http://127.0.0.1:{app.BaseAddress.Port}";

    [Theory]
    [InlineData("http://127.0.0.1:{port+1}")]
    [InlineData("http://evil.example.test:{port}")]
    [InlineData("https://127.0.0.1:{port}")]
    [InlineData("null")]
    public async Task The_negotiate_request_from_another_origin_is_refused(string pattern)
    {
        using var response = await NegotiateAsync(Origin(pattern));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("connectionToken", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port+1}")]
    [InlineData("http://evil.example.test:{port}")]
    public async Task The_websocket_upgrade_from_another_origin_is_refused(string pattern)
    {
        // The token comes from a negotiate without Origin (as a script outside a browser could get one); the browser's
        // upgrade then carries the foreign page's Origin and the victim's cookie.
        var token = await ConnectionTokenAsync(origin: null);
        using var socket = CircuitSocket(Origin(pattern));

        var refused = await Assert.ThrowsAnyAsync<WebSocketException>(() =>
            socket.ConnectAsync(CircuitUri(token), CancellationToken.None));

        Assert.Contains("403", refused.Message);
        Assert.NotEqual(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task The_apps_own_origin_opens_the_circuit_and_completes_the_hub_handshake()
    {
        var token = await ConnectionTokenAsync(OwnOrigin);
        using var socket = CircuitSocket(OwnOrigin);

        await socket.ConnectAsync(CircuitUri(token), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, socket.State);

        // SignalR's handshake: the hub answers an empty JSON object terminated by the record separator.
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"blazorpack\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task Localhost_and_127_0_0_1_are_the_same_origin_on_the_apps_port()
    {
        using var response = await NegotiateAsync($"http://localhost:{app.BaseAddress.Port}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private string Origin(string pattern) => pattern
        .Replace("{port+1}", (app.BaseAddress.Port + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{port}", app.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private async Task<HttpResponseMessage> NegotiateAsync(string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        if (origin is not null)
            request.Headers.Add("Origin", origin);
        return await app.Victim.Http.SendAsync(request);
    }

    private async Task<string> ConnectionTokenAsync(string? origin)
    {
        using var response = await NegotiateAsync(origin);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body!["connectionToken"]!.GetValue<string>();
    }

    private Uri CircuitUri(string token) =>
        new($"ws://127.0.0.1:{app.BaseAddress.Port}/_blazor?id={Uri.EscapeDataString(token)}");

    private ClientWebSocket CircuitSocket(string origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", origin);
        socket.Options.SetRequestHeader("Cookie", $"{BrowserSession.AuthCookieName}={app.Victim.Cookie(BrowserSession.AuthCookieName)}");
        return socket;
    }
}

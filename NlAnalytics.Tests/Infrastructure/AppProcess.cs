using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// The web app as a real operating-system process (<c>dotnet NlAnalytics.Web.dll</c> from the test's build
/// output), configured through environment variables, on 127.0.0.1 with a free port. Unlike
/// <see cref="NlAnalyticsWebFactory"/> it can be killed the hard way (SIGKILL), as a crash or an OOM kill would end it.
/// </summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<Uri> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppProcess(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;

    public int ProcessId => _process.Id;

    /// <summary>Everything the app printed so far (for failure messages).</summary>
    public string Output
    {
        get { lock (_output) return string.Join('\n', _output.TakeLast(200)); }
    }

    /// <summary>Starts the app with <paramref name="settings"/> (configuration keys, ':' or '__') and waits until it serves requests.</summary>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, TimeSpan? timeout = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "NlAnalytics.Web.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        var app = new AppProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
        app._process.OutputDataReceived += (_, e) => app.Read(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Read(e.Data);
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        try
        {
            var exited = app._process.WaitForExitAsync();
            var first = await Task.WhenAny(app._started.Task, exited).WaitAsync(timeout ?? TimeSpan.FromMinutes(3));
            if (first == exited)
                throw new InvalidOperationException($"The app exited with {app._process.ExitCode} before it started:\n{app.Output}");
            app.Address = await app._started.Task;
            return app;
        }
        catch (TimeoutException)
        {
            await app.DisposeAsync();
            throw new TimeoutException($"The app did not start in time:\n{app.Output}");
        }
    }

    /// <summary>A cookie-keeping session against this process, as a browser would hold one.</summary>
    public BrowserSession CreateSession()
    {
        var jar = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = jar, UseCookies = true }) { BaseAddress = Address };
        return new BrowserSession(client, jar, Address);
    }

    /// <summary>SIGKILL (kill -9): the process gets no chance to save, stop or clean anything up.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
        if (RunningAt().Match(line) is { Success: true } match)
            _started.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
    }

    [GeneratedRegex(@"NlAnalytics is running at (http://[^\s]+?) - ")]
    private static partial Regex RunningAt();
}

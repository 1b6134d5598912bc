using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// One app on real Kestrel (offline analyst, a small demo warehouse with a fixed end date, a scripted model for
/// LLM mode) and one headless Chromium (<see cref="Chromium"/>), shared by the browser tests of a class.
/// </summary>
public sealed class ChatBrowserFixture : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";

    /// <summary>The composer's text box once the circuit runs (its Enter handler is attached).</summary>
    public const string ComposerSelector = ".composer textarea[data-composer]";

    /// <summary>The demo ends here, so "last year" (relative to today) has data whatever day the tests run.</summary>
    public static readonly string DemoEndDate = DateTime.UtcNow.ToString("yyyy-MM-01", System.Globalization.CultureInfo.InvariantCulture);

    public NlAnalyticsWebFactory Factory { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string Email { get; } = $"analyst-{Guid.NewGuid():N}"[..20] + "@example.test";

    /// <summary>The scripted model: only LLM-mode questions reach it, and its SQL writer is slow (for Stop).</summary>
    public ScriptedOpenAiServer Llm { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Llm = await ScriptedOpenAiServer.StartAsync();
        Llm.WhenSystemPromptContains("You are the SQL writer", ScriptStep.Reply("SELECT 1").After(TimeSpan.FromMinutes(3)));
        var settings = Llm.LlmSettings();
        settings["Llm:TimeoutSeconds"] = "600";
        settings["Llm:MaxRetries"] = "0";
        // Offline by default: the main flows never call the model; a test picks LLM mode in the composer when it needs it.
        settings["Analyst:Mode"] = "Offline";
        settings["Demo:Scale"] = "0.02";
        settings["Demo:EndDate"] = DemoEndDate;
        // Each app sets its reader role's password on start: a role of its own keeps other test hosts on the cluster from changing it.
        settings["Demo:ReaderRole"] = "nla_reader_chat_" + Guid.NewGuid().ToString("N")[..8];
        Factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        BaseAddress = Factory.StartKestrel();
        // The first start generates the demo warehouse in the background; the tests ask about it.
        await Factory.WaitForDemoAsync(TimeSpan.FromMinutes(8));
        (Playwright, Browser) = await Chromium.LaunchAsync();
        // The analyst registers through the form like a user would, which also signs them in.
        var page = await SignInAsync(Browser, BaseAddress, Email, register: true);
        await page.Context.CloseAsync();
    }

    /// <summary>A fresh browser context signed in through the login form.</summary>
    public Task<IPage> SignedInPageAsync(Action<string>? log = null, int width = 1280, int height = 800) =>
        SignInAsync(Browser, BaseAddress, Email, register: false, log, width, height);

    public static async Task<IPage> SignInAsync(IBrowser browser, Uri baseAddress, string email, bool register, Action<string>? log = null, int width = 1280, int height = 800)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        if (log is not null)
        {
            // Browser-side errors go to the test output, where a failing test shows them.
            page.Console += (_, message) => { if (message.Type is "error" or "warning") log($"browser {message.Type}: {message.Text}"); };
            page.PageError += (_, error) => log("page error: " + error);
            page.RequestFailed += (_, request) => log($"request failed: {request.Url} {request.Failure}");
        }
        await page.GotoAsync(register ? "account/register" : "account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", Password);
        if (register)
            await page.FillAsync("#confirm-password", Password);
        await page.ClickAsync("button[type=submit]");
        if (register && await RegisteredWithoutSignInAsync(page))
        {
            // Not the installation's first account: registering leads to the sign-in form.
            await page.FillAsync("#email", email);
            await page.FillAsync("#password", Password);
            await page.ClickAsync("button[type=submit]");
        }
        await page.WaitForSelectorAsync(ComposerSelector);
        return page;
    }

    /// <summary>After submitting the register form: true when it led to the sign-in form (any account but the first).</summary>
    public static async Task<bool> RegisteredWithoutSignInAsync(IPage page)
    {
        await page.Locator($"{ComposerSelector}, #registered-note").First.WaitForAsync();
        return await page.Locator("#registered-note").CountAsync() > 0;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (Factory is not null)
            await Factory.DisposeAsync();
        if (Llm is not null)
            await Llm.DisposeAsync();
    }
}

using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web.Api;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// The evaluation workspace in Chromium on the scripted model (<see cref="EvaluationScript"/>): an Admin uploads a
/// three-question set, runs it on model-a (two right, one wrong: 66.7 % right), opens a question to see both SQL texts and
/// both results, runs it again on model-b and compares the two runs; it takes docs/screenshots/evaluation-compare.png.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EvaluationBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "a long enough passphrase";

    private ScriptedOpenAiServer _llm = null!;
    private TaskCompletionSource _held = null!;
    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        _held = EvaluationScript.Script(_llm);
        _factory = await NlAnalyticsWebFactory.CreateAsync(EvaluationScript.Settings(_llm, "nla_reader_evalui"));
        _address = _factory.StartKestrel();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        _held.TrySetResult();
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task An_admin_runs_an_uploaded_set_twice_on_the_scripted_model_and_compares_the_runs()
    {
        using var admin = await _factory.RegisterAsync("eval-ui-admin@example.test", Password);
        using var analyst = await _factory.RegisterAsync("eval-ui-analyst@example.test", Password);
        using (var refused = await analyst.Http.GetAsync("/api/evaluation/runs"))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1600);
        await page.GotoAsync("account/login");
        await BrowserPages.SubmitSignInAsync(page, "eval-ui-admin@example.test", Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync("eval-ui-admin@example.test");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.ClickAsync(".app-drawer >> text=Evaluation");
        await page.WaitForURLAsync("**/admin/evaluation");
        await BrowserPages.WaitForCircuitAsync(page);

        await ChooseAsync(page, ".eval-set", "Upload a file");
        await page.Locator("input.eval-upload-input").SetInputFilesAsync(new FilePayload
        {
            Name = "three.jsonl", MimeType = "application/jsonl", Buffer = Encoding.UTF8.GetBytes(EvaluationScript.SetText),
        });
        await Assertions.Expect(page.Locator(".eval-upload")).ToContainTextAsync("three.jsonl");
        await ChooseAsync(page, ".eval-mode", "LLM");
        await RunAsync(page, EvaluationScript.ModelA, finished: 1);

        // The run opened below the list: 2 right of 3.
        await Assertions.Expect(page.Locator(".eval-figure[data-figure=right] .eval-figure-value")).ToHaveTextAsync("66.7%");
        await Assertions.Expect(page.Locator(".eval-figure[data-figure=wrong] .eval-figure-value")).ToHaveTextAsync("33.3%");
        await Assertions.Expect(page.Locator(".eval-figure[data-figure=declined] .eval-figure-value")).ToHaveTextAsync("0.0%");
        await Assertions.Expect(page.Locator("tr.eval-case")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("tr.eval-run").First).ToContainTextAsync("66.7%");
        await page.Locator("tr.eval-case[data-case=customers]").ClickAsync();
        await Assertions.Expect(page.Locator(".eval-sql-generated")).ToContainTextAsync("SELECT -1");
        await Assertions.Expect(page.Locator(".eval-sql-gold")).ToContainTextAsync("SELECT count(*) FROM sales.customers");
        await Assertions.Expect(page.Locator(".eval-rows-generated td")).ToHaveTextAsync("-1");
        await Assertions.Expect(page.Locator(".eval-rows-gold th")).ToHaveTextAsync("count");

        await RunAsync(page, EvaluationScript.ModelB, finished: 2);
        await ChooseAsync(page, ".eval-compare-before", EvaluationScript.ModelA);
        await ChooseAsync(page, ".eval-compare-after", EvaluationScript.ModelB);
        await page.ClickAsync(".eval-compare");

        await Assertions.Expect(page.Locator(".eval-better li")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".eval-better li")).ToContainTextAsync("customers");
        await Assertions.Expect(page.Locator(".eval-better li")).ToContainTextAsync("wrong result → right");
        await Assertions.Expect(page.Locator(".eval-worse li")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".eval-worse li")).ToContainTextAsync("products");
        await Assertions.Expect(page.Locator(".eval-unchanged li")).ToHaveTextAsync(new Regex("stores"));
        await Assertions.Expect(page.Locator(".eval-compare-figures tr[data-figure=right]")).ToContainTextAsync("66.7%");
        await page.Locator(".eval-compare-panel").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "evaluation-compare.png"), FullPage = true });
    }

    /// <summary>Starts a run of the chosen set on <paramref name="model"/> and waits until <paramref name="finished"/> runs are finished.</summary>
    private static async Task RunAsync(IPage page, string model, int finished)
    {
        await page.Locator("[data-testid=eval-model]").FillAsync(model);
        await page.ClickAsync(".eval-start");
        await Assertions.Expect(page.Locator("tr.eval-run .eval-run-status", new() { HasText = "Finished" }))
            .ToHaveCountAsync(finished, new() { Timeout = 120_000 });
    }

    private static async Task ChooseAsync(IPage page, string select, string item)
    {
        await page.Locator(select).ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = item }).First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new() { State = WaitForSelectorState.Hidden });
    }
}

using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace NlAnalytics.Tests.Web.Components;

/// <summary>
/// A bUnit context with MudBlazor's services, for rendering the app's components without a browser. JavaScript
/// calls (plotly, CodeMirror, MudBlazor's own) are answered loosely: what is tested is the markup and the events.
/// </summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddSingleton(TimeProvider.System);
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's PointerEventsNoneService is only IAsyncDisposable: xunit's synchronous Dispose would throw.
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}

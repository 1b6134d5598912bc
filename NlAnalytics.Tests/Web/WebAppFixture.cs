using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web;

/// <summary>One running app on fresh databases, shared by the tests of a class that do not need an empty installation.</summary>
public sealed class WebAppFixture : IAsyncLifetime
{
    public NlAnalyticsWebFactory Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Factory = await NlAnalyticsWebFactory.CreateAsync();
        // Start the host (migrations, roles) before the tests run.
        _ = Factory.Server;
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    /// <summary>A unique address per call so tests sharing the app never collide.</summary>
    public static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}"[..Math.Min(who.Length + 13, 40)] + "@example.test";
}

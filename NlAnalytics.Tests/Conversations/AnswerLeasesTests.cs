using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Conversations;

/// <summary>
/// The answer leases on a real app database, seen from another session as another instance would see them. Every wait
/// here is bounded by minutes, not seconds: a lease that stalls fails the test instead of hanging the run.
/// </summary>
public sealed class AnswerLeasesTests : IAsyncLifetime
{
    private static readonly TimeSpan Stalled = TimeSpan.FromMinutes(3);
    private string _connectionString = "";
    private PlatformDatabases _databases = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync("leases");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:App"] = _connectionString }).Build();
        _databases = new PlatformDatabases(configuration, Options.Create(new EmbeddedPostgresOptions()), NullLoggerFactory.Instance);
        await _databases.StartAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_lock_held_by_another_session_is_left_to_it_and_stalls_no_other_lease()
    {
        var contested = Guid.CreateVersion7();
        var other = Guid.CreateVersion7();
        await using var elsewhere = new NpgsqlConnection(_connectionString);
        await elsewhere.OpenAsync();
        Assert.True(await TryLockAsync(elsewhere, contested));
        await using var leases = new AnswerLeases(_databases, NullLogger<AnswerLeases>.Instance);

        // Before: pg_advisory_lock waited for the other session, and with it every lease of this instance.
        await leases.HoldAsync(contested, CancellationToken.None).WaitAsync(Stalled);
        await leases.HoldAsync(other, CancellationToken.None).WaitAsync(Stalled);

        await using var observer = new NpgsqlConnection(_connectionString);
        await observer.OpenAsync();
        Assert.False(await TryLockAsync(observer, other));
        // Another instance sees both answered (by someone) and only the never-held one as an orphan.
        var ended = Guid.CreateVersion7();
        await using var otherInstance = new AnswerLeases(_databases, NullLogger<AnswerLeases>.Instance);
        Assert.Equal([ended], await otherInstance.WithoutLiveRunnerAsync([contested, other, ended], CancellationToken.None).WaitAsync(Stalled));
    }

    [Fact]
    public async Task Disposing_right_after_releases_ends_the_session_and_its_locks()
    {
        var running = Guid.CreateVersion7();
        var released = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToList();
        var leases = new AnswerLeases(_databases, NullLogger<AnswerLeases>.Instance);
        await leases.HoldAsync(running, CancellationToken.None);
        await Task.WhenAll(released.Select(id => leases.HoldAsync(id, CancellationToken.None)));

        // The releases schedule a batch of unlocks off the caller's path; disposal races it (it hung a CI run once).
        foreach (var id in released)
            await leases.ReleaseAsync(id);
        await leases.DisposeAsync().AsTask().WaitAsync(Stalled);

        Assert.Empty(await leases.WithoutLiveRunnerAsync([running], CancellationToken.None));
        await leases.HoldAsync(Guid.CreateVersion7(), CancellationToken.None).WaitAsync(Stalled);
        await using var observer = new NpgsqlConnection(_connectionString);
        await observer.OpenAsync();
        await WaitForLeaseSessionToEndAsync(observer);
        Assert.True(await TryLockAsync(observer, running));
        foreach (var id in released)
            Assert.True(await TryLockAsync(observer, id));
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, Guid messageId)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@c, @k)", connection);
        command.Parameters.AddWithValue("c", 0x4E4C41);
        command.Parameters.AddWithValue("k", AnswerLeases.Key(messageId));
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The client has closed the lease connection; the server ends its backend (and drops its locks) just after.</summary>
    private static async Task WaitForLeaseSessionToEndAsync(NpgsqlConnection observer)
    {
        var deadline = DateTime.UtcNow + Stalled;
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nlanalytics answer leases' AND datname = current_database()", observer);
            if ((long)(await command.ExecuteScalarAsync())! == 0)
                return;
            Assert.True(DateTime.UtcNow < deadline, "the lease session was still open minutes after disposal");
            await Task.Delay(100);
        }
    }
}

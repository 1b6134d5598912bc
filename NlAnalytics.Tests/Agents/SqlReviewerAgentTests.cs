using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Tests.Agents;

public sealed class SqlReviewerAgentTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private SqlReviewerAgent Reviewer => _services.GetRequiredService<SqlReviewerAgent>();
    private static readonly QueryLimits Limits = new(100, TimeSpan.FromSeconds(5));

    public Task InitializeAsync()
    {
        _services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddLlm()
            .AddSqlExecution()
            .AddAgentTeam()
            .BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private Task<SqlFailure?> ReviewAsync(string sql, AgentTranscript transcript) =>
        Reviewer.ReviewAsync(database.Source, "question", "schema", sql, Limits, llmReview: false, transcript, CancellationToken.None);

    private static AgentTranscript NewTranscript() => new(TimeProvider.System, SecretRedactor.None);

    [Fact]
    public async Task An_unknown_column_comes_back_from_the_database_with_its_position_in_the_writers_sql()
    {
        var transcript = NewTranscript();

        var failure = await ReviewAsync("SELECT region_name\nFROM shop.regions", transcript);

        Assert.NotNull(failure);
        Assert.Equal(SqlFailureKind.Semantic, failure.Kind);
        Assert.Contains("column \"region_name\" does not exist", failure.UserMessage);
        Assert.Contains("at character 8, line 1", failure.UserMessage);
        Assert.Contains(transcript.Entries, e => e.Agent == AgentNames.SqlReviewer && e.Content.Contains("region_name"));
    }

    [Fact]
    public async Task The_dry_run_plans_the_query_without_evaluating_a_single_row()
    {
        // Division by zero on every row: running it fails, planning it does not.
        const string sql = "SELECT order_id / (order_id - order_id) AS boom FROM shop.orders";

        var failure = await ReviewAsync(sql, NewTranscript());

        Assert.Null(failure);
        var executor = _services.GetRequiredService<ISqlExecutor>();
        var run = await Assert.ThrowsAsync<SqlExecutionException>(() => executor.ExecuteAsync(database.Source, sql, Limits, CancellationToken.None));
        Assert.Contains("division by zero", run.Failure.UserMessage);
    }

    [Fact]
    public async Task A_correct_query_with_a_trailing_comment_and_semicolon_passes()
    {
        var transcript = NewTranscript();

        var failure = await ReviewAsync("WITH t AS (SELECT region_id, sum(amount) AS s FROM shop.orders GROUP BY 1)\nSELECT * FROM t ORDER BY s DESC; -- biggest first", transcript);

        Assert.Null(failure);
        Assert.Contains(transcript.Entries, e => e.Agent == AgentNames.SqlReviewer && e.Content.StartsWith("Passed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_drop_statement_is_refused_by_the_gate_and_the_table_stays()
    {
        var failure = await ReviewAsync("DROP TABLE shop.users CASCADE", NewTranscript());

        Assert.NotNull(failure);
        Assert.Equal(SqlFailureKind.Rejected, failure.Kind);
        Assert.Equal(2L, await database.ScalarAsync("SELECT count(*) FROM shop.users"));
    }

    [Fact]
    public async Task A_table_outside_the_exposed_schemas_is_denied_by_the_role()
    {
        var failure = await ReviewAsync("SELECT value FROM app.secrets", NewTranscript());

        Assert.NotNull(failure);
        Assert.Equal(SqlFailureKind.PermissionDenied, failure.Kind);
        Assert.DoesNotContain("sk-live", failure.UserMessage);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Tests.Llm;

public sealed class AgentLlmTests : IAsyncLifetime
{
    private static readonly ChatMessage[] Question =
    [
        new(ChatRole.System, "You write PostgreSQL for the orders database."),
        new(ChatRole.User, "How many orders were placed last month?"),
    ];

    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_plain_completion_returns_the_text_and_a_priced_record_of_its_usage()
    {
        _server.Enqueue(ScriptStep.Reply("SELECT count(*) FROM orders", inputTokens: 1234, outputTokens: 567, cachedInputTokens: 200));
        await using var services = LlmTestServices.Create(_server);

        var reply = await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, onDelta: null, CancellationToken.None);

        Assert.Equal("SELECT count(*) FROM orders", reply.Text);
        Assert.Equal(new LlmCallRecord(AgentNames.SqlWriter, "gpt-4o", 1234, 200, 567, reply.Call.Latency, 0.008505m), reply.Call);
        Assert.True(reply.Call.IsPriced);
        Assert.True(reply.Call.Latency > TimeSpan.Zero);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("gpt-4o", request.Model);
        Assert.False(request.Stream);
        Assert.Equal(["system", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal("How many orders were placed last month?", request.LastUserMessage);
        Assert.Equal($"Bearer {LlmTestServices.ApiKey}", request.Authorization);
    }

    [Fact]
    public async Task A_streamed_completion_hands_out_each_delta_as_it_arrives_and_counts_the_usage_sent_at_the_end()
    {
        _server.Enqueue(ScriptStep.Streamed("Orders ", "rose ", "by 12%", " in March.") with { Usage = new ScriptedUsage(800, 40, 300) });
        await using var services = LlmTestServices.Create(_server);
        var deltas = new List<string>();

        var reply = await services.AgentLlm().CompleteAsync(AgentNames.Narrator, Question, deltas.Add, CancellationToken.None);

        Assert.Equal(["Orders ", "rose ", "by 12%", " in March."], deltas);
        Assert.Equal("Orders rose by 12% in March.", reply.Text);
        Assert.Equal((800L, 300L, 40L), (reply.Call.InputTokens, reply.Call.CachedInputTokens, reply.Call.OutputTokens));
        Assert.Equal("gpt-4o-mini", reply.Call.Model);
        // gpt-4o-mini: 500 * 0.15 + 300 * 0.075 + 40 * 0.60, per million.
        Assert.Equal(0.0001215m, reply.Call.CostUsd);
        var request = Assert.Single(_server.Requests);
        Assert.True(request.Stream);
        Assert.True(request.IncludeUsage);
    }

    [Fact]
    public async Task A_rate_limited_call_is_retried_and_then_succeeds()
    {
        _server.Enqueue(ScriptStep.RateLimited(TimeSpan.FromMilliseconds(50)), ScriptStep.Reply("SELECT 1"));
        await using var services = LlmTestServices.Create(_server);

        var reply = await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None);

        Assert.Equal("SELECT 1", reply.Text);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task The_wait_asked_for_by_Retry_After_is_honoured_before_retrying()
    {
        _server.Enqueue(ScriptStep.RateLimited(TimeSpan.FromSeconds(1)), ScriptStep.Reply("SELECT 1"));
        await using var services = LlmTestServices.Create(_server);

        await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None);

        var requests = _server.Requests;
        Assert.Equal(2, requests.Count);
        // The base backoff is 10 ms here, so only the header explains a gap of about a second.
        Assert.InRange(requests[1].ReceivedAt - requests[0].ReceivedAt, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task Timeouts_and_server_errors_are_retried(int status)
    {
        _server.Enqueue(ScriptStep.Error(status, "server_error", "try again"), ScriptStep.Reply("SELECT 1"));
        await using var services = LlmTestServices.Create(_server);

        var reply = await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None);

        Assert.Equal("SELECT 1", reply.Text);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task A_rejected_key_fails_at_once_with_a_message_that_names_the_setting_but_not_the_key()
    {
        // The server echoes the whole key it received, as a careless server might.
        _server.RequiredApiKey = "sk-the-right-key";
        await using var services = LlmTestServices.Create(_server);

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Equal(LlmFailure.KeyRejected, error.Failure);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("rejected the API key", error.Message);
        Assert.Contains("Llm:ApiKey", error.Message);
        Assert.DoesNotContain(LlmTestServices.ApiKey, error.ToString());
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_forbidden_call_is_not_retried()
    {
        _server.Enqueue(ScriptStep.Forbidden(), ScriptStep.Reply("never sent"));
        await using var services = LlmTestServices.Create(_server);

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Equal(LlmFailure.KeyRejected, error.Failure);
        Assert.Contains("gpt-4o", error.Message);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task An_exhausted_quota_is_reported_as_such_and_not_retried()
    {
        _server.Enqueue(ScriptStep.QuotaExhausted(), ScriptStep.Reply("never sent"));
        await using var services = LlmTestServices.Create(_server);

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Equal(LlmFailure.QuotaExhausted, error.Failure);
        Assert.Equal("insufficient_quota", error.ErrorCode);
        Assert.Contains("run out of quota", error.Message);
        Assert.False(error.IsTransient);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_server_error_is_retried_MaxRetries_times_and_then_reported()
    {
        _server.Enqueue(Enumerable.Range(0, 6).Select(_ => ScriptStep.ServerError()).ToArray());
        await using var services = LlmTestServices.Create(_server, ("Llm:MaxRetries", "3"));

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Equal(LlmFailure.ServerError, error.Failure);
        Assert.Contains("HTTP 500 after 3 retries", error.Message);
        Assert.Equal(4, _server.Requests.Count);
        Assert.Equal(2, _server.PendingSteps);
    }

    [Fact]
    public async Task A_call_that_outlasts_the_timeout_fails_as_timed_out()
    {
        _server.Enqueue(ScriptStep.Reply("too late").After(TimeSpan.FromSeconds(20)));
        await using var services = LlmTestServices.Create(_server, ("Llm:TimeoutSeconds", "1"));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Equal(LlmFailure.TimedOut, error.Failure);
        Assert.Contains("did not answer within 1 second", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task A_stream_that_stalls_past_the_timeout_fails_as_timed_out()
    {
        _server.Enqueue(ScriptStep.Streamed("one ", "two ", "three").WithChunkDelay(TimeSpan.FromSeconds(5)));
        await using var services = LlmTestServices.Create(_server, ("Llm:TimeoutSeconds", "1"));

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.Narrator, Question, _ => { }, CancellationToken.None));

        Assert.Equal(LlmFailure.TimedOut, error.Failure);
    }

    [Fact]
    public async Task Cancelling_a_waiting_call_stops_it_promptly_as_a_cancellation_not_a_failure()
    {
        _server.Enqueue(ScriptStep.Reply("too late").After(TimeSpan.FromSeconds(20)));
        await using var services = LlmTestServices.Create(_server);
        using var cancellation = new CancellationTokenSource();
        var call = services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, cancellation.Token);
        await _server.WaitForRequestsAsync(1);
        var clock = Stopwatch.StartNew();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // The scripted reply would come 20 s later: only the cancellation explains an end well before it.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_the_deltas()
    {
        _server.Enqueue(ScriptStep.Streamed("one ", "two ", "three ", "four").WithChunkDelay(TimeSpan.FromMilliseconds(400)));
        await using var services = LlmTestServices.Create(_server);
        using var cancellation = new CancellationTokenSource();
        var deltas = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => services.AgentLlm().CompleteAsync(AgentNames.Narrator, Question, delta =>
        {
            deltas.Add(delta);
            cancellation.Cancel();
        }, cancellation.Token));

        Assert.Equal(["one "], deltas);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_stream_that_breaks_after_text_was_shown_is_reported_and_not_retried()
    {
        _server.Enqueue(ScriptStep.Streamed("one ", "two ", "three").BreakingAfter(2), ScriptStep.Reply("never sent"));
        await using var services = LlmTestServices.Create(_server);
        var deltas = new List<string>();

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.Narrator, Question, deltas.Add, CancellationToken.None));

        Assert.Equal(["one ", "two "], deltas);
        Assert.Equal(LlmFailure.Unreachable, error.Failure);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Cancelling_during_the_backoff_after_a_rate_limit_stops_without_another_request()
    {
        _server.Enqueue(ScriptStep.RateLimited(TimeSpan.FromSeconds(10)), ScriptStep.Reply("never sent"));
        await using var services = LlmTestServices.Create(_server);
        using var cancellation = new CancellationTokenSource();
        var call = services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, cancellation.Token);
        await _server.WaitForRequestsAsync(1);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.Single(_server.Requests);
    }

    [Theory]
    [InlineData("{\"id\": \"chatcmpl-broken\", \"choices\": [ {\"message\": ")]
    [InlineData("{\"foo\": 1}")]
    [InlineData("[]")]
    [InlineData("<html>502 Bad Gateway</html>")]
    public async Task A_malformed_body_becomes_a_clear_LlmException(string body)
    {
        _server.Enqueue(ScriptStep.Malformed(body));
        await using var services = LlmTestServices.Create(_server);

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Equal(LlmFailure.MalformedResponse, error.Failure);
        Assert.Contains("not a valid OpenAI chat completion", error.Message);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_malformed_stream_becomes_a_clear_LlmException()
    {
        _server.Enqueue(ScriptStep.Malformed("{\"choices\": [{\"delta\": "));
        await using var services = LlmTestServices.Create(_server);

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.Narrator, Question, _ => { }, CancellationToken.None));

        Assert.Equal(LlmFailure.MalformedResponse, error.Failure);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_named_by_host_without_its_credentials()
    {
        var closedPort = ClosedPort();
        await using var services = LlmTestServices.Create(_server, ("Llm:Endpoint", $"http://admin:hunter2secret@127.0.0.1:{closedPort}/v1?token=urlsecret"));

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Equal(LlmFailure.Unreachable, error.Failure);
        Assert.Contains($"http://127.0.0.1:{closedPort}", error.Message);
        Assert.Contains("Llm:Endpoint", error.Message);
        foreach (var secret in new[] { "hunter2secret", "urlsecret", "admin", LlmTestServices.ApiKey })
            Assert.DoesNotContain(secret, error.ToString());
    }

    [Fact]
    public async Task No_failure_message_ever_contains_the_api_key()
    {
        // Every server message below quotes the key; none of it may reach the user.
        var echo = $"Your key {LlmTestServices.ApiKey} cannot do this.";
        _server.Enqueue(
            ScriptStep.Error(400, "bad_request", echo),
            ScriptStep.Error(404, "model_not_found", echo),
            ScriptStep.Forbidden() with { ErrorMessage = echo },
            ScriptStep.ServerError() with { ErrorMessage = echo },
            ScriptStep.Malformed($"{{\"error\": \"{LlmTestServices.ApiKey}\""));
        await using var services = LlmTestServices.Create(_server, ("Llm:MaxRetries", "0"));
        var messages = new List<string>();

        for (var i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));
            messages.Add(error.ToString());
        }

        Assert.All(messages, m => Assert.DoesNotContain(LlmTestServices.ApiKey, m));
        Assert.Contains(messages, m => m.Contains("Your key *** cannot do this."));
        Assert.Contains(messages, m => m.Contains("does not know model 'gpt-4o'"));
    }

    [Fact]
    public async Task Each_role_uses_its_configured_model_and_others_fall_back_to_the_default()
    {
        _server.Reply("a", "b");
        await using var services = LlmTestServices.Create(_server);
        var llm = services.AgentLlm();

        await llm.CompleteAsync(AgentNames.SqlReviewer, Question, null, CancellationToken.None);
        await llm.CompleteAsync(AgentNames.Visualizer, Question, null, CancellationToken.None);

        Assert.Equal("gpt-4o", llm.ModelFor(AgentNames.SqlWriter));
        Assert.Equal("gpt-4o-mini", llm.ModelFor(AgentNames.Conversation));
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], _server.Requests.Select(r => r.Model));
    }

    [Fact]
    public async Task Without_an_endpoint_the_llm_is_offline_and_refuses_calls_without_sending_anything()
    {
        await using var services = LlmTestServices.Create(_server, ("Llm:Endpoint", ""), ("Llm:ApiKey", ""));
        var llm = services.AgentLlm();

        var error = await Assert.ThrowsAsync<LlmException>(() => llm.CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.False(llm.IsConfigured);
        Assert.Equal(LlmFailure.NotConfigured, error.Failure);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Azure_OpenAI_routes_by_deployment_with_its_api_version_and_api_key_header()
    {
        _server.Reply("SELECT 1");
        await using var services = LlmTestServices.Create(_server,
            ("Llm:Provider", "AzureOpenAI"), ("Llm:Endpoint", _server.BaseAddress), ("Llm:AzureApiVersion", "2024-10-21"));

        await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/openai/deployments/gpt-4o/chat/completions", request.Path);
        Assert.Equal("2024-10-21", request.ApiVersion);
        Assert.Equal(LlmTestServices.ApiKey, request.ApiKeyHeader);
        Assert.Null(request.Authorization);
    }

    [Fact]
    public async Task A_local_compatible_server_gets_no_key_and_its_unpriced_model_costs_nothing()
    {
        _server.Enqueue(ScriptStep.Reply("SELECT 1", inputTokens: 5000, outputTokens: 100));
        await using var services = LlmTestServices.Create(_server,
            ("Llm:Provider", "OpenAICompatible"), ("Llm:ApiKey", ""), ("Llm:DefaultModel", "llama3.1:8b"), ("Llm:Models:sql-writer", null));

        var reply = await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None);

        Assert.Equal("llama3.1:8b", reply.Call.Model);
        Assert.Equal(0m, reply.Call.CostUsd);
        Assert.False(reply.Call.IsPriced);
        Assert.Equal(5000, reply.Call.InputTokens);
        Assert.Null(Assert.Single(_server.Requests).Authorization);
    }

    [Fact]
    public async Task Temperature_and_output_cap_are_sent_when_configured()
    {
        _server.Reply("SELECT 1");
        await using var services = LlmTestServices.Create(_server, ("Llm:Temperature", "0"), ("Llm:MaxOutputTokens", "800"));

        await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal(0d, request.Temperature);
        Assert.Equal(800, request.MaxTokens);
    }

    [Fact]
    public async Task A_reply_without_usage_is_recorded_with_zero_tokens_and_zero_cost()
    {
        _server.Enqueue(ScriptStep.Reply("SELECT 1").WithoutUsage());
        await using var services = LlmTestServices.Create(_server);

        var reply = await services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None);

        Assert.Equal((0L, 0L, 0m), (reply.Call.InputTokens, reply.Call.OutputTokens, reply.Call.CostUsd));
    }

    [Fact]
    public async Task Rules_script_each_role_by_its_system_prompt()
    {
        _server.WhenSystemPromptContains("write PostgreSQL", ScriptStep.Reply("SELECT 1"));
        _server.WhenSystemPromptContains("narrate", ScriptStep.Reply("first story"), ScriptStep.Reply("later stories"));
        _server.WhenLastUserMessageContains("never matched", ScriptStep.ServerError());
        await using var services = LlmTestServices.Create(_server);
        var llm = services.AgentLlm();
        ChatMessage[] narrate = [new(ChatRole.System, "You narrate results."), new(ChatRole.User, "42")];

        var texts = new List<string>();
        foreach (var messages in new[] { narrate, Question, narrate, narrate, Question })
            texts.Add((await llm.CompleteAsync(AgentNames.Narrator, messages, null, CancellationToken.None)).Text);

        Assert.Equal(["first story", "SELECT 1", "later stories", "later stories", "SELECT 1"], texts);
    }

    [Fact]
    public async Task An_unscripted_request_fails_loudly_instead_of_hanging()
    {
        await using var services = LlmTestServices.Create(_server);

        var error = await Assert.ThrowsAsync<LlmException>(() => services.AgentLlm().CompleteAsync(AgentNames.SqlWriter, Question, null, CancellationToken.None));

        Assert.Contains("no scripted step", error.Message);
        Assert.Single(_server.Requests);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

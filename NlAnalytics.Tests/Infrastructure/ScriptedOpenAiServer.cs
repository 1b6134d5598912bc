using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>One chat or embedding message as the client sent it.</summary>
public sealed record RecordedMessage(string Role, string Content);

/// <summary>A request the scripted server received, for assertions.</summary>
public sealed record RecordedRequest(
    string Path,
    string Model,
    IReadOnlyList<RecordedMessage> Messages,
    bool Stream,
    bool IncludeUsage,
    double? Temperature,
    int? MaxTokens,
    IReadOnlyList<string> EmbeddingInputs,
    string? Authorization,
    string? ApiKeyHeader,
    string? ApiVersion,
    DateTimeOffset ReceivedAt,
    string Body,
    IReadOnlyList<string>? ToolNames = null)
{
    /// <summary>The functions the client offered the model (the request's "tools").</summary>
    public IReadOnlyList<string> Tools => ToolNames ?? [];

    /// <summary>The results of tool calls the client sent back (role "tool"), in order.</summary>
    public IReadOnlyList<string> ToolResults => Messages.Where(m => m.Role == "tool").Select(m => m.Content).ToList();

    public bool IsEmbedding => Path.EndsWith("/embeddings", StringComparison.Ordinal);

    /// <summary>All system (and developer) messages, joined.</summary>
    public string SystemPrompt => string.Join("\n", Messages.Where(m => m.Role is "system" or "developer").Select(m => m.Content));

    public string LastUserMessage => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
}

/// <summary>
/// A real OpenAI-compatible HTTP server on 127.0.0.1 for tests: the real OpenAI SDK talks to it over
/// Kestrel, so retries, SSE streaming and usage parsing are exercised for real.
/// <para>
/// Answers come from a script. Rules (<see cref="When"/>, <see cref="WhenSystemPromptContains"/>) are
/// checked first, in the order they were added; a rule's steps are used in order and its last step
/// keeps answering. Otherwise the next step of the queue (<see cref="Enqueue"/>) answers. With neither,
/// the server answers 400 "no_script" (never retried), so a missing script fails loudly.
/// </para>
/// <code>
/// await using var llm = await ScriptedOpenAiServer.StartAsync();
/// llm.WhenSystemPromptContains("You write PostgreSQL", ScriptStep.Reply("SELECT 1"));
/// llm.Enqueue(ScriptStep.RateLimited(TimeSpan.FromMilliseconds(50)), ScriptStep.Reply("hello", inputTokens: 12, outputTokens: 3));
/// // configure Llm:Endpoint = llm.Endpoint, then assert on llm.Requests
/// </code>
/// </summary>
public sealed class ScriptedOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Queue<ScriptStep> _queue = new();
    private readonly Queue<ScriptStep> _embeddingQueue = new();
    private readonly List<Rule> _rules = [];
    private readonly List<RecordedRequest> _requests = [];
    private int _completionIds;

    private ScriptedOpenAiServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>http://127.0.0.1:port, without a path (Azure-style clients append /openai/deployments/...).</summary>
    public string BaseAddress { get; private set; } = "";

    /// <summary>What to configure as Llm:Endpoint for the OpenAI and OpenAI-compatible providers.</summary>
    public string Endpoint => BaseAddress + "/v1";

    /// <summary>When set, any request without this key (as Bearer token or api-key header) gets a 401 that echoes the key it did get.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Vectors for /v1/embeddings; the default hashes words into 64 dimensions, so texts sharing words are similar.</summary>
    public Func<string, float[]> Embed { get; set; } = HashedBagOfWords;

    /// <summary>Every request received so far, in order of arrival.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public IReadOnlyList<RecordedRequest> ChatRequests => Requests.Where(r => !r.IsEmbedding).ToList();

    public IReadOnlyList<RecordedRequest> EmbeddingRequests => Requests.Where(r => r.IsEmbedding).ToList();

    /// <summary>Steps still waiting in the queue (rules not counted).</summary>
    public int PendingSteps
    {
        get { lock (_gate) return _queue.Count; }
    }

    /// <summary>Waits (polling, generously) until at least <paramref name="count"/> requests have arrived; a test cancels on that condition, not on a timer.</summary>
    public async Task WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (Requests.Count < count)
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"ScriptedOpenAiServer received {Requests.Count} of the {count} requests expected.");
            await Task.Delay(20);
        }
    }

    public static async Task<ScriptedOpenAiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        // The empty builder reads no appsettings and watches no files: nothing but Kestrel on loopback.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedOpenAiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseAddress = address.TrimEnd('/');
        return server;
    }

    /// <summary>
    /// Configuration keys (for AddInMemoryCollection) that point the app's Llm section at this server:
    /// OpenAI provider and quick retries (10 ms base delay), so failure tests stay fast. The timeout is generous:
    /// on a busy machine the first call of a run (cold JIT, tokenizer) took over 10 s; a test of the timeout sets its own.
    /// </summary>
    public Dictionary<string, string?> LlmSettings(string apiKey = "sk-scripted-test-key", string defaultModel = "gpt-4o-mini") => new()
    {
        ["Llm:Endpoint"] = Endpoint,
        ["Llm:ApiKey"] = apiKey,
        ["Llm:Provider"] = "OpenAI",
        ["Llm:DefaultModel"] = defaultModel,
        ["Llm:TimeoutSeconds"] = "300",
        ["Llm:MaxRetries"] = "3",
        ["Llm:RetryBaseDelayMilliseconds"] = "10",
    };

    /// <summary>Queues steps answered one per request, in order, after no rule matched.</summary>
    public ScriptedOpenAiServer Enqueue(params ScriptStep[] steps)
    {
        lock (_gate)
        {
            foreach (var step in steps)
                _queue.Enqueue(step);
        }
        return this;
    }

    /// <summary>Shorthand for enqueuing plain replies.</summary>
    public ScriptedOpenAiServer Reply(params string[] texts) => Enqueue(texts.Select(t => ScriptStep.Reply(t)).ToArray());

    /// <summary>Queues steps for /embeddings only (errors, delays); with none queued, embeddings are answered with <see cref="Embed"/>.</summary>
    public ScriptedOpenAiServer EnqueueEmbedding(params ScriptStep[] steps)
    {
        lock (_gate)
        {
            foreach (var step in steps)
                _embeddingQueue.Enqueue(step);
        }
        return this;
    }

    /// <summary>Answers chat requests matching <paramref name="match"/> with <paramref name="steps"/> in order; the last step repeats.</summary>
    public ScriptedOpenAiServer When(Func<RecordedRequest, bool> match, params ScriptStep[] steps)
    {
        ArgumentOutOfRangeException.ThrowIfZero(steps.Length);
        lock (_gate)
            _rules.Add(new Rule(match, new Queue<ScriptStep>(steps)));
        return this;
    }

    /// <summary>Scripts one agent role: its system prompt contains <paramref name="fragment"/> (ordinal, case-insensitive).</summary>
    public ScriptedOpenAiServer WhenSystemPromptContains(string fragment, params ScriptStep[] steps) =>
        When(r => r.SystemPrompt.Contains(fragment, StringComparison.OrdinalIgnoreCase), steps);

    /// <summary>Scripts requests whose last user message contains <paramref name="fragment"/> (ordinal, case-insensitive).</summary>
    public ScriptedOpenAiServer WhenLastUserMessageContains(string fragment, params ScriptStep[] steps) =>
        When(r => r.LastUserMessage.Contains(fragment, StringComparison.OrdinalIgnoreCase), steps);

    /// <summary>Scripts requests for one model (for Azure, the deployment in the path counts as the model).</summary>
    public ScriptedOpenAiServer WhenModel(string model, params ScriptStep[] steps) =>
        When(r => string.Equals(r.Model, model, StringComparison.Ordinal), steps);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!HttpMethods.IsPost(context.Request.Method) || !(path.EndsWith("/chat/completions", StringComparison.Ordinal) || path.EndsWith("/embeddings", StringComparison.Ordinal)))
        {
            await WriteErrorAsync(context, ScriptStep.Error(404, "not_found", $"ScriptedOpenAiServer serves POST .../chat/completions and .../embeddings, not {context.Request.Method} {path}."));
            return;
        }

        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
            body = await reader.ReadToEndAsync(context.RequestAborted);
        var request = Parse(context, path, body);
        ScriptStep step;
        lock (_gate)
        {
            _requests.Add(request);
            // A rejected key consumes no scripted step, as a real server never gets as far as the model.
            step = RequiredApiKey is not null && request.Authorization != $"Bearer {RequiredApiKey}" && request.ApiKeyHeader != RequiredApiKey
                ? ScriptStep.Unauthorized(request.ApiKeyHeader ?? request.Authorization?.Replace("Bearer ", "", StringComparison.Ordinal) ?? "(none)")
                : NextStep(request);
        }

        try
        {
            if (step.Delay > TimeSpan.Zero)
                await Task.Delay(step.Delay, context.RequestAborted);
            if (step.Hold is { } hold)
                await hold.WaitAsync(context.RequestAborted);
            if (step.IsError)
                await WriteErrorAsync(context, step);
            else if (request.IsEmbedding)
                await WriteEmbeddingsAsync(context, request, step);
            else if (request.Stream)
                await WriteStreamAsync(context, request, step);
            else
                await WriteCompletionAsync(context, request, step);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up (timeout or cancellation): nothing left to answer.
        }
    }

    private ScriptStep NextStep(RecordedRequest request)
    {
        if (request.IsEmbedding)
            return _embeddingQueue.TryDequeue(out var embeddingStep) ? embeddingStep : new ScriptStep();
        foreach (var rule in _rules)
        {
            if (!rule.Match(request))
                continue;
            return rule.Steps.Count > 1 ? rule.Steps.Dequeue() : rule.Steps.Peek();
        }
        if (_queue.TryDequeue(out var step))
            return step;
        var prompt = request.SystemPrompt.Length > 80 ? request.SystemPrompt[..80] + "…" : request.SystemPrompt;
        return ScriptStep.Error(400, "no_script", $"ScriptedOpenAiServer has no scripted step for this request (model '{request.Model}', system prompt '{prompt}').");
    }

    private static RecordedRequest Parse(HttpContext context, string path, string body)
    {
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            // Recorded as-is; the empty fields below make the assertion that fails obvious.
        }

        var messages = new List<RecordedMessage>();
        foreach (var message in json?["messages"]?.AsArray() ?? [])
            messages.Add(new RecordedMessage(message?["role"]?.GetValue<string>() ?? "", ContentText(message?["content"])));

        var inputs = json?["input"] switch
        {
            JsonArray array => array.Select(i => i?.GetValue<string>() ?? "").ToList(),
            JsonValue value => [value.GetValue<string>()],
            _ => new List<string>(),
        };

        var model = json?["model"]?.GetValue<string>() ?? "";
        const string deployments = "/openai/deployments/";
        var deploymentAt = path.IndexOf(deployments, StringComparison.Ordinal);
        if (deploymentAt >= 0)
            model = Uri.UnescapeDataString(path[(deploymentAt + deployments.Length)..].Split('/')[0]);

        return new RecordedRequest(
            path,
            model,
            messages,
            Stream: json?["stream"]?.GetValue<bool>() ?? false,
            IncludeUsage: json?["stream_options"]?["include_usage"]?.GetValue<bool>() ?? false,
            Temperature: json?["temperature"]?.GetValue<double>(),
            MaxTokens: (json?["max_completion_tokens"] ?? json?["max_tokens"])?.GetValue<int>(),
            inputs,
            Header(context, "Authorization"),
            Header(context, "api-key"),
            context.Request.Query.TryGetValue("api-version", out var version) ? version.ToString() : null,
            DateTimeOffset.UtcNow,
            body,
            (json?["tools"]?.AsArray() ?? []).Select(t => t?["function"]?["name"]?.GetValue<string>() ?? "").ToList());
    }

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>Content is either a string or an array of parts; only text parts matter here.</summary>
    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    private static async Task WriteErrorAsync(HttpContext context, ScriptStep step)
    {
        context.Response.StatusCode = step.Status;
        if (step.RetryAfter is { } retryAfter)
        {
            context.Response.Headers["Retry-After"] = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            if (retryAfter.Ticks % TimeSpan.TicksPerSecond != 0)
                context.Response.Headers["retry-after-ms"] = ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = step.ErrorMessage,
                ["type"] = step.ErrorType,
                ["param"] = null,
                ["code"] = step.ErrorCode,
            },
        }, context.RequestAborted);
    }

    private async Task WriteCompletionAsync(HttpContext context, RecordedRequest request, ScriptStep step)
    {
        if (step.RawBody is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(step.RawBody, context.RequestAborted);
            return;
        }
        var text = step.Text ?? "";
        var completion = Envelope(NextId(), request.Model, "chat.completion");
        var message = new JsonObject { ["role"] = "assistant", ["content"] = step.ToolCalls is null ? text : null, ["refusal"] = null };
        if (step.ToolCalls is { } calls)
        {
            // OpenAI's shape: each call has an id the client echoes in its "tool" message.
            message["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = $"call_{Interlocked.Increment(ref _completionIds)}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.ArgumentsJson },
            }).ToArray());
        }
        completion["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = message,
            ["logprobs"] = null,
            ["finish_reason"] = step.ToolCalls is null ? step.FinishReason : "tool_calls",
        });
        if (step.ReportUsage)
            completion["usage"] = UsageJson(Usage(request, step, text));
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(completion.ToJsonString(), context.RequestAborted);
    }

    private async Task WriteStreamAsync(HttpContext context, RecordedRequest request, ScriptStep step)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        if (step.RawBody is not null)
        {
            await WriteEventAsync(context, step.RawBody);
            return;
        }

        var id = NextId();
        var text = step.Text ?? "";
        var chunks = step.Chunks ?? SplitIntoWords(text);
        await WriteEventAsync(context, Chunk(id, request.Model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null).ToJsonString());
        for (var i = 0; i < chunks.Count; i++)
        {
            var piece = chunks[i];
            if (i == step.BreakAfterChunks)
            {
                // A reset discards whatever the client has not read yet: let it read the deltas first.
                await Task.Delay(TimeSpan.FromMilliseconds(250), context.RequestAborted);
                context.Abort();
                return;
            }
            if (step.ChunkDelay > TimeSpan.Zero)
                await Task.Delay(step.ChunkDelay, context.RequestAborted);
            await WriteEventAsync(context, Chunk(id, request.Model, new JsonObject { ["content"] = piece }, null).ToJsonString());
        }
        await WriteEventAsync(context, Chunk(id, request.Model, new JsonObject(), step.FinishReason).ToJsonString());
        // Like OpenAI: usage only when the client asked for it with stream_options.include_usage.
        if (step.ReportUsage && request.IncludeUsage)
        {
            var usageChunk = Envelope(id, request.Model, "chat.completion.chunk");
            usageChunk["choices"] = new JsonArray();
            usageChunk["usage"] = UsageJson(Usage(request, step, text));
            await WriteEventAsync(context, usageChunk.ToJsonString());
        }
        await WriteEventAsync(context, "[DONE]");
    }

    private async Task WriteEmbeddingsAsync(HttpContext context, RecordedRequest request, ScriptStep step)
    {
        context.Response.ContentType = "application/json";
        if (step.RawBody is not null)
        {
            await context.Response.WriteAsync(step.RawBody, context.RequestAborted);
            return;
        }
        var data = new JsonArray();
        for (var i = 0; i < request.EmbeddingInputs.Count; i++)
        {
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = new JsonArray(Embed(request.EmbeddingInputs[i]).Select(v => (JsonNode)v).ToArray()),
            });
        }
        var tokens = request.EmbeddingInputs.Sum(EstimateTokens);
        var response = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = request.Model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        };
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }

    private static async Task WriteEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync($"data: {data}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static JsonObject Envelope(string id, string model, string kind) => new()
    {
        ["id"] = id,
        ["object"] = kind,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["model"] = model,
        ["system_fingerprint"] = "fp_scripted",
    };

    private static JsonObject Chunk(string id, string model, JsonObject delta, string? finishReason)
    {
        var chunk = Envelope(id, model, "chat.completion.chunk");
        chunk["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        });
        return chunk;
    }

    /// <summary>
    /// Unless the step scripts it, usage is counted the way OpenAI documents it for its chat models: the o200k
    /// tokens of each message's content, 3 more a message and 3 to prime the reply, over the messages as they
    /// arrived on the wire.
    /// </summary>
    private static ScriptedUsage Usage(RecordedRequest request, ScriptStep step, string text) =>
        step.Usage ?? new ScriptedUsage(request.Messages.Sum(m => 3 + Tokens.Value.CountTokens(m.Content)) + 3, Math.Max(1, Tokens.Value.CountTokens(text)));

    private static readonly Lazy<Microsoft.ML.Tokenizers.Tokenizer> Tokens = new(() => Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForModel("gpt-4o"));

    private static JsonObject UsageJson(ScriptedUsage usage) => new()
    {
        ["prompt_tokens"] = usage.InputTokens,
        ["completion_tokens"] = usage.OutputTokens,
        ["total_tokens"] = usage.InputTokens + usage.OutputTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CachedInputTokens, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0, ["audio_tokens"] = 0 },
    };

    private static int EstimateTokens(string text) => Math.Max(1, (text.Length + 3) / 4);

    private static List<string> SplitIntoWords(string text)
    {
        var pieces = new List<string>();
        var start = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                pieces.Add(text[start..i]);
                start = i;
            }
        }
        if (start < text.Length)
            pieces.Add(text[start..]);
        return pieces;
    }

    private string NextId() => $"chatcmpl-scripted-{Interlocked.Increment(ref _completionIds)}";

    private static float[] HashedBagOfWords(string text)
    {
        var vector = new float[64];
        foreach (var word in text.ToLowerInvariant().Split([' ', '\t', '\n', '.', ',', '?', '!', '(', ')', '_'], StringSplitOptions.RemoveEmptyEntries))
        {
            // FNV-1a: stable across runs, unlike string.GetHashCode.
            var hash = 2166136261u;
            foreach (var c in word)
                hash = (hash ^ c) * 16777619u;
            vector[hash % 64] += 1f;
        }
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return norm == 0 ? vector : vector.Select(v => v / norm).ToArray();
    }

    private sealed record Rule(Func<RecordedRequest, bool> Match, Queue<ScriptStep> Steps);
}

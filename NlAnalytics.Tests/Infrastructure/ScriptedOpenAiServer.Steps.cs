namespace NlAnalytics.Tests.Infrastructure;

/// <summary>Token counts a scripted reply reports; null fields are estimated from the text (about 4 characters a token).</summary>
public sealed record ScriptedUsage(int InputTokens, int OutputTokens, int CachedInputTokens = 0);

/// <summary>A function call a scripted reply asks the client to make; <see cref="ArgumentsJson"/> is sent as the model would, a JSON string.</summary>
public sealed record ScriptedToolCall(string Name, string ArgumentsJson);

/// <summary>
/// One scripted answer of <see cref="ScriptedOpenAiServer"/>: a reply (plain JSON or SSE, whichever the
/// request asked for), an OpenAI-style error, or a malformed body; optionally after a delay.
/// </summary>
public sealed record ScriptStep
{
    public int Status { get; init; } = 200;

    /// <summary>The assistant's text for a reply step.</summary>
    public string? Text { get; init; }

    /// <summary>Reported usage; null estimates it from the request and reply text.</summary>
    public ScriptedUsage? Usage { get; init; }

    /// <summary>False: the reply carries no usage at all (as some local servers do).</summary>
    public bool ReportUsage { get; init; } = true;

    public string? ErrorCode { get; init; }
    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>Sent as Retry-After (whole seconds, rounded up) and, if not whole seconds, also as retry-after-ms.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Wait before answering (the request is recorded on arrival, so a timed-out request still counts).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>The reply waits until this completes (a test's gate: the answer is known to be running until the test lets it go).</summary>
    public Task? Hold { get; init; }

    /// <summary>Wait between streamed chunks, to cancel or time out half-way through a stream.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>When set, this exact body is sent with status 200 instead of a well-formed reply.</summary>
    public string? RawBody { get; init; }

    /// <summary>Where a streamed reply is cut into deltas; null: before every space, so each word is one delta.</summary>
    public IReadOnlyList<string>? Chunks { get; init; }

    public string FinishReason { get; init; } = "stop";

    /// <summary>For a streamed reply: drop the connection after this many deltas, as a crashing server would.</summary>
    public int? BreakAfterChunks { get; init; }

    /// <summary>When set, the reply asks for these function calls instead of answering (non-streamed replies only).</summary>
    public IReadOnlyList<ScriptedToolCall>? ToolCalls { get; init; }

    public bool IsError => Status >= 400;

    /// <summary>A reply that calls <paramref name="name"/> with <paramref name="argumentsJson"/> (for example catalog_find_columns).</summary>
    public static ScriptStep ToolCall(string name, string argumentsJson, int? inputTokens = null, int? outputTokens = null) => new()
    {
        ToolCalls = [new ScriptedToolCall(name, argumentsJson)],
        Usage = inputTokens is null && outputTokens is null ? null : new ScriptedUsage(inputTokens ?? 0, outputTokens ?? 0),
    };

    /// <summary>A successful reply with <paramref name="text"/>; token counts default to an estimate.</summary>
    public static ScriptStep Reply(string text, int? inputTokens = null, int? outputTokens = null, int cachedInputTokens = 0) => new()
    {
        Text = text,
        Usage = inputTokens is null && outputTokens is null
            ? null
            : new ScriptedUsage(inputTokens ?? 0, outputTokens ?? 0, cachedInputTokens),
    };

    /// <summary>A reply streamed as exactly these deltas.</summary>
    public static ScriptStep Streamed(params string[] chunks) => new() { Text = string.Concat(chunks), Chunks = chunks };

    /// <summary>An OpenAI-style error: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    public static ScriptStep Error(int status, string code, string message, string? type = null, TimeSpan? retryAfter = null) => new()
    {
        Status = status,
        ErrorCode = code,
        ErrorType = type ?? (status >= 500 ? "server_error" : "invalid_request_error"),
        ErrorMessage = message,
        RetryAfter = retryAfter,
    };

    public static ScriptStep RateLimited(TimeSpan? retryAfter = null) =>
        Error(429, "rate_limit_exceeded", "Rate limit reached for requests. Please try again later.", "requests", retryAfter);

    /// <summary>OpenAI's 429 for an account with no credit left: retrying cannot help.</summary>
    public static ScriptStep QuotaExhausted() =>
        Error(429, "insufficient_quota", "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota");

    /// <summary>A 401; the message echoes <paramref name="echoedKey"/> the way a careless server might, to prove the client scrubs it.</summary>
    public static ScriptStep Unauthorized(string? echoedKey = null) =>
        Error(401, "invalid_api_key", $"Incorrect API key provided: {echoedKey ?? "sk-***"}.", "invalid_request_error");

    public static ScriptStep Forbidden() =>
        Error(403, "unsupported_country_region_territory", "Country, region, or territory not supported.", "request_forbidden");

    public static ScriptStep ServerError(int status = 500) =>
        Error(status, "server_error", "The server had an error while processing your request.", "server_error");

    /// <summary>A 200 whose body is not an OpenAI chat completion (for a stream: an SSE event whose data is not JSON).</summary>
    public static ScriptStep Malformed(string body = "{\"id\": \"chatcmpl-broken\", \"choices\": [ {\"message\": ") => new() { RawBody = body };

    public ScriptStep After(TimeSpan delay) => this with { Delay = delay };

    public ScriptStep WithChunkDelay(TimeSpan delay) => this with { ChunkDelay = delay };

    public ScriptStep WithoutUsage() => this with { ReportUsage = false };

    /// <summary>Streams <paramref name="chunks"/> deltas, then drops the connection.</summary>
    public ScriptStep BreakingAfter(int chunks) => this with { BreakAfterChunks = chunks };
}

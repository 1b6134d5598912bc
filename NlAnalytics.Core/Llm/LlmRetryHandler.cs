using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// Retries one HTTP request to the model endpoint, below the SDK, so that each attempt of each model call
/// (tool rounds included) is retried on its own and nothing above sees a transient failure. The rules:
/// 408, 429 and 5xx are retried with exponential backoff and jitter, a Retry-After (or retry-after-ms)
/// header sets the wait; 401, 403, a 429 whose code is insufficient_quota, and everything else are not.
/// A connection that fails before any response is not retried either (the endpoint is down or wrong).
/// </summary>
internal sealed partial class LlmRetryHandler : DelegatingHandler
{
    /// <summary>A Retry-After longer than this is not waited for: the caller gets a clear failure instead of a hang.</summary>
    internal static readonly TimeSpan MaxHonouredRetryAfter = TimeSpan.FromSeconds(60);

    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public LlmRetryHandler(LlmOptions options, TimeProvider timeProvider, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(options.RetryBaseDelayMilliseconds),
                MaxDelay = MaxHonouredRetryAfter,
                ShouldHandle = async args => args.Outcome.Result is { } response && await IsRetryableAsync(response).ConfigureAwait(false),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? RetryAfter(response.Headers) : null),
                OnRetry = async args =>
                {
                    if (args.Outcome.Result is { } response)
                    {
                        LogRetry(logger, (int)response.StatusCode, await ErrorCodeAsync(response).ConfigureAwait(false) ?? "-", args.AttemptNumber + 1, options.MaxRetries, (long)args.RetryDelay.TotalMilliseconds);
                        // The discarded response holds a pooled connection until disposed.
                        response.Dispose();
                    }
                },
            });
        }
        _pipeline = builder.Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async token => await base.SendAsync(request, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    internal static async ValueTask<bool> IsRetryableAsync(HttpResponseMessage response) => (int)response.StatusCode switch
    {
        408 => true,
        429 => await ErrorCodeAsync(response).ConfigureAwait(false) != "insufficient_quota",
        >= 500 and < 600 => true,
        _ => false,
    };

    /// <summary>OpenAI sends retry-after-ms as well as Retry-After (seconds or an HTTP date).</summary>
    internal static TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        TimeSpan? wait = null;
        if (headers.TryGetValues("retry-after-ms", out var ms) && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
            wait = TimeSpan.FromMilliseconds(milliseconds);
        else if (headers.RetryAfter is { } parsed)
            wait = parsed.Delta ?? (parsed.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is null)
            return null;
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxHonouredRetryAfter ? MaxHonouredRetryAfter : wait;
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        // Buffered, so the SDK can still read the body of the response that is finally returned.
        await response.Content.LoadIntoBufferAsync().ConfigureAwait(false);
        return LlmResilience.ErrorBody(await response.Content.ReadAsStringAsync().ConfigureAwait(false)).Code;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LLM call failed with HTTP {Status} ({ErrorCode}); retry {Attempt} of {MaxRetries} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, int status, string errorCode, int attempt, int maxRetries, long delayMs);
}

using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// The one place that decides what a failed model call means. The whole call (tool rounds, retries and
/// their waits included) is bounded by <see cref="LlmOptions.TimeoutSeconds"/>; retries themselves happen
/// per HTTP request in <see cref="LlmRetryHandler"/>. Every failure leaves as an <see cref="LlmException"/>
/// whose message is safe to show; the caller's cancellation leaves as OperationCanceledException.
/// </summary>
internal sealed class LlmResilience
{
    private readonly LlmOptions _options;
    private readonly ResiliencePipeline _pipeline;

    public LlmResilience(IOptions<LlmOptions> options, TimeProvider timeProvider)
    {
        _options = options.Value;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddTimeout(TimeSpan.FromSeconds(_options.TimeoutSeconds))
            .Build();
    }

    /// <summary>Runs <paramref name="call"/> under the timeout and retry rules and translates its failures.</summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> call, string model, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (Translate(e, model) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The "code" (or, failing that, "type") and the message of an OpenAI-style error body.</summary>
    internal static (string? Code, string? Message) ErrorBody(ClientResultException e)
    {
        try
        {
            var content = e.GetRawResponse()?.Content;
            return content is null || content.ToMemory().IsEmpty ? (null, null) : ErrorBody(content.ToString());
        }
        catch (InvalidOperationException)
        {
            // A streamed body that was never buffered: there is no code to read.
            return (null, null);
        }
    }

    internal static (string? Code, string? Message) ErrorBody(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("error", out var error))
                return (null, null);
            if (error.ValueKind == JsonValueKind.String)
                return (null, error.GetString());
            if (error.ValueKind != JsonValueKind.Object)
                return (null, null);
            string? Read(string name) => error.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            return (Read("code") ?? Read("type"), Read("message"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>Null when <paramref name="e"/> is not about the model call (a bug in a caller's delta handler, say) and must travel unchanged.</summary>
    internal LlmException? Translate(Exception e, string model)
    {
        var where = DescribeEndpoint(_options.Endpoint);
        switch (e)
        {
            case LlmException llm:
                return llm;
            case Microsoft.SemanticKernel.KernelException { InnerException: { } inner }:
                // Semantic Kernel wraps what the connector threw; the inner exception says what happened.
                return Translate(inner, model);
            case TimeoutRejectedException:
            case OperationCanceledException:
                // Ours or the SDK's network timeout: the caller's own cancellation was filtered out before.
                return new LlmException(LlmFailure.TimedOut,
                    $"The language model at {where} did not answer within {_options.TimeoutSeconds} second{(_options.TimeoutSeconds == 1 ? "" : "s")}. Try again, or raise Llm:TimeoutSeconds.");
            case ClientResultException { Status: 0 } noResponse:
                return new LlmException(LlmFailure.Unreachable,
                    $"Could not reach the language model endpoint at {where}: {Scrub(noResponse.InnerException?.Message ?? noResponse.Message)}. Check Llm:Endpoint and that the server is running.");
            case ClientResultException response:
                return FromStatus(response, model, where);
            case JsonException or FormatException or ArgumentException or InvalidOperationException or KeyNotFoundException or NullReferenceException:
                // The SDK throws these while reading a body that is not OpenAI's JSON shape.
                return new LlmException(LlmFailure.MalformedResponse,
                    $"The language model endpoint at {where} sent a response that is not a valid OpenAI chat completion. Check that Llm:Endpoint points at an OpenAI-compatible API.");
            case HttpRequestException or IOException:
                return new LlmException(LlmFailure.Unreachable,
                    $"The connection to the language model endpoint at {where} failed: {Scrub(e.Message)}.");
            default:
                return null;
        }
    }

    private LlmException FromStatus(ClientResultException e, string model, string where)
    {
        var (code, serverMessage) = ErrorBody(e);
        var detail = string.IsNullOrWhiteSpace(serverMessage) ? "" : $" The server said: {Scrub(serverMessage)}";
        var retryable = e.Status is 408 or (>= 500 and < 600) || (e.Status == 429 && code != "insufficient_quota");
        var retries = retryable && _options.MaxRetries > 0 ? $" after {_options.MaxRetries} retries" : "";
        return e.Status switch
        {
            401 => new LlmException(LlmFailure.KeyRejected,
                $"The language model endpoint at {where} rejected the API key (HTTP 401). Check Llm:ApiKey.", 401, code),
            403 => new LlmException(LlmFailure.KeyRejected,
                $"The API key is not allowed to use model '{model}' at {where} (HTTP 403). Check Llm:ApiKey and the key's permissions.{detail}", 403, code),
            429 when code == "insufficient_quota" => new LlmException(LlmFailure.QuotaExhausted,
                $"The language model account has run out of quota (insufficient_quota). Add credit or raise the usage limit with the provider, then try again.", 429, code),
            429 => new LlmException(LlmFailure.RateLimited,
                $"The language model endpoint at {where} is rate-limiting requests (HTTP 429){retries}. Wait a moment and try again.", 429, code),
            408 or (>= 500 and < 600) => new LlmException(LlmFailure.ServerError,
                $"The language model endpoint at {where} failed with HTTP {e.Status}{retries}. Try again later.{detail}", e.Status, code),
            404 => new LlmException(LlmFailure.Rejected,
                $"The language model endpoint at {where} does not know model '{model}' (HTTP 404). Check Llm:DefaultModel and Llm:Models.{detail}", 404, code),
            _ => new LlmException(LlmFailure.Rejected,
                $"The language model endpoint at {where} rejected the request (HTTP {e.Status}).{detail}", e.Status, code),
        };
    }

    /// <summary>Scheme, host and port only: no user-info, path or query string, any of which can carry a secret.</summary>
    internal static string DescribeEndpoint(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority).Replace(uri.UserInfo + "@", "", StringComparison.Ordinal) : "(invalid endpoint)";

    /// <summary>Server messages and socket errors are shown to users; strip anything that is or contains a secret.</summary>
    internal string Scrub(string text)
    {
        if (_options.ApiKey.Length > 0)
            text = text.Replace(_options.ApiKey, "***", StringComparison.Ordinal);
        if (Uri.TryCreate(_options.Endpoint, UriKind.Absolute, out var uri))
        {
            if (uri.UserInfo.Length > 0)
                text = text.Replace(uri.UserInfo, "***", StringComparison.Ordinal);
            if (uri.Query.Length > 1)
                text = text.Replace(uri.Query, "?***", StringComparison.Ordinal);
        }
        return text.Length > 300 ? text[..300] + "…" : text;
    }
}

namespace NlAnalytics.Core.Llm;

/// <summary>Why a model call failed, in terms a user can act on.</summary>
public enum LlmFailure
{
    NotConfigured,
    Unreachable,
    KeyRejected,
    QuotaExhausted,
    RateLimited,
    TimedOut,
    ServerError,
    Rejected,
    MalformedResponse,
    /// <summary>Not sent: a monthly spend budget is used up (see Accounting.SpendBudget).</summary>
    BudgetReached,
}

/// <summary>
/// A failed model call. <see cref="Exception.Message"/> is written for the person using the app and
/// never carries the API key or endpoint credentials; the raw SDK exception is not attached as the
/// inner exception because its message echoes the server's body, which can quote the key.
/// </summary>
public sealed class LlmException(LlmFailure failure, string message, int? statusCode = null, string? errorCode = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    public LlmFailure Failure { get; } = failure;

    /// <summary>HTTP status of the last attempt, when there was a response.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>The provider's error code (e.g. rate_limit_exceeded, insufficient_quota), when it sent one.</summary>
    public string? ErrorCode { get; } = errorCode;

    /// <summary>Whether trying again later could succeed (rate limits, timeouts, server errors, network).</summary>
    public bool IsTransient => Failure is LlmFailure.RateLimited or LlmFailure.TimedOut or LlmFailure.ServerError or LlmFailure.Unreachable;
}

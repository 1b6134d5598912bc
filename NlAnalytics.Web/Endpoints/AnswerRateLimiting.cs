using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace NlAnalytics.Web.Endpoints;

/// <summary>How fast one user may start answers through the API (ask, retry, run SQL): a burst, then a steady rate.</summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Answers a user may start at once before the steady rate applies.</summary>
    [Range(1, 10_000)]
    public int AnswerBurst { get; set; } = 20;

    /// <summary>Answers a user may start per minute once the burst is spent.</summary>
    [Range(1, 100_000)]
    public int AnswersPerMinute { get; set; } = 30;
}

/// <summary>
/// Each user's token bucket for starting answers (the burst, refilled one answer at a time at the steady rate),
/// one per user for the whole app: the API's rate-limiting policy and the chat page's ask, retry and run-SQL take
/// from the same bucket, so the page and the API share one budget.
/// </summary>
public sealed class AnswerStartLimiter(Microsoft.Extensions.Options.IOptions<RateLimitingOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);

    /// <summary>The partition key of a signed-in user, for the API's policy and the page alike.</summary>
    public static string UserKey(string userId) => "user:" + userId;

    /// <summary>The bucket of a partition key (made on first use).</summary>
    public RateLimiter For(string key) => _buckets.GetOrAdd(key, _ =>
    {
        var settings = options.Value;
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.AnswerBurst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 / settings.AnswersPerMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    });

    /// <summary>Takes one answer from the user's bucket: null when allowed, otherwise how long to wait (whole seconds, at least 1).</summary>
    public int? TryStart(string userId)
    {
        using var lease = For(UserKey(userId)).AttemptAcquire();
        return lease.IsAcquired ? null : Seconds(lease);
    }

    /// <summary>What a refused user is told, on the page and in the API's problem details.</summary>
    public static string Refusal(int seconds) => string.Create(CultureInfo.InvariantCulture,
        $"You are starting answers faster than this installation allows. Try again in {seconds} second{(seconds == 1 ? "" : "s")}.");

    internal static int Seconds(RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
            bucket.Dispose();
    }

    /// <summary>A user's bucket as the rate-limiting middleware sees it: it never owns (nor disposes) it.</summary>
    internal sealed class Shared(RateLimiter bucket) : RateLimiter
    {
        public override TimeSpan? IdleDuration => null;

        public override RateLimiterStatistics? GetStatistics() => bucket.GetStatistics();

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => bucket.AttemptAcquire(permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) => bucket.AcquireAsync(permitCount, cancellationToken);
    }
}

/// <summary>
/// ASP.NET Core rate limiting on the endpoints that start answers, per signed-in user, on the user's bucket of
/// <see cref="AnswerStartLimiter"/> (which the chat page takes from too). A refused request gets 429 with
/// Retry-After and problem details. Both also go through the per-user cap on answers in progress (in the
/// conversation service), which bounds what one user can start however they call.
/// </summary>
public static class AnswerRateLimiting
{
    public const string PolicyName = "answers";

    /// <summary>What a user who reached the cap on answers in progress is told to wait: about one short answer.</summary>
    public static readonly TimeSpan InProgressRetryAfter = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddAnswerRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AnswerStartLimiter>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PolicyName, context =>
            {
                var buckets = context.RequestServices.GetRequiredService<AnswerStartLimiter>();
                // The API needs a signed-in user; the address is only a fallback key.
                var key = context.User.Identity?.IsAuthenticated == true ? AnswerStartLimiter.UserKey(context.User.UserId()) : "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.Get(key, k => new AnswerStartLimiter.Shared(buckets.For(k)));
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                var seconds = AnswerStartLimiter.Seconds(rejected.Lease);
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = AnswerStartLimiter.Refusal(seconds),
                    Extensions = { [ApiGroup.RetryAfterExtension] = seconds },
                };
                await http.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
            };
        });
        return services;
    }
}

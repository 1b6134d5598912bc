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
/// ASP.NET Core rate limiting on the endpoints that start answers, per signed-in user (a token bucket: the
/// burst, refilled one answer at a time at the steady rate). A refused request gets 429 with Retry-After
/// and problem details. The chat page goes through the same per-user cap on answers in progress (in the
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
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PolicyName, context =>
            {
                var settings = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimitingOptions>>().Value;
                // The API needs a signed-in user; the address is only a fallback key.
                var key = context.User.Identity?.IsAuthenticated == true ? "user:" + context.User.UserId() : "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.AnswerBurst,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 / settings.AnswersPerMinute),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = string.Create(CultureInfo.InvariantCulture,
                        $"You are starting answers faster than this installation allows. Try again in {seconds} seconds."),
                    Extensions = { [ApiGroup.RetryAfterExtension] = seconds },
                };
                await http.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
            };
        });
        return services;
    }
}

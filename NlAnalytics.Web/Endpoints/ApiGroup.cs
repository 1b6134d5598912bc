using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace NlAnalytics.Web.Endpoints;

/// <summary>
/// What every /api group shares: signed-in users only, 401/403 instead of the login page, problem details
/// for errors, and a guard against cross-site request forgery.
/// </summary>
/// <remarks>
/// Why no antiforgery token: the API authenticates with the same cookie as the pages, so a forged request
/// from another site is the risk. Three things stop it. The cookie is SameSite=Lax, so browsers do not send
/// it on cross-site POST, PUT, PATCH or DELETE. The app sends no CORS headers, so another origin cannot read
/// any answer. And every state-changing request must carry a JSON content type or an X-Requested-With
/// header: neither can be sent cross-origin without a CORS preflight, which fails here, so even a sibling
/// subdomain (same site, which Lax does not cover) or an HTML form cannot forge one. Reads (GET) change
/// nothing, and their answers are protected by the same-origin policy.
/// </remarks>
internal static class ApiGroup
{
    public const string RequestedWithHeader = "X-Requested-With";

    /// <summary>The W3C Server-Timing header: <c>appdb;dur=4.2;desc="6 commands"</c>, the app-database time of the request and of the answer it waited for.</summary>
    public const string ServerTimingHeader = "Server-Timing";

    /// <summary>A group under <paramref name="prefix"/> with the API conventions applied.</summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder endpoints, string prefix) =>
        endpoints.MapGroup(prefix)
            .RequireAuthorization()
            // .NET 10 already answers 401/403 for endpoints it recognises as API endpoints; this makes it hold
            // for every /api endpoint, including those that write CSV rather than JSON.
            .WithMetadata(ApiEndpointMarker.Instance)
            .AddEndpointFilter(RejectForgeableWritesAsync)
            .AddEndpointFilter(NlAnalytics.Web.Security.ApiKeyScope.EnforceOnThreadsAsync)
            .AddEndpointFilter(TimeAppDatabaseAsync)
            .AddEndpointFilter(SetRetryAfterAsync)
            .WithProblemResponses();

    /// <summary>The signed-in user's id, from the authentication cookie's principal.</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The signed-in principal has no user id claim.");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    /// <summary>A refusal of the conversation service that is not about a request field: 404 or 409.</summary>
    public static ProblemHttpResult Refused(NlAnalytics.Core.Conversations.ConversationException refusal) => refusal.Problem switch
    {
        NlAnalytics.Core.Conversations.ConversationProblem.NotFound => NotFound(refusal.Message),
        NlAnalytics.Core.Conversations.ConversationProblem.Conflict => Conflict(refusal.Message),
        NlAnalytics.Core.Conversations.ConversationProblem.TooBusy => TooManyRequests(refusal.Message, AnswerRateLimiting.InProgressRetryAfter),
        NlAnalytics.Core.Conversations.ConversationProblem.Forbidden =>
            TypedResults.Problem(refusal.Message, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed"),
        NlAnalytics.Core.Conversations.ConversationProblem.Unavailable =>
            TypedResults.Problem(refusal.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The database is unavailable"),
        _ => TypedResults.Problem(refusal.Message, statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid"),
    };

    /// <summary>429 with the number of seconds to wait; <see cref="SetRetryAfterAsync"/> copies it into the Retry-After header.</summary>
    public static ProblemHttpResult TooManyRequests(string detail, TimeSpan retryAfter) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            extensions: new Dictionary<string, object?> { [RetryAfterExtension] = (int)Math.Ceiling(retryAfter.TotalSeconds) });

    /// <summary>The problem-details member that says how many seconds to wait (the Retry-After header says the same).</summary>
    public const string RetryAfterExtension = "retryAfterSeconds";

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid");

    private static async ValueTask<object?> RejectForgeableWritesAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
            return await next(context);
        var json = MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
                   && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
        if (json || request.Headers.ContainsKey(RequestedWithHeader))
            return await next(context);
        return TypedResults.Problem(
            $"Requests that change data must send a JSON body (Content-Type: application/json) or the header {RequestedWithHeader}, so that other sites cannot forge them.",
            statusCode: StatusCodes.Status400BadRequest, title: "Missing JSON content type or X-Requested-With header");
    }

    /// <summary>
    /// Times the request's app-database commands, including those of an answer it starts and waits for
    /// (<c>wait=true</c>): the load benchmark reads them to tell the product's own overhead from the query's.
    /// </summary>
    private static async ValueTask<object?> TimeAppDatabaseAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        using var tally = NlAnalytics.Core.Data.AppDatabaseCommands.Measure();
        var result = await next(context);
        var response = context.HttpContext.Response;
        if (!response.HasStarted)
            response.Headers[ServerTimingHeader] = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"appdb;dur={tally.Elapsed.TotalMilliseconds:0.00};desc=\"{tally.Count} commands\"");
        return result;
    }

    /// <summary>A 429 from a handler carries its wait in Retry-After too, as RFC 9110 asks.</summary>
    private static async ValueTask<object?> SetRetryAfterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var problem = result as ProblemHttpResult ?? (result as INestedHttpResult)?.Result as ProblemHttpResult;
        if (problem is { StatusCode: StatusCodes.Status429TooManyRequests } && problem.ProblemDetails.Extensions.TryGetValue(RetryAfterExtension, out var seconds)
            && !context.HttpContext.Response.HasStarted)
            context.HttpContext.Response.Headers.RetryAfter = Convert.ToString(seconds, System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }

    /// <summary>Tells cookie authentication to answer 401/403 rather than redirect to the login page.</summary>
    private sealed class ApiEndpointMarker : IDisableCookieRedirectMetadata
    {
        public static readonly ApiEndpointMarker Instance = new();
    }
}

public static class ApiServiceCollectionExtensions
{
    /// <summary>
    /// JSON and error conventions of the /api endpoints: enums as names ("Succeeded", as answers are stored),
    /// and problem details for requests the framework refuses before a handler runs (malformed JSON).
    /// </summary>
    public const string ApiOutageMessage = "The app's database cannot be reached just now, so nothing was saved. Send the request again in a moment.";

    public static IServiceCollection AddApiEndpoints(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // An unreachable app database (503 from the exception handler) says so, not only "Service Unavailable".
            if (context.Exception is { } exception && NlAnalytics.Core.Data.AppDatabaseOutage.Is(exception))
            {
                context.ProblemDetails.Title = "The database is unavailable";
                context.ProblemDetails.Detail = ApiOutageMessage;
            }
        });
        services.AddApiDocumentation();
        return services;
    }
}

using System.Net;

namespace NlAnalytics.Web.Extensions;

/// <summary>
/// A page request that meets an unreachable app database gets a plain 503 page that says so (Retry-After: 5), instead of
/// the error page, which needs the database itself to render and so left an empty 500. The API has its own handler
/// (problem details, 503), which answers first.
/// </summary>
public static class OutagePage
{
    public const string Title = "The app's database cannot be reached";

    public const string Message = "The app's database cannot be reached just now. Nothing is lost: reload this page in a moment.";

    public static WebApplication UseOutagePage(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex) when (NlAnalytics.Core.Data.AppDatabaseOutage.Is(ex) && !context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
                context.Response.Headers.CacheControl = "no-store";
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(
                    $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(Title)} · NlAnalytics</title></head>" +
                    $"<body><h1>{WebUtility.HtmlEncode(Title)}</h1><p id=\"outage\">{WebUtility.HtmlEncode(Message)}</p></body></html>");
            }
        });
        return app;
    }
}

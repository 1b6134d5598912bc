using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace NlAnalytics.Web.Endpoints;

/// <summary>
/// A JSON request body that the endpoint reads itself, so a malformed body gets a problem response saying
/// what is wrong. With plain body binding the framework answers an empty 400 before any handler or filter runs.
/// </summary>
public sealed class JsonBody<T> : IEndpointParameterMetadataProvider where T : class
{
    private JsonBody(T? value, string? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The request, or null when <see cref="Error"/> says why it could not be read.</summary>
    public T? Value { get; }

    public string? Error { get; }

    public static async ValueTask<JsonBody<T>> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        if (!context.Request.HasJsonContentType())
            return new(null, "Send the body as JSON, with Content-Type: application/json.");
        try
        {
            var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var value = await context.Request.ReadFromJsonAsync<T>(options, context.RequestAborted);
            return value is null ? new(null, "The body is empty: send a JSON object.") : new(value, null);
        }
        catch (JsonException ex)
        {
            // System.Text.Json names the position and the expected type, never the rest of the body.
            return new(null, $"The body is not valid JSON for this request: {ex.Message}");
        }
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(T)));
}

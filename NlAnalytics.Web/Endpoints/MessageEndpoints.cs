using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Endpoints;

public sealed record VerifyRequest(bool? Verified);

/// <summary>SQL to run under a message's question (an edit of its SQL, or the same again), as a new message of its thread.</summary>
public sealed record RunSqlRequest(string? Sql, Guid? ClientRequestId);

/// <summary>
/// /api/messages: one question and its answer: read it, stop or retry its answer, export its result as
/// CSV, mark it verified. Another user's message answers 404, exactly like one that does not exist.
/// </summary>
public static class MessageEndpoints
{
    public const string CsvContentType = "text/csv; charset=utf-8";

    /// <summary>Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").</summary>
    private static readonly SearchValues<char> FormulaStarts = SearchValues.Create("=+-@\t\r");

    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/messages").WithTags("Messages");
        group.MapGet("/{messageId:guid}", GetAsync);
        group.MapGet("/{messageId:guid}/progress", ProgressAsync);
        group.MapGet("/{messageId:guid}/events", EventsAsync);
        group.MapPost("/{messageId:guid}/stop", StopAsync);
        group.MapPost("/{messageId:guid}/retry", RetryAsync).RequireRateLimiting(AnswerRateLimiting.PolicyName);
        group.MapGet("/{messageId:guid}/result.csv", ResultCsvAsync).Produces<string>(StatusCodes.Status200OK, "text/csv");
        group.MapPut("/{messageId:guid}/verified", SetVerifiedAsync);
        group.MapPost("/{messageId:guid}/sql", RunSqlAsync).RequireRateLimiting(AnswerRateLimiting.PolicyName);
        return endpoints;
    }

    private static async Task<Results<Ok<MessageView>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, Guid messageId, ConversationService conversations, CancellationToken cancellationToken)
    {
        var message = await conversations.MessageAsync(user.UserId(), messageId, cancellationToken);
        return message is null ? MessageNotFound() : TypedResults.Ok(message);
    }

    /// <summary>
    /// How far the answer has got (the steps reached, the narrative so far) while it runs, as the chat page shows
    /// it; once it has ended only its status (GET the message for the answer).
    /// </summary>
    private static async Task<Results<Ok<AnswerProgressReport>, ProblemHttpResult>> ProgressAsync(
        ClaimsPrincipal user, Guid messageId, ConversationService conversations, CancellationToken cancellationToken)
    {
        var progress = await conversations.ProgressAsync(user.UserId(), messageId, cancellationToken);
        return progress is null ? MessageNotFound() : TypedResults.Ok(progress);
    }

    /// <summary>
    /// The answer as Server-Sent Events, so a script need not poll: <c>status</c> ({messageId, status}), then while it runs each
    /// <c>progress</c> ({step, message}: a step reached or its latest word, as the chat page shows them) and <c>narrative</c>
    /// ({delta}: the explanation as it is written), replayed from the start for a client that comes late, and last
    /// <c>answer</c> (the message, as <c>GET /api/messages/{id}</c> returns it). An answer already finished sends its
    /// status and answer at once. The stream ends after <c>answer</c>.
    /// </summary>
    private static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> EventsAsync(
        ClaimsPrincipal user, Guid messageId, ConversationService conversations, AnswerEvents events,
        Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        if (await conversations.MessageAsync(userId, messageId, cancellationToken) is null)
            return MessageNotFound();
        var options = json.Value.SerializerOptions;
        return TypedResults.ServerSentEvents(Items(events.FollowAsync(userId, messageId, cancellationToken), messageId, options));
    }

    private static async IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<string>> Items(
        IAsyncEnumerable<AnswerEvent> events, Guid messageId, JsonSerializerOptions options)
    {
        await foreach (var e in events)
            yield return e.Kind switch
            {
                AnswerEventKind.Status => Item("status", new { messageId, status = e.Status }, options),
                AnswerEventKind.Progress => Item("progress", new { step = e.Progress!.Step, message = e.Progress.Message }, options),
                AnswerEventKind.Narrative => Item("narrative", new { delta = e.NarrativeDelta }, options),
                _ => Item("answer", e.Message, options),
            };
    }

    private static System.Net.ServerSentEvents.SseItem<string> Item<T>(string type, T data, JsonSerializerOptions options) =>
        new(JsonSerializer.Serialize(data, options), type);

    /// <summary>Stops a running answer (the model call and the query in flight); 202, as the stopped state is saved a moment later.</summary>
    private static async Task<Results<Accepted<AskAccepted>, ProblemHttpResult>> StopAsync(
        ClaimsPrincipal user, Guid messageId, ConversationService conversations, CancellationToken cancellationToken)
    {
        try
        {
            var (message, threadId) = await conversations.StopAsync(user.UserId(), messageId, cancellationToken);
            return TypedResults.Accepted($"/api/messages/{messageId}", new AskAccepted(messageId, threadId, message.Status));
        }
        catch (ConversationException e)
        {
            return ApiGroup.Refused(e);
        }
    }

    /// <summary>
    /// Answers a failed, stopped, declined or interrupted message again, in place (a message answered from
    /// hand-written SQL runs its SQL again); <c>mode</c> and <c>wait</c> as for asking.
    /// </summary>
    private static async Task<Results<Ok<MessageView>, Accepted<AskAccepted>, ProblemHttpResult, ValidationProblem>> RetryAsync(
        ClaimsPrincipal user, Guid messageId, string? mode, bool? wait, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (!ThreadEndpoints.TryParseMode(mode, out var analysisMode, out var modeError))
            return ApiGroup.Invalid("mode", modeError);
        var userId = user.UserId();
        try
        {
            var asked = await conversations.RetryAsync(userId, messageId, analysisMode, cancellationToken);
            return await ThreadEndpoints.AcceptedOrFinishedAsync(userId, asked, wait ?? false, conversations, cancellationToken);
        }
        catch (ConversationException e) when (e.Field is not null)
        {
            return ApiGroup.Invalid(e.Field, e.Message);
        }
        catch (ConversationException e)
        {
            return ApiGroup.Refused(e);
        }
    }

    /// <summary>
    /// Runs SQL under the message's question as a new message of its thread, through the same gate and
    /// read-only role as every answer. The SQL is stored before it runs, so a retry of the new message
    /// runs it again. 202 (or with <c>wait=true</c> the finished message), as for asking.
    /// </summary>
    private static async Task<Results<Ok<MessageView>, Accepted<AskAccepted>, ProblemHttpResult, ValidationProblem>> RunSqlAsync(
        ClaimsPrincipal user, Guid messageId, JsonBody<RunSqlRequest> body, bool? wait, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        var userId = user.UserId();
        try
        {
            var asked = await conversations.RunSqlAsync(userId, messageId, request.Sql, request.ClientRequestId ?? Guid.Empty, cancellationToken);
            return await ThreadEndpoints.AcceptedOrFinishedAsync(userId, asked, wait ?? false, conversations, cancellationToken);
        }
        catch (ConversationException e) when (e.Field is not null)
        {
            return ApiGroup.Invalid(e.Field, e.Message);
        }
        catch (ConversationException e)
        {
            return ApiGroup.Refused(e);
        }
    }

    /// <summary>
    /// The stored result (every row kept, up to the row cap) as an RFC 4180 CSV download. Header
    /// <c>X-Result-Truncated: true</c> says the query had more rows than the cap.
    /// </summary>
    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ResultCsvAsync(
        ClaimsPrincipal user, Guid messageId, ConversationService conversations, HttpResponse response, CancellationToken cancellationToken)
    {
        var message = await conversations.MessageAsync(user.UserId(), messageId, cancellationToken);
        if (message is null)
            return MessageNotFound();
        if (message.Result is not { } result)
            return ApiGroup.NotFound(message.Status is MessageStatus.Pending or MessageStatus.Running
                ? "This answer is still being worked on; its result can be downloaded when it has finished."
                : "This message has no result to download.");
        if (result.Truncated)
            response.Headers["X-Result-Truncated"] = "true";
        return TypedResults.Stream(stream => WriteCsvAsync(stream, result, cancellationToken), CsvContentType, FileName(message));
    }

    /// <summary>
    /// Marks an answer correct (or not), as the chat page does: a correct answer's question and SQL join the
    /// verified-query memory. Only answered messages can be marked correct.
    /// </summary>
    private static async Task<Results<Ok<MessageView>, ProblemHttpResult, ValidationProblem>> SetVerifiedAsync(
        ClaimsPrincipal user, Guid messageId, JsonBody<VerifyRequest> body, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (request.Verified is not { } verified)
            return ApiGroup.Invalid("verified", "Send verified: true to mark the answer correct, or false to unmark it.");
        try
        {
            return TypedResults.Ok(await conversations.MarkCorrectAsync(user.UserId(), user.Identity?.Name, messageId, verified, cancellationToken));
        }
        catch (ConversationException e)
        {
            return ApiGroup.Refused(e);
        }
    }

    internal static async Task WriteCsvAsync(Stream stream, ResultSnapshot result, CancellationToken cancellationToken)
    {
        // RFC 4180 (CRLF, quotes only where needed), UTF-8 without a byte order mark.
        await using var csv = CsvWriter.Create(stream, new CsvWriterOptions(), leaveOpen: true);
        foreach (var column in result.Columns)
            csv.WriteField(Defused(column.Name));
        await csv.EndRecordAsync(cancellationToken);
        foreach (var row in result.Rows)
        {
            foreach (var value in row)
                csv.WriteField(Cell(value));
            await csv.EndRecordAsync(cancellationToken);
        }
        await csv.FlushAsync(cancellationToken);
    }

    /// <summary>Numbers stay numbers (a negative one must not be escaped); text that a spreadsheet would run as a formula is prefixed with '.</summary>
    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.String => Defused(value.GetString()!),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => Defused(value.GetRawText()),
    };

    private static string Defused(string text) => text.Length > 0 && FormulaStarts.Contains(text[0]) ? "'" + text : text;

    /// <summary>The question, as a short ASCII file name: "total-sales-by-region.csv".</summary>
    internal static string FileName(MessageView message)
    {
        var name = new StringBuilder();
        foreach (var c in (message.StandaloneQuestion ?? message.Question).Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
                name.Append(char.ToLowerInvariant(c));
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && name.Length > 0 && name[^1] != '-')
                name.Append('-');
            if (name.Length >= 60)
                break;
        }
        var stem = name.ToString().Trim('-');
        return (stem.Length == 0 ? "result" : stem) + ".csv";
    }

    private static ProblemHttpResult MessageNotFound() => ApiGroup.NotFound("There is no such message.");
}

using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A thread as the API returns it.</summary>
public sealed record ThreadView(Guid Id, string Title, string DataSource, bool IsArchived, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ThreadView From(ChatThread thread) =>
        new(thread.Id, thread.Title, thread.DataSource, thread.IsArchived, thread.CreatedAt, thread.UpdatedAt);
}

/// <summary>A new thread: its source (default demo) and title (default: the first question).</summary>
public sealed record CreateThreadRequest(string? DataSource = null, string? Title = null);

/// <summary>Changes to a thread; fields left out stay as they are.</summary>
public sealed record UpdateThreadRequest(string? Title = null, bool? Archived = null);

/// <summary>A question to answer. <c>clientRequestId</c>, a new GUID per question, makes resending it harmless; <c>mode</c> is offline, llm or hybrid (default: the installation's).</summary>
public sealed record AskRequest(string? Question, Guid? ClientRequestId, string? Mode = null);

/// <summary>The answer to an accepted question is on its way; poll <c>GET /api/messages/{MessageId}</c> (the Location header).</summary>
public sealed record AskAccepted(Guid MessageId, Guid ThreadId, MessageStatus Status);

/// <summary>What a thread has cost so far, summed from its priced model calls.</summary>
public sealed record ThreadTotalsView(Guid ThreadId, int Messages, int Calls, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd);

/// <summary>
/// /api/threads: a user's threads, their messages and asking questions in them. Another user's thread
/// answers 404, exactly like one that does not exist, so ids leak nothing.
/// </summary>
public static class ThreadEndpoints
{
    public const int MaxQuestionLength = ConversationService.MaxQuestionLength;
    public const int MaxTitleLength = ConversationService.MaxTitleLength;

    public static IEndpointRouteBuilder MapThreadEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/threads").WithTags("Threads");
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync);
        group.MapGet("/{threadId:guid}", GetAsync);
        group.MapPatch("/{threadId:guid}", UpdateAsync);
        group.MapDelete("/{threadId:guid}", DeleteAsync);
        group.MapGet("/{threadId:guid}/messages", MessagesAsync);
        group.MapPost("/{threadId:guid}/messages", AskAsync).RequireRateLimiting(AnswerRateLimiting.PolicyName);
        group.MapGet("/{threadId:guid}/totals", TotalsAsync);
        return endpoints;
    }

    /// <summary>Active threads, or with <c>archived=true</c> the archived ones; <c>q</c> searches titles and message text.</summary>
    private static async Task<Ok<IReadOnlyList<ThreadSummary>>> ListAsync(
        ClaimsPrincipal user, ConversationService conversations, bool? archived, string? q, CancellationToken cancellationToken)
    {
        var wantArchived = archived ?? false;
        var threads = await conversations.ListThreadsAsync(user.UserId(), includeArchived: wantArchived, q, cancellationToken);
        return TypedResults.Ok(user.WithinScope(wantArchived ? threads.Where(t => t.IsArchived) : threads, t => t.DataSource));
    }

    private static async Task<Results<Created<ThreadView>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        ClaimsPrincipal user, JsonBody<CreateThreadRequest> body, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        // A source outside the API key's scope is refused as the service refuses one that does not exist.
        if (request.DataSource is { } named && !user.MayUse(named.Trim()))
            return ApiGroup.Invalid("dataSource", $"There is no data source named '{named.Trim()}'. GET /api/data-sources lists them.");
        try
        {
            var thread = await conversations.CreateThreadAsync(user.UserId(), request.DataSource, request.Title, cancellationToken);
            return TypedResults.Created($"/api/threads/{thread.Id}", ThreadView.From(thread));
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

    private static async Task<Results<Ok<ThreadView>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, Guid threadId, ConversationService conversations, CancellationToken cancellationToken)
    {
        var thread = await conversations.FindThreadAsync(user.UserId(), threadId, cancellationToken);
        return thread is null ? ThreadNotFound() : TypedResults.Ok(ThreadView.From(thread));
    }

    /// <summary>Renames and/or archives (archived=true) or unarchives (archived=false) a thread.</summary>
    private static async Task<Results<Ok<ThreadView>, ProblemHttpResult, ValidationProblem>> UpdateAsync(
        ClaimsPrincipal user, Guid threadId, JsonBody<UpdateThreadRequest> body, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        try
        {
            return TypedResults.Ok(ThreadView.From(await conversations.UpdateThreadAsync(user.UserId(), threadId, request.Title, request.Archived, cancellationToken)));
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

    /// <summary>Deletes the thread with its messages and their results; answers still running in it are stopped.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        ClaimsPrincipal user, Guid threadId, ConversationService conversations, CancellationToken cancellationToken) =>
        await conversations.DeleteThreadAsync(user.UserId(), threadId, cancellationToken) ? TypedResults.NoContent() : ThreadNotFound();

    /// <summary>Messages per page when the client does not say.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>
    /// The thread's latest messages, oldest first: <c>limit</c> (1-200, default 50) of them, before the message with
    /// sequence number <c>before</c> when given. When older ones exist, a <c>Link: &lt;...&gt;; rel="next"</c> header points to them.
    /// </summary>
    private static async Task<Results<Ok<IReadOnlyList<MessageView>>, ProblemHttpResult, ValidationProblem>> MessagesAsync(
        ClaimsPrincipal user, Guid threadId, int? before, int? limit, ConversationService conversations, HttpResponse response, CancellationToken cancellationToken)
    {
        var size = limit ?? DefaultPageSize;
        try
        {
            if (await conversations.MessagePageAsync(user.UserId(), threadId, before, size, cancellationToken) is not { } page)
                return ThreadNotFound();
            if (page.HasOlder && page.Messages.Count > 0)
                response.Headers.Link = string.Create(CultureInfo.InvariantCulture,
                    $"</api/threads/{threadId}/messages?before={page.Messages[0].Sequence}&limit={size}>; rel=\"next\"");
            return TypedResults.Ok(page.Messages);
        }
        catch (ConversationException e) when (e.Field is not null)
        {
            return ApiGroup.Invalid(e.Field, e.Message);
        }
    }

    /// <summary>
    /// Saves the question and starts answering it in the background: 202 with the message id and its
    /// Location. With <c>wait=true</c> the request waits and returns the finished message instead. Sending
    /// the same clientRequestId again returns the message already stored rather than asking twice.
    /// </summary>
    private static async Task<Results<Ok<MessageView>, Accepted<AskAccepted>, ProblemHttpResult, ValidationProblem>> AskAsync(
        ClaimsPrincipal user, Guid threadId, JsonBody<AskRequest> body, bool? wait, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (!TryParseMode(request.Mode, out var mode, out var modeError))
            return ApiGroup.Invalid("mode", modeError);
        var userId = user.UserId();
        try
        {
            // A thread that is not the user's is not found before any request id is looked at (the save reads it first),
            // so a resent clientRequestId never reveals a message of another thread.
            var asked = await conversations.AskAsync(userId, threadId, new AskCommand(request.Question, request.ClientRequestId ?? Guid.Empty, mode), cancellationToken);
            if (asked.ThreadId != threadId)
                return ApiGroup.Conflict("This clientRequestId was already used for another question. Send a new GUID for each question.");
            return await AcceptedOrFinishedAsync(userId, asked, wait ?? false, conversations, cancellationToken);
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

    private static async Task<Results<Ok<ThreadTotalsView>, ProblemHttpResult>> TotalsAsync(
        ClaimsPrincipal user, Guid threadId, ConversationService conversations, CostLedger ledger, CancellationToken cancellationToken)
    {
        var contents = await conversations.OpenAsync(user.UserId(), threadId, cancellationToken);
        if (contents is null)
            return ThreadNotFound();
        var cost = await ledger.ForThreadAsync(threadId, cancellationToken);
        return TypedResults.Ok(new ThreadTotalsView(threadId, contents.Totals.Messages, cost.Calls, cost.InputTokens, cost.CachedInputTokens, cost.OutputTokens, cost.CostUsd));
    }

    /// <summary>202 pointing at the message, or with <paramref name="wait"/> the message once its answer has finished.</summary>
    internal static async Task<Results<Ok<MessageView>, Accepted<AskAccepted>, ProblemHttpResult, ValidationProblem>> AcceptedOrFinishedAsync(
        string userId, AskedQuestion asked, bool wait, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (wait && asked.Running is { } running)
            // Leaving (client gone) stops the wait, not the answer: it keeps running and is saved.
            await running.Completion.WaitAsync(cancellationToken);
        // A first answer without model calls comes as it was saved; anything else is read back.
        var message = wait && asked.Running?.Saved is { } saved ? saved : await conversations.MessageAsync(userId, asked.MessageId, cancellationToken);
        if (message is null)
            return ApiGroup.NotFound("The message no longer exists (its thread was deleted).");
        return wait
            ? TypedResults.Ok(message)
            : TypedResults.Accepted($"/api/messages/{asked.MessageId}", new AskAccepted(asked.MessageId, asked.ThreadId, message.Status));
    }

    /// <summary>offline, llm or hybrid; whether the mode can be used is the conversation service's call.</summary>
    internal static bool TryParseMode(string? text, out AnalysisMode? mode, out string error)
    {
        mode = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
            return true;
        mode = text.Trim().ToLowerInvariant() switch
        {
            "offline" => AnalysisMode.Offline,
            "llm" => AnalysisMode.Llm,
            "hybrid" => AnalysisMode.Hybrid,
            _ => null,
        };
        if (mode is null)
            error = $"Unknown mode '{text}'. Use offline, llm or hybrid, or leave it out for the default.";
        return mode is not null;
    }

    private static ProblemHttpResult ThreadNotFound() => ApiGroup.NotFound("There is no such thread.");
}

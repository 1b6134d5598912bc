using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;

namespace NlAnalytics.Web.Endpoints;

/// <summary>A thread as the API returns it.</summary>
public sealed record ThreadView(Guid Id, string Title, string DataSource, bool IsArchived, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ThreadView From(ChatThread thread) =>
        new(thread.Id, thread.Title, thread.DataSource, thread.IsArchived, thread.CreatedAt, thread.UpdatedAt);
}

public sealed record CreateThreadRequest(string? DataSource, string? Title);

/// <summary>Changes to a thread; fields left out stay as they are.</summary>
public sealed record UpdateThreadRequest(string? Title, bool? Archived);

/// <summary>A question to answer. <see cref="ClientRequestId"/> makes resending it harmless; <see cref="Mode"/> is offline, llm or hybrid.</summary>
public sealed record AskRequest(string? Question, Guid? ClientRequestId, string? Mode);

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
    public const int MaxQuestionLength = 4000;
    public const int MaxTitleLength = 200;

    public static IEndpointRouteBuilder MapThreadEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/threads").WithTags("Threads");
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync);
        group.MapGet("/{threadId:guid}", GetAsync);
        group.MapPatch("/{threadId:guid}", UpdateAsync);
        group.MapDelete("/{threadId:guid}", DeleteAsync);
        group.MapGet("/{threadId:guid}/messages", MessagesAsync);
        group.MapPost("/{threadId:guid}/messages", AskAsync);
        group.MapGet("/{threadId:guid}/totals", TotalsAsync);
        return endpoints;
    }

    /// <summary>Active threads, or with <c>archived=true</c> the archived ones; <c>q</c> searches titles and message text.</summary>
    private static async Task<Ok<IReadOnlyList<ThreadSummary>>> ListAsync(
        ClaimsPrincipal user, ThreadStore store, bool? archived, string? q, CancellationToken cancellationToken)
    {
        var wantArchived = archived ?? false;
        var threads = await store.ListAsync(user.UserId(), includeArchived: wantArchived, q, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ThreadSummary>>(wantArchived ? [.. threads.Where(t => t.IsArchived)] : threads);
    }

    private static async Task<Results<Created<ThreadView>, ValidationProblem>> CreateAsync(
        ClaimsPrincipal user, JsonBody<CreateThreadRequest> body, ThreadStore store, IDataSourceRegistry sources, DemoStatus demo, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (string.IsNullOrWhiteSpace(request.DataSource))
            return ApiGroup.Invalid("dataSource", "Choose a data source (GET /api/data-sources lists them).");
        // Only configured names: a thread must never point at a connection string a user typed.
        var name = DataSourceEndpoints.KnownName(request.DataSource.Trim(), sources, demo);
        if (name is null)
            return ApiGroup.Invalid("dataSource", $"There is no data source named '{request.DataSource.Trim()}'. GET /api/data-sources lists them.");
        if (request.Title is { Length: > MaxTitleLength })
            return ApiGroup.Invalid("title", $"Keep the title under {MaxTitleLength} characters.");
        var thread = await store.CreateAsync(user.UserId(), name, request.Title, cancellationToken);
        return TypedResults.Created($"/api/threads/{thread.Id}", ThreadView.From(thread));
    }

    private static async Task<Results<Ok<ThreadView>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, Guid threadId, ThreadStore store, CancellationToken cancellationToken)
    {
        var thread = await store.FindAsync(user.UserId(), threadId, cancellationToken);
        return thread is null ? ThreadNotFound() : TypedResults.Ok(ThreadView.From(thread));
    }

    /// <summary>Renames and/or archives (archived=true) or unarchives (archived=false) a thread.</summary>
    private static async Task<Results<Ok<ThreadView>, ProblemHttpResult, ValidationProblem>> UpdateAsync(
        ClaimsPrincipal user, Guid threadId, JsonBody<UpdateThreadRequest> body, ThreadStore store, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (request.Title is null && request.Archived is null)
            return ApiGroup.Invalid("title", "Send a new title, archived (true or false), or both.");
        if (request.Title is not null && string.IsNullOrWhiteSpace(request.Title))
            return ApiGroup.Invalid("title", "The title cannot be empty.");
        if (request.Title is { Length: > MaxTitleLength })
            return ApiGroup.Invalid("title", $"Keep the title under {MaxTitleLength} characters.");
        var userId = user.UserId();
        if (request.Title is not null && !await store.RenameAsync(userId, threadId, request.Title, cancellationToken))
            return ThreadNotFound();
        if (request.Archived is { } archived && !await store.SetArchivedAsync(userId, threadId, archived, cancellationToken))
            return ThreadNotFound();
        var thread = await store.FindAsync(userId, threadId, cancellationToken);
        return thread is null ? ThreadNotFound() : TypedResults.Ok(ThreadView.From(thread));
    }

    /// <summary>Deletes the thread with its messages and their results.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        ClaimsPrincipal user, Guid threadId, ThreadStore store, AnswerRunner runner, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        if (await store.FindAsync(userId, threadId, cancellationToken) is null)
            return ThreadNotFound();
        // Answers still running would otherwise keep spending tokens for a thread nobody can see any more.
        foreach (var running in runner.InThread(threadId))
            runner.Stop(running.MessageId);
        return await store.DeleteAsync(userId, threadId, cancellationToken) ? TypedResults.NoContent() : ThreadNotFound();
    }

    private static async Task<Results<Ok<IReadOnlyList<MessageView>>, ProblemHttpResult>> MessagesAsync(
        ClaimsPrincipal user, Guid threadId, ThreadStore store, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        if (await store.FindAsync(userId, threadId, cancellationToken) is null)
            return ThreadNotFound();
        return TypedResults.Ok(await store.MessagesAsync(userId, threadId, cancellationToken));
    }

    /// <summary>
    /// Saves the question and starts answering it in the background: 202 with the message id and its
    /// Location. With <c>wait=true</c> the request waits and returns the finished message instead. Sending
    /// the same clientRequestId again returns the message already stored rather than asking twice.
    /// </summary>
    private static async Task<Results<Ok<MessageView>, Accepted<AskAccepted>, ProblemHttpResult, ValidationProblem>> AskAsync(
        ClaimsPrincipal user, Guid threadId, JsonBody<AskRequest> body, bool? wait, ThreadStore store, AnswerRunner runner, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (string.IsNullOrWhiteSpace(request.Question))
            return ApiGroup.Invalid("question", "Type a question first.");
        if (request.Question.Length > MaxQuestionLength)
            return ApiGroup.Invalid("question", $"Keep the question under {MaxQuestionLength} characters.");
        if (request.ClientRequestId is not { } clientRequestId || clientRequestId == Guid.Empty)
            return ApiGroup.Invalid("clientRequestId", "Send a new GUID per question as clientRequestId; resending it makes a retry harmless.");
        if (!TryParseMode(request.Mode, runner, out var mode, out var modeError))
            return ApiGroup.Invalid("mode", modeError);

        var userId = user.UserId();
        // Checked first: the store finds a resent clientRequestId before it looks at the thread.
        if (await store.FindAsync(userId, threadId, cancellationToken) is null)
            return ThreadNotFound();

        RunningAnswer? running;
        try
        {
            running = await runner.AskAsync(userId, threadId, request.Question, clientRequestId, mode, cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            return ThreadNotFound();
        }
        catch (InvalidOperationException)
        {
            return ApiGroup.Conflict("This clientRequestId was already used for another question. Send a new GUID for each question.");
        }

        Guid messageId;
        if (running is not null && running.ThreadId == threadId)
        {
            messageId = running.MessageId;
        }
        else
        {
            // A resend whose answer has finished, or an id used before elsewhere (possibly by someone else).
            var existing = await store.MessageByClientRequestAsync(userId, clientRequestId, cancellationToken);
            if (existing is null || await store.ThreadOfAsync(userId, existing.Id, cancellationToken) != threadId)
                return ApiGroup.Conflict("This clientRequestId was already used for another question. Send a new GUID for each question.");
            messageId = existing.Id;
        }
        return await AcceptedOrFinishedAsync(userId, threadId, messageId, wait ?? false, store, runner, cancellationToken);
    }

    private static async Task<Results<Ok<ThreadTotalsView>, ProblemHttpResult>> TotalsAsync(
        ClaimsPrincipal user, Guid threadId, ThreadStore store, CostLedger ledger, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        if (await store.FindAsync(userId, threadId, cancellationToken) is null)
            return ThreadNotFound();
        var messages = await store.TotalsAsync(userId, threadId, cancellationToken);
        var cost = await ledger.ForThreadAsync(threadId, cancellationToken);
        return TypedResults.Ok(new ThreadTotalsView(threadId, messages.Messages, cost.Calls, cost.InputTokens, cost.CachedInputTokens, cost.OutputTokens, cost.CostUsd));
    }

    /// <summary>202 pointing at the message, or with <paramref name="wait"/> the message once its answer has finished.</summary>
    internal static async Task<Results<Ok<MessageView>, Accepted<AskAccepted>, ProblemHttpResult, ValidationProblem>> AcceptedOrFinishedAsync(
        string userId, Guid threadId, Guid messageId, bool wait, ThreadStore store, AnswerRunner runner, CancellationToken cancellationToken)
    {
        if (wait && runner.Find(messageId) is { } running)
            // Leaving (client gone) stops the wait, not the answer: it keeps running and is saved.
            await running.Completion.WaitAsync(cancellationToken);
        var message = await store.MessageAsync(userId, messageId, cancellationToken);
        if (message is null)
            return ApiGroup.NotFound("The message no longer exists (its thread was deleted).");
        return wait
            ? TypedResults.Ok(message)
            : TypedResults.Accepted($"/api/messages/{messageId}", new AskAccepted(messageId, threadId, message.Status));
    }

    internal static bool TryParseMode(string? text, AnswerRunner runner, out AnalysisMode? mode, out string error)
    {
        mode = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
            return true;
        AnalysisMode? parsed = text.Trim().ToLowerInvariant() switch
        {
            "offline" => AnalysisMode.Offline,
            "llm" => AnalysisMode.Llm,
            "hybrid" => AnalysisMode.Hybrid,
            _ => null,
        };
        if (parsed is null)
        {
            error = $"Unknown mode '{text}'. Use offline, llm or hybrid, or leave it out for the default.";
            return false;
        }
        if (parsed == AnalysisMode.Llm && !runner.LlmAvailable)
        {
            error = "LLM mode needs a language model, and none is configured. Use offline mode, or leave the mode out.";
            return false;
        }
        mode = parsed;
        return true;
    }

    private static ProblemHttpResult ThreadNotFound() => ApiGroup.NotFound("There is no such thread.");
}

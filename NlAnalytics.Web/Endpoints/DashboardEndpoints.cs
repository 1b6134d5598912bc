using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Dashboards;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>Saves an answer as a question: its SQL and source, with a title (default: the question) and a chart type (default: the answer's).</summary>
public sealed record SaveQuestionRequest(Guid? MessageId, string? Title = null, string? ChartType = null);

/// <summary>
/// A new look at a saved question: <c>chartType</c> (Line, Bar, Donut, Scatter, Kpi, Table); <c>groupBy</c> a result column, with
/// <c>period</c> (Day, Week, Month, Quarter, Year) for a date column; <c>aggregate</c> (Sum, Average, Count, Min, Max, default Sum) of
/// <c>measure</c>, a number column (Count needs none).
/// </summary>
public sealed record ExploreRequest(string? ChartType = null, string? GroupBy = null, string? Period = null, string? Measure = null, string? Aggregate = null,
    string? Title = null, Guid? DashboardId = null);

/// <summary>What an exploration runs and what it returned.</summary>
public sealed record ExplorationPreview(string Sql, CardRun Run);

/// <summary>An exploration saved as a new question, and the card it was pinned as when a dashboard was named.</summary>
public sealed record SavedExploration(SavedQuestionView Question, DashboardCardView? Card);

public sealed record CreateDashboardRequest(string? Title = null);

public sealed record UpdateDashboardRequest(string? Title = null);

/// <summary>Pins a saved question; <c>width</c> is 3, 4, 6 (default), 8 or 12 twelfths of the grid.</summary>
public sealed record AddCardRequest(Guid? QuestionId, int? Width = null);

/// <summary>The users (account e-mails) the dashboard is shared with, read-only; replaces the list.</summary>
public sealed record ShareDashboardRequest(IReadOnlyList<string>? Users);

/// <summary>
/// /api/questions and /api/dashboards: saved questions (SQL, source, chart type and title of an answer; never a frozen
/// result) and dashboards of them that run again when read. Another user's question, or a dashboard neither theirs nor
/// shared with them, answers 404; a shared one is read-only (403 on changes). A card on a source the reader may not
/// query (or outside an API key's sources) runs as <c>NoAccess</c>, without its data or SQL.
/// </summary>
public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var questions = endpoints.MapApiGroup("/api/questions").WithTags("Saved questions");
        questions.MapGet("/", ListQuestionsAsync);
        questions.MapPost("/", SaveQuestionAsync);
        questions.MapGet("/{questionId:guid}", GetQuestionAsync);
        questions.MapDelete("/{questionId:guid}", DeleteQuestionAsync);
        questions.MapGet("/{questionId:guid}/run", RunQuestionAsync);
        questions.MapPost("/{questionId:guid}/explore", ExploreAsync);
        questions.MapPost("/{questionId:guid}/explorations", SaveExplorationAsync);

        var dashboards = endpoints.MapApiGroup("/api/dashboards").WithTags("Dashboards");
        dashboards.MapGet("/", ListDashboardsAsync);
        dashboards.MapPost("/", CreateDashboardAsync);
        dashboards.MapGet("/{dashboardId:guid}", GetDashboardAsync);
        dashboards.MapPatch("/{dashboardId:guid}", UpdateDashboardAsync);
        dashboards.MapDelete("/{dashboardId:guid}", DeleteDashboardAsync);
        dashboards.MapGet("/{dashboardId:guid}/run", RunDashboardAsync);
        dashboards.MapPost("/{dashboardId:guid}/cards", AddCardAsync);
        dashboards.MapDelete("/{dashboardId:guid}/cards/{cardId:guid}", RemoveCardAsync);
        dashboards.MapGet("/{dashboardId:guid}/cards/{cardId:guid}/run", RunCardAsync);
        dashboards.MapGet("/{dashboardId:guid}/cards/{cardId:guid}/result.csv", CardCsvAsync).Produces<string>(StatusCodes.Status200OK, "text/csv");
        dashboards.MapPut("/{dashboardId:guid}/shares", ShareAsync);
        return endpoints;
    }

    // ---- Saved questions ---------------------------------------------------------------------------

    private static async Task<Ok<IReadOnlyList<SavedQuestionView>>> ListQuestionsAsync(ClaimsPrincipal user, SavedQuestions questions, CancellationToken cancellationToken) =>
        TypedResults.Ok(await questions.ListAsync(user.UserId(), user.SourceScope(), cancellationToken));

    private static async Task<Results<Created<SavedQuestionView>, ProblemHttpResult, ValidationProblem>> SaveQuestionAsync(
        ClaimsPrincipal user, JsonBody<SaveQuestionRequest> body, SavedQuestions questions, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (request.MessageId is not { } messageId)
            return ApiGroup.Invalid("messageId", "Name the answer to save (its message id).");
        if (!TryKind(request.ChartType, out var kind))
            return ApiGroup.Invalid("chartType", KindError(request.ChartType));
        return await RefusalsAsync<Created<SavedQuestionView>>(async () =>
        {
            var saved = await questions.SaveFromMessageAsync(user.UserId(), messageId, request.Title, kind, user.SourceScope(), cancellationToken);
            return TypedResults.Created($"/api/questions/{saved.Id}", saved);
        });
    }

    private static async Task<Results<Ok<SavedQuestionView>, ProblemHttpResult>> GetQuestionAsync(
        ClaimsPrincipal user, Guid questionId, SavedQuestions questions, CancellationToken cancellationToken) =>
        await questions.FindAsync(user.UserId(), questionId, user.SourceScope(), cancellationToken) is { } question
            ? TypedResults.Ok(question)
            : ApiGroup.NotFound(SavedQuestions.NotFoundMessage);

    /// <summary>Deletes the saved question and the cards that show it.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteQuestionAsync(
        ClaimsPrincipal user, Guid questionId, SavedQuestions questions, CancellationToken cancellationToken) =>
        await questions.DeleteAsync(user.UserId(), questionId, user.SourceScope(), cancellationToken)
            ? TypedResults.NoContent()
            : ApiGroup.NotFound(SavedQuestions.NotFoundMessage);

    /// <summary>Runs the saved question now, from the result cache unless <c>refresh=true</c>.</summary>
    private static async Task<Results<Ok<CardRun>, ProblemHttpResult>> RunQuestionAsync(
        ClaimsPrincipal user, Guid questionId, bool? refresh, SavedQuestions questions, CancellationToken cancellationToken) =>
        await questions.RunAsync(user.UserId(), questionId, refresh ?? false, user.SourceScope(), cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : ApiGroup.NotFound(SavedQuestions.NotFoundMessage);

    /// <summary>Runs an exploration of the saved question without saving it: the SQL it runs and its result.</summary>
    private static async Task<Results<Ok<ExplorationPreview>, ProblemHttpResult, ValidationProblem>> ExploreAsync(
        ClaimsPrincipal user, Guid questionId, JsonBody<ExploreRequest> body, SavedQuestions questions, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (Exploration(request, out var error) is not { } exploration)
            return ApiGroup.Invalid(error.Field, error.Message);
        return await RefusalsAsync<Ok<ExplorationPreview>>(async () =>
            await questions.ExploreAsync(user.UserId(), questionId, exploration, user.SourceScope(), cancellationToken) is { } explored
                ? TypedResults.Ok(new ExplorationPreview(explored.Sql, explored.Run))
                : throw new ConversationException(ConversationProblem.NotFound, SavedQuestions.NotFoundMessage));
    }

    /// <summary>Saves an exploration as a new saved question; with <c>dashboardId</c> (one of yours) it is pinned there as a card too.</summary>
    private static async Task<Results<Created<SavedExploration>, ProblemHttpResult, ValidationProblem>> SaveExplorationAsync(
        ClaimsPrincipal user, Guid questionId, JsonBody<ExploreRequest> body, SavedQuestions questions, DashboardService dashboards, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (Exploration(request, out var error) is not { } exploration)
            return ApiGroup.Invalid(error.Field, error.Message);
        var userId = user.UserId();
        return await RefusalsAsync<Created<SavedExploration>>(async () =>
        {
            // The dashboard is checked first, so a refused card leaves no question behind.
            if (request.DashboardId is { } dashboardId && (await dashboards.FindAsync(userId, dashboardId, cancellationToken))?.IsOwner != true)
                throw new ConversationException(ConversationProblem.Invalid, DashboardService.NotFoundMessage, "dashboardId");
            var saved = await questions.SaveExplorationAsync(userId, questionId, exploration, request.Title, user.SourceScope(), cancellationToken)
                ?? throw new ConversationException(ConversationProblem.NotFound, SavedQuestions.NotFoundMessage);
            var card = request.DashboardId is { } target ? await dashboards.AddCardAsync(userId, target, saved.Id, null, user.SourceScope(), cancellationToken) : null;
            return TypedResults.Created($"/api/questions/{saved.Id}", new SavedExploration(saved, card));
        });
    }

    // ---- Dashboards --------------------------------------------------------------------------------

    /// <summary>Your dashboards and those shared with you (<c>isOwner</c> false).</summary>
    private static async Task<Ok<IReadOnlyList<DashboardSummary>>> ListDashboardsAsync(ClaimsPrincipal user, DashboardService dashboards, CancellationToken cancellationToken) =>
        TypedResults.Ok(await dashboards.ListAsync(user.UserId(), cancellationToken));

    private static async Task<Results<Created<DashboardView>, ProblemHttpResult, ValidationProblem>> CreateDashboardAsync(
        ClaimsPrincipal user, JsonBody<CreateDashboardRequest> body, DashboardService dashboards, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        var dashboard = await dashboards.CreateAsync(user.UserId(), request.Title, cancellationToken);
        return TypedResults.Created($"/api/dashboards/{dashboard.Id}", dashboard);
    }

    private static async Task<Results<Ok<DashboardView>, ProblemHttpResult>> GetDashboardAsync(
        ClaimsPrincipal user, Guid dashboardId, DashboardService dashboards, CancellationToken cancellationToken) =>
        await dashboards.FindAsync(user.UserId(), dashboardId, cancellationToken) is { } dashboard
            ? TypedResults.Ok(dashboard)
            : ApiGroup.NotFound(DashboardService.NotFoundMessage);

    private static async Task<Results<Ok<DashboardView>, ProblemHttpResult, ValidationProblem>> UpdateDashboardAsync(
        ClaimsPrincipal user, Guid dashboardId, JsonBody<UpdateDashboardRequest> body, DashboardService dashboards, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        return await RefusalsAsync<Ok<DashboardView>>(async () => TypedResults.Ok(await dashboards.RenameAsync(user.UserId(), dashboardId, request.Title, cancellationToken)));
    }

    /// <summary>Deletes the dashboard; its saved questions stay.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> DeleteDashboardAsync(
        ClaimsPrincipal user, Guid dashboardId, DashboardService dashboards, CancellationToken cancellationToken) =>
        await RefusalsAsync<NoContent>(async () =>
        {
            await dashboards.DeleteAsync(user.UserId(), dashboardId, cancellationToken);
            return TypedResults.NoContent();
        });

    /// <summary>
    /// Every card run for you, in order, each with its status, rows, chart and the time its data was read; from the result
    /// cache unless <c>refresh=true</c>. One card's failure or missing access never stops the others.
    /// </summary>
    private static async Task<Results<Ok<DashboardRun>, ProblemHttpResult>> RunDashboardAsync(
        ClaimsPrincipal user, Guid dashboardId, bool? refresh, DashboardService dashboards, CancellationToken cancellationToken) =>
        await dashboards.RunAsync(user.UserId(), dashboardId, refresh ?? false, user.SourceScope(), cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : ApiGroup.NotFound(DashboardService.NotFoundMessage);

    private static async Task<Results<Created<DashboardCardView>, ProblemHttpResult, ValidationProblem>> AddCardAsync(
        ClaimsPrincipal user, Guid dashboardId, JsonBody<AddCardRequest> body, DashboardService dashboards, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (request.QuestionId is not { } questionId)
            return ApiGroup.Invalid("questionId", "Name the saved question to pin (its id).");
        return await RefusalsAsync<Created<DashboardCardView>>(async () =>
        {
            var card = await dashboards.AddCardAsync(user.UserId(), dashboardId, questionId, request.Width, user.SourceScope(), cancellationToken);
            return TypedResults.Created($"/api/dashboards/{dashboardId}/cards/{card.Id}/run", card);
        });
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> RemoveCardAsync(
        ClaimsPrincipal user, Guid dashboardId, Guid cardId, DashboardService dashboards, CancellationToken cancellationToken) =>
        await RefusalsAsync<NoContent>(async () => await dashboards.RemoveCardAsync(user.UserId(), dashboardId, cardId, cancellationToken)
            ? TypedResults.NoContent()
            : throw new ConversationException(ConversationProblem.NotFound, "There is no such card."));

    private static async Task<Results<Ok<CardRun>, ProblemHttpResult>> RunCardAsync(
        ClaimsPrincipal user, Guid dashboardId, Guid cardId, bool? refresh, DashboardService dashboards, CancellationToken cancellationToken) =>
        await dashboards.RunCardAsync(user.UserId(), dashboardId, cardId, refresh ?? false, user.SourceScope(), cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : ApiGroup.NotFound("There is no such card.");

    /// <summary>The card's result as CSV (text a spreadsheet would run as a formula is defused), run as <c>/run</c> runs it; 403 without access to its source.</summary>
    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> CardCsvAsync(
        ClaimsPrincipal user, Guid dashboardId, Guid cardId, bool? refresh, DashboardService dashboards, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await dashboards.RunCardAsync(user.UserId(), dashboardId, cardId, refresh ?? false, user.SourceScope(), cancellationToken) is not { } run)
            return ApiGroup.NotFound("There is no such card.");
        if (run.Status == CardStatus.NoAccess)
            return TypedResults.Problem(run.Error, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");
        if (run.Result is not { } result)
            return TypedResults.Problem(run.Error, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The card's query failed");
        if (result.Truncated)
            response.Headers["X-Result-Truncated"] = "true";
        return TypedResults.Stream(stream => MessageEndpoints.WriteCsvAsync(stream, result, cancellationToken), MessageEndpoints.CsvContentType,
            Components.Pages.Chat.ResultCsv.FileName(run.Title, "csv"));
    }

    private static async Task<Results<Ok<DashboardView>, ProblemHttpResult, ValidationProblem>> ShareAsync(
        ClaimsPrincipal user, Guid dashboardId, JsonBody<ShareDashboardRequest> body, DashboardService dashboards, CancellationToken cancellationToken)
    {
        if (body.Value is not { } request)
            return ApiGroup.Invalid("body", body.Error!);
        if (request.Users is not { } users)
            return ApiGroup.Invalid("users", "List the e-mail addresses to share with (an empty list shares with nobody).");
        return await RefusalsAsync<Ok<DashboardView>>(async () => TypedResults.Ok(await dashboards.ShareAsync(user.UserId(), dashboardId, users, cancellationToken)));
    }

    // ---- Helpers -----------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="action"/>, turning the services' refusals into 400 (a field), 403 or 404.</summary>
    private static async Task<Results<T, ProblemHttpResult, ValidationProblem>> RefusalsAsync<T>(Func<Task<T>> action) where T : IResult
    {
        try
        {
            return await action();
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

    private static Exploration? Exploration(ExploreRequest request, out (string Field, string Message) error)
    {
        error = default;
        if (!TryKind(request.ChartType, out var kind))
        {
            error = ("chartType", KindError(request.ChartType));
            return null;
        }
        ExplorationPeriod? period = null;
        if (!string.IsNullOrWhiteSpace(request.Period))
        {
            if (!Enum.TryParse<ExplorationPeriod>(request.Period.Trim(), ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                error = ("period", $"Unknown period '{request.Period}'. Use {string.Join(", ", Enum.GetNames<ExplorationPeriod>())}.");
                return null;
            }
            period = parsed;
        }
        var aggregate = ExplorationAggregate.Sum;
        if (!string.IsNullOrWhiteSpace(request.Aggregate)
            && (!Enum.TryParse(request.Aggregate.Trim(), ignoreCase: true, out aggregate) || !Enum.IsDefined(aggregate)))
        {
            error = ("aggregate", $"Unknown aggregate '{request.Aggregate}'. Use {string.Join(", ", Enum.GetNames<ExplorationAggregate>())}.");
            return null;
        }
        return new Exploration(kind, Blank(request.GroupBy), period, Blank(request.Measure), aggregate);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static bool TryKind(string? text, out ChartKind? kind)
    {
        kind = null;
        if (string.IsNullOrWhiteSpace(text))
            return true;
        if (Enum.TryParse<ChartKind>(text.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            kind = parsed;
        return kind is not null;
    }

    private static string KindError(string? text) => $"Unknown chart type '{text}'. Use {string.Join(", ", Enum.GetNames<ChartKind>())}.";
}

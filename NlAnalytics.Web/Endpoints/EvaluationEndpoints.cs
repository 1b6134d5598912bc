using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Web.Extensions;
using NlAnalytics.Web.Security;

namespace NlAnalytics.Web.Endpoints;

/// <summary>
/// /api/evaluation: the evaluation workspace for scripts, Admins only (403 for an analyst, and for an API key limited to
/// some sources: a run and an export read a source's data outside any thread). The same <see cref="EvaluationRuns"/> and
/// <see cref="EvaluationExports"/> as the page /admin/evaluation.
/// </summary>
public static class EvaluationEndpoints
{
    public const string JsonLinesContentType = "application/x-ndjson; charset=utf-8";

    public static IEndpointRouteBuilder MapEvaluationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapApiGroup("/api/evaluation").WithTags("Evaluation")
            .RequireAuthorization(WebServiceExtensions.AdminRole)
            .AddEndpointFilter(ApiKeyScope.RefuseScoped("The evaluation workspace needs an API key without a source list (it reads sources outside threads)."));
        group.MapGet("/sets", async (EvaluationRuns runs, CancellationToken ct) => TypedResults.Ok(await runs.ShippedSetsAsync(ct)));
        group.MapGet("/runs", async (EvaluationRuns runs, CancellationToken ct) => TypedResults.Ok(await runs.ListAsync(ct)));
        group.MapPost("/runs", StartAsync);
        group.MapGet("/runs/{runId:guid}", GetAsync);
        group.MapPost("/runs/{runId:guid}/stop", StopAsync);
        group.MapGet("/compare", CompareAsync);
        group.MapGet("/exports/{name}/questions.jsonl", QuestionSetAsync).Produces<string>(StatusCodes.Status200OK, "application/x-ndjson");
        group.MapGet("/exports/{name}/fine-tuning.jsonl", FineTuningAsync).Produces<string>(StatusCodes.Status200OK, "application/x-ndjson");
        return endpoints;
    }

    /// <summary>
    /// Queues a run: <c>shippedSet</c> (a file of <c>GET /api/evaluation/sets</c>) or <c>setName</c> and <c>setText</c> (JSONL, the
    /// format of the <c>eval</c> verb), <c>dataSource</c>, <c>mode</c> (Offline, Llm or Hybrid) and, for a model, <c>model</c>
    /// (default: the SQL writer's). 400 names the field; a set's error names its line.
    /// </summary>
    private static async Task<Results<Created<EvaluationRunView>, ValidationProblem>> StartAsync(
        ClaimsPrincipal user, EvaluationRunRequest? body, EvaluationRuns runs, CancellationToken cancellationToken)
    {
        try
        {
            var run = await runs.StartAsync(body ?? new EvaluationRunRequest(null, null, null, null, null, null), user.UserId(),
                user.Identity?.Name ?? user.UserId(), cancellationToken);
            return TypedResults.Created($"/api/evaluation/runs/{run.Id}", run);
        }
        catch (EvaluationRequestException e)
        {
            return ApiGroup.Invalid(e.Field ?? "request", e.Message);
        }
    }

    /// <summary>A run with its report (over the questions done so far while it runs) and every question with both SQL texts and the first rows of both results.</summary>
    private static async Task<Results<Ok<EvaluationRunDetail>, ProblemHttpResult>> GetAsync(Guid runId, EvaluationRuns runs, CancellationToken cancellationToken) =>
        await runs.GetAsync(runId, cancellationToken) is { } run ? TypedResults.Ok(run) : ApiGroup.NotFound("There is no evaluation run with that id.");

    /// <summary>Stops a run (a queued one at once, a running one after its current question); 202: read the run until its status is Stopped.</summary>
    private static async Task<Results<Accepted, ProblemHttpResult>> StopAsync(Guid runId, EvaluationRuns runs, CancellationToken cancellationToken) =>
        await runs.StopAsync(runId, cancellationToken) ? TypedResults.Accepted($"/api/evaluation/runs/{runId}") : ApiGroup.NotFound("There is no evaluation run with that id.");

    /// <summary>Two runs side by side: both reports, and per question what got better, worse or stayed (<c>before</c> and <c>after</c> are run ids).</summary>
    private static async Task<Results<Ok<EvaluationComparison>, ProblemHttpResult>> CompareAsync(
        Guid before, Guid after, EvaluationRuns runs, CancellationToken cancellationToken) =>
        await runs.CompareAsync(before, after, cancellationToken) is { } comparison
            ? TypedResults.Ok(comparison)
            : ApiGroup.NotFound("There is no evaluation run with one of those ids.");

    /// <summary>The source's verified question/SQL pairs as a JSONL question set (what the <c>eval</c> verb and a run read).</summary>
    private static Task<Results<FileContentHttpResult, ProblemHttpResult>> QuestionSetAsync(string name, EvaluationExports exports, CancellationToken cancellationToken) =>
        ExportAsync(() => exports.QuestionSetAsync(name, cancellationToken), $"{name}-verified-questions.jsonl");

    /// <summary>The same pairs as chat-format JSONL for fine-tuning: system (instructions and the schema of the tables read), user (question), assistant (SQL).</summary>
    private static Task<Results<FileContentHttpResult, ProblemHttpResult>> FineTuningAsync(string name, EvaluationExports exports, CancellationToken cancellationToken) =>
        ExportAsync(() => exports.FineTuningAsync(name, cancellationToken), $"{name}-fine-tuning.jsonl");

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(Func<Task<string>> export, string fileName)
    {
        try
        {
            return TypedResults.File(Encoding.UTF8.GetBytes(await export()), JsonLinesContentType, fileName);
        }
        catch (EvaluationRequestException e) when (e.NotFound)
        {
            return ApiGroup.NotFound(e.Message);
        }
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Samples;

namespace NlAnalytics.Core.Evaluation;

public enum EvaluationRunStatus
{
    /// <summary>Waiting for the run before it to end (one run at a time).</summary>
    Queued,
    Running,
    /// <summary>Every question was asked and scored.</summary>
    Finished,
    /// <summary>Stopped by an Admin; the report covers the questions it finished.</summary>
    Stopped,
    /// <summary>Ended by an error (the source went away, say); the report covers the questions it finished.</summary>
    Failed,
    /// <summary>The app stopped while it ran or waited; the report covers the questions it finished.</summary>
    Interrupted,
}

/// <summary>What to run: a set the app ships (<see cref="ShippedSet"/>, a file name) or an uploaded one (<see cref="SetName"/> and <see cref="SetText"/>, JSONL).</summary>
public sealed record EvaluationRunRequest(string? ShippedSet, string? SetName, string? SetText, string? DataSource, string? Mode, string? Model);

/// <summary>A run as lists show it; <see cref="Summary"/> is the report once the run ended.</summary>
public sealed record EvaluationRunView(
    Guid Id,
    string SetName,
    string SetHash,
    string DataSource,
    AnalysisMode Mode,
    string? Model,
    string StartedBy,
    EvaluationRunStatus Status,
    int Total,
    int Done,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Message,
    EvaluationSummary? Summary);

/// <summary>One question of a run: how it was scored, what it cost, its SQL and the gold SQL, and the first rows of both results.</summary>
public sealed record EvaluationCaseView(
    int Position,
    string Id,
    string Question,
    string? Tier,
    IReadOnlyList<string> Tags,
    string? FollowupOf,
    string? GoldSql,
    string? GeneratedSql,
    CaseOutcome Outcome,
    string? Detail,
    bool Valid,
    bool Right,
    bool Declined,
    bool AnsweredWrong,
    double Confidence,
    double GenerationMs,
    double AnswerMs,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    ResultSnapshot? GoldRows,
    ResultSnapshot? GeneratedRows);

/// <summary>A run with its report (over the questions done so far while it runs) and every question.</summary>
public sealed record EvaluationRunDetail(EvaluationRunView Run, EvaluationSummary Summary, IReadOnlyList<EvaluationCaseView> Cases);

/// <summary>A question set the app ships (benchmarks/dev), to pick instead of uploading one.</summary>
public sealed record ShippedQuestionSet(string Name, int Questions);

/// <summary>A request the workspace refuses; <see cref="Field"/> names the request field at fault, when one is.</summary>
public sealed class EvaluationRequestException(string message, string? field = null, bool notFound = false) : Exception(message)
{
    public string? Field { get; } = field;
    public bool NotFound { get; } = notFound;
}

/// <summary>
/// The evaluation workspace's runs, kept in the app database: start (validated, queued), list, read with the report,
/// stop, and the worker's side (run the next one, recover after a restart). One run at a time per instance, in the
/// background (<see cref="EvaluationWorker"/>); each question is stored the moment it is scored, so a Stop, a failure or
/// a crash keeps what was done. The page and /api/evaluation call the same methods.
/// </summary>
public sealed partial class EvaluationRuns(
    IDbContextFactory<AppDbContext> contexts,
    IDataSourceRegistry sources,
    IAgentLlm llm,
    AnswerLeases leases,
    SampleSources samples,
    IOptions<EvaluationOptions> options,
    TimeProvider clock,
    ILogger<EvaluationRuns> logger)
{
    /// <summary>Rows of each result kept with a question (the page shows them side by side).</summary>
    public const int FirstRows = 5;

    /// <summary>The largest question set accepted (characters of JSONL).</summary>
    public const int MaxSetCharacters = 5_000_000;

    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    /// <summary>Raised (on the worker's thread) when a run starts, scores a question or ends: pages refresh on it.</summary>
    public event Action<Guid>? Changed;

    /// <summary>The sets in <c>Evaluation:ShippedSetsFolder</c> (benchmarks/dev), by file name.</summary>
    public async Task<IReadOnlyList<ShippedQuestionSet>> ShippedSetsAsync(CancellationToken cancellationToken)
    {
        if (options.Value.ShippedSetsFolder is not { } folder || !Directory.Exists(folder))
            return [];
        var sets = new List<ShippedQuestionSet>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.jsonl").Order(StringComparer.Ordinal))
        {
            var set = EvaluationSet.Parse(await File.ReadAllTextAsync(path, cancellationToken), Path.GetFileName(path));
            sets.Add(new ShippedQuestionSet(set.Name, set.Cases.Count));
        }
        return sets;
    }

    /// <summary>
    /// The sources a run may use: every registered one (Admins may query all), then the public samples the shipped sets were
    /// written for (Chinook, Northwind, the benchmark demo), loaded on the first run that needs them.
    /// </summary>
    public IReadOnlyList<(string Name, string DisplayName)> SourceChoices() =>
    [
        .. sources.All.Select(s => (s.Name, s.DisplayName)),
        .. SampleSources.Names.Where(name => !sources.All.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)))
            .Select(name => (name, $"{name} (sample, loaded on first use)")),
    ];

    /// <summary>Validates <paramref name="request"/> (the set line by line, the source, the mode and model) and queues the run.</summary>
    public async Task<EvaluationRunView> StartAsync(EvaluationRunRequest request, string userId, string userName, CancellationToken cancellationToken)
    {
        var (name, text) = await ReadSetAsync(request, cancellationToken);
        EvaluationSet set;
        try
        {
            set = EvaluationSet.Parse(text, name);
        }
        catch (EvaluationSetFormatException e)
        {
            throw new EvaluationRequestException(e.Message, request.ShippedSet is null ? "setText" : "shippedSet");
        }
        if (string.IsNullOrWhiteSpace(request.DataSource))
            throw new EvaluationRequestException("Choose the data source to run the questions against.", "dataSource");
        var sourceName = SourceChoices().Select(c => c.Name).FirstOrDefault(n => string.Equals(n, request.DataSource.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new EvaluationRequestException($"There is no data source named \"{request.DataSource.Trim()}\".", "dataSource");
        AnalysisMode mode;
        try
        {
            mode = EvaluationRunner.ParseMode(request.Mode ?? "");
        }
        catch (ArgumentException)
        {
            throw new EvaluationRequestException("The mode must be Offline, Llm or Hybrid.", "mode");
        }
        string? model = null;
        if (mode != AnalysisMode.Offline)
        {
            if (!llm.IsConfigured)
                throw new EvaluationRequestException("No language model is configured (Llm:Endpoint is empty): only Offline runs are possible.", "mode");
            model = string.IsNullOrWhiteSpace(request.Model) ? llm.ModelFor(AgentNames.SqlWriter) : request.Model.Trim();
            if (model.Length > 200)
                throw new EvaluationRequestException("The model name is longer than 200 characters.", "model");
        }

        var row = new EvaluationRunRow
        {
            Id = Guid.CreateVersion7(),
            SetName = name.Length > 200 ? name[..200] : name,
            SetHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))),
            SetText = text,
            DataSource = sourceName,
            Mode = mode.ToString(),
            Model = model,
            StartedById = userId,
            StartedBy = userName,
            Status = nameof(EvaluationRunStatus.Queued),
            Total = set.Cases.Count,
            CreatedAt = clock.GetUtcNow(),
        };
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken))
        {
            context.EvaluationRuns.Add(row);
            await context.SaveChangesAsync(cancellationToken);
        }
        await _queue.Writer.WriteAsync(row.Id, cancellationToken);
        LogQueued(logger, row.Id, row.SetName, row.DataSource, row.Mode);
        return View(row);
    }

    public async Task<IReadOnlyList<EvaluationRunView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.EvaluationRuns.AsNoTracking().OrderByDescending(r => r.CreatedAt).Take(200).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    /// <summary>A run, its report (the stored one once it ended, the questions so far while it runs) and its questions; null when there is none.</summary>
    public async Task<EvaluationRunDetail?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await context.EvaluationRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null)
            return null;
        var cases = await context.EvaluationCases.AsNoTracking().Where(c => c.RunId == id).OrderBy(c => c.Position).ToListAsync(cancellationToken);
        var view = View(row);
        var summary = view.Summary ?? Summarise(row, cases);
        return new EvaluationRunDetail(view, summary, [.. cases.Select(CaseView)]);
    }

    /// <summary>Two runs compared question by question; null when either does not exist.</summary>
    public async Task<EvaluationComparison?> CompareAsync(Guid before, Guid after, CancellationToken cancellationToken) =>
        await GetAsync(before, cancellationToken) is { } first && await GetAsync(after, cancellationToken) is { } second
            ? EvaluationComparison.Of(first, second)
            : null;

    /// <summary>Stops a run: a queued one at once, a running one after the question it is on (which is not kept). False when there is no such run.</summary>
    public async Task<bool> StopAsync(Guid id, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(id, out var running))
        {
            await running.CancelAsync();
            return true;
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await context.EvaluationRuns.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null)
            return false;
        if (row.Status == nameof(EvaluationRunStatus.Queued))
        {
            row.Status = nameof(EvaluationRunStatus.Stopped);
            row.FinishedAt = clock.GetUtcNow();
            row.Message = "Stopped before it started.";
            row.SummaryJson = AnswerJson.Serialize(Summarise(row, []));
            await context.SaveChangesAsync(cancellationToken);
            Changed?.Invoke(id);
        }
        return true;
    }

    /// <summary>
    /// At start-up: runs a previous process left queued or running (and that no other instance holds) are marked
    /// interrupted, with the report over the questions they finished.
    /// </summary>
    public async Task<int> MarkInterruptedAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var open = new[] { nameof(EvaluationRunStatus.Queued), nameof(EvaluationRunStatus.Running) };
        var ids = await context.EvaluationRuns.Where(r => open.Contains(r.Status)).Select(r => r.Id).ToListAsync(cancellationToken);
        var orphans = await leases.WithoutLiveRunnerAsync([.. ids.Where(id => !_running.ContainsKey(id))], cancellationToken);
        foreach (var id in orphans)
        {
            var row = await context.EvaluationRuns.FirstAsync(r => r.Id == id, cancellationToken);
            var cases = await context.EvaluationCases.AsNoTracking().Where(c => c.RunId == id).OrderBy(c => c.Position).ToListAsync(cancellationToken);
            row.Status = nameof(EvaluationRunStatus.Interrupted);
            row.FinishedAt = clock.GetUtcNow();
            row.Done = cases.Count;
            row.Message = $"Interrupted: the app stopped after {cases.Count} of {row.Total} questions. The report covers those {cases.Count}.";
            row.SummaryJson = AnswerJson.Serialize(Summarise(row, cases));
        }
        await context.SaveChangesAsync(cancellationToken);
        if (orphans.Count > 0)
            LogInterrupted(logger, orphans.Count);
        return orphans.Count;
    }

    /// <summary>Runs queued runs one after the other until <paramref name="stopping"/> (the worker's loop).</summary>
    internal async Task RunQueueAsync(EvaluationRunner runner, AnalystOrchestrator orchestrator, CancellationToken stopping)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stopping))
            await RunOneAsync(id, runner, orchestrator, stopping);
    }

    private async Task RunOneAsync(Guid id, EvaluationRunner runner, AnalystOrchestrator orchestrator, CancellationToken stopping)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        EvaluationRunRow row;
        await using (var context = await contexts.CreateDbContextAsync(stopping))
        {
            row = await context.EvaluationRuns.FirstAsync(r => r.Id == id, stopping);
            if (row.Status != nameof(EvaluationRunStatus.Queued))
                return;
            _running[id] = stop;
            await leases.HoldAsync(id, stopping);
            row.Status = nameof(EvaluationRunStatus.Running);
            row.StartedAt = clock.GetUtcNow();
            await context.SaveChangesAsync(stopping);
        }
        Changed?.Invoke(id);

        var done = 0;
        var status = EvaluationRunStatus.Finished;
        string? message = null;
        try
        {
            var set = EvaluationSet.Parse(row.SetText, row.SetName);
            var source = sources.All.FirstOrDefault(s => string.Equals(s.Name, row.DataSource, StringComparison.OrdinalIgnoreCase))
                ?? (SampleSources.IsSample(row.DataSource) ? await samples.EnsureAsync(row.DataSource, null, stop.Token) : sources.Resolve(row.DataSource));
            var mode = Enum.Parse<AnalysisMode>(row.Mode);
            using (LlmModelChoice.Use(row.Model))
            {
                await runner.RunAsync(set, source, mode, (request, ct) => orchestrator.AnswerAsync(request, null, ct), async (scored, ct) =>
                {
                    // A question cut short by the Stop (its model call cancelled, scored as a failure) is not kept.
                    ct.ThrowIfCancellationRequested();
                    await SaveCaseAsync(id, done, scored, ct);
                    done++;
                    Changed?.Invoke(id);
                }, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The app stopping leaves the run running here: the next start marks it interrupted.
            if (stopping.IsCancellationRequested)
                return;
            status = EvaluationRunStatus.Stopped;
            message = $"Stopped after {done} of {row.Total} questions. The report covers those {done}.";
        }
        catch (Exception e) when (e is KeyNotFoundException or EvaluationSetFormatException or SqlExecutionException or InvalidOperationException
                                      or LlmException or Npgsql.NpgsqlException or IOException)
        {
            status = EvaluationRunStatus.Failed;
            message = $"Failed after {done} of {row.Total} questions ({SecretScrubber.Scrub(e.Message)}). The report covers those {done}.";
            LogFailed(logger, id, e);
        }
        finally
        {
            _running.TryRemove(id, out _);
        }

        await using (var context = await contexts.CreateDbContextAsync(CancellationToken.None))
        {
            var ended = await context.EvaluationRuns.FirstAsync(r => r.Id == id, CancellationToken.None);
            var cases = await context.EvaluationCases.AsNoTracking().Where(c => c.RunId == id).OrderBy(c => c.Position).ToListAsync(CancellationToken.None);
            ended.Status = status.ToString();
            ended.Done = cases.Count;
            ended.FinishedAt = clock.GetUtcNow();
            ended.Message = message;
            ended.SummaryJson = AnswerJson.Serialize(Summarise(ended, cases));
            await context.SaveChangesAsync(CancellationToken.None);
        }
        await leases.ReleaseAsync(id);
        LogEnded(logger, id, status, done);
        Changed?.Invoke(id);
    }

    private async Task SaveCaseAsync(Guid runId, int position, EvaluatedCase scored, CancellationToken cancellationToken)
    {
        var r = scored.Result;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.EvaluationCases.Add(new EvaluationCaseRow
        {
            RunId = runId,
            Position = position,
            CaseId = r.Id,
            Question = r.Question,
            Tier = r.Tier,
            Tags = [.. r.Tags],
            FollowupOf = r.FollowupOf,
            HistoryTurns = r.HistoryTurns,
            GoldSql = r.GoldSql,
            GeneratedSql = r.GeneratedSql,
            StandaloneQuestion = r.StandaloneQuestion,
            Outcome = r.Outcome.ToString(),
            Detail = r.Detail,
            Valid = r.Valid,
            Right = r.Outcome is CaseOutcome.Correct or CaseOutcome.DeclinedCorrectly,
            Declined = r.Declined,
            AnsweredWrong = r.Outcome is CaseOutcome.Incorrect or CaseOutcome.Invalid or CaseOutcome.AnsweredUnanswerable,
            Confidence = r.Confidence,
            GenerationMs = r.GenerationMs,
            AnswerMs = r.AnswerMs,
            InputTokens = r.InputTokens,
            OutputTokens = r.OutputTokens,
            CostUsd = r.CostUsd,
            Path = r.Path,
            GoldTables = [.. r.GoldTables],
            RetrievedTables = [.. r.RetrievedTables],
            RetrievalRecall = r.RetrievalRecall,
            GoldRowsJson = FirstRowsJson(scored.Gold),
            GeneratedRowsJson = FirstRowsJson(scored.Generated),
        });
        await context.EvaluationRuns.Where(run => run.Id == runId).ExecuteUpdateAsync(set => set.SetProperty(run => run.Done, position + 1), cancellationToken);
        await context.SaveChangesAsync(cancellationToken);
    }

    private static string? FirstRowsJson(QueryResult? result)
    {
        if (result is null)
            return null;
        var first = ResultSnapshot.From(result with { Rows = [.. result.Rows.Take(FirstRows)] });
        return AnswerJson.Serialize(first with { Truncated = result.Truncated || result.Rows.Count > FirstRows, RowsRead = result.Rows.Count });
    }

    private async Task<(string Name, string Text)> ReadSetAsync(EvaluationRunRequest request, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(request.ShippedSet))
        {
            var wanted = request.ShippedSet.Trim();
            var folder = options.Value.ShippedSetsFolder;
            // Only a plain file name of the folder: never a path a request could point elsewhere with.
            var path = folder is null || wanted != Path.GetFileName(wanted) ? null : Path.Combine(folder, wanted);
            if (path is null || !wanted.EndsWith(".jsonl", StringComparison.Ordinal) || !File.Exists(path))
                throw new EvaluationRequestException($"The app ships no question set named \"{wanted}\".", "shippedSet");
            return (wanted, await File.ReadAllTextAsync(path, cancellationToken));
        }
        if (string.IsNullOrWhiteSpace(request.SetText))
            throw new EvaluationRequestException("Upload a JSONL question set or pick one the app ships.", "setText");
        if (request.SetText.Length > MaxSetCharacters)
            throw new EvaluationRequestException($"The question set is larger than {MaxSetCharacters:N0} characters.", "setText");
        var name = string.IsNullOrWhiteSpace(request.SetName) ? "uploaded.jsonl" : Path.GetFileName(request.SetName.Trim());
        return (name, request.SetText);
    }

    private static EvaluationRunView View(EvaluationRunRow row) => new(
        row.Id, row.SetName, row.SetHash, row.DataSource, Enum.Parse<AnalysisMode>(row.Mode), row.Model, row.StartedBy,
        Enum.Parse<EvaluationRunStatus>(row.Status), row.Total, row.Done, row.CreatedAt, row.StartedAt, row.FinishedAt, row.Message,
        AnswerJson.Deserialize<EvaluationSummary>(row.SummaryJson));

    private static EvaluationSummary Summarise(EvaluationRunRow row, IReadOnlyList<EvaluationCaseRow> cases)
    {
        var started = row.StartedAt ?? row.CreatedAt;
        var duration = (row.FinishedAt ?? started) - started;
        return EvaluationRunner.Summarise(row.SetName, row.DataSource, Enum.Parse<AnalysisMode>(row.Mode), started, duration, [.. cases.Select(ToResult)]);
    }

    internal static CaseResult ToResult(EvaluationCaseRow c) => new(
        c.CaseId, c.Question, c.Tier, c.Tags, c.FollowupOf, c.HistoryTurns, c.GoldSql, c.GeneratedSql, c.StandaloneQuestion,
        Enum.Parse<CaseOutcome>(c.Outcome), c.Detail, c.GenerationMs, c.InputTokens, c.OutputTokens, c.CostUsd, c.Path,
        c.GoldTables, c.RetrievedTables, c.RetrievalRecall, c.Confidence, c.AnswerMs);

    private static EvaluationCaseView CaseView(EvaluationCaseRow c) => new(
        c.Position, c.CaseId, c.Question, c.Tier, c.Tags, c.FollowupOf, c.GoldSql, c.GeneratedSql, Enum.Parse<CaseOutcome>(c.Outcome), c.Detail,
        c.Valid, c.Right, c.Declined, c.AnsweredWrong, c.Confidence, c.GenerationMs, c.AnswerMs, c.InputTokens, c.OutputTokens, c.CostUsd,
        AnswerJson.Deserialize<ResultSnapshot>(c.GoldRowsJson), AnswerJson.Deserialize<ResultSnapshot>(c.GeneratedRowsJson));

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation run {Id} queued: {Set} on {Source}, mode {Mode}")]
    private static partial void LogQueued(ILogger logger, Guid id, string set, string source, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation run {Id} ended {Status} after {Done} questions")]
    private static partial void LogEnded(ILogger logger, Guid id, EvaluationRunStatus status, int done);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluation run {Id} failed")]
    private static partial void LogFailed(ILogger logger, Guid id, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} evaluation runs left open by a previous process were marked interrupted")]
    private static partial void LogInterrupted(ILogger logger, int count);
}

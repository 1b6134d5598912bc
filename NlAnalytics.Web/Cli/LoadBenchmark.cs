using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Web.Endpoints;

namespace NlAnalytics.Web.Cli;

/// <summary>
/// A question mix for the load benchmark (benchmarks/load/*.json): the same questions for every analyst, or
/// templates whose <c>{n}</c> gets a number no other question of the run uses, so that no two share SQL.
/// </summary>
public sealed record LoadQuestionSet(string Name, string Source, string Warmup, IReadOnlyList<string> Questions)
{
    public const string Placeholder = "{n}";

    /// <summary>Whether every analyst gets questions of their own (the templates carry <see cref="Placeholder"/>).</summary>
    public bool Distinct => Questions.Any(q => q.Contains(Placeholder, StringComparison.Ordinal));

    /// <summary>The questions of one analyst; <paramref name="firstNumber"/> is the first of the numbers reserved for them.</summary>
    public IReadOnlyList<string> For(int firstNumber) =>
        [.. Questions.Select((q, i) => q.Replace(Placeholder, (firstNumber + i).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))];

    public static async Task<LoadQuestionSet> LoadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var file = await JsonSerializer.DeserializeAsync<QuestionFile>(stream, AnswerJson.Options, cancellationToken)
                   ?? throw new ArgumentException($"{path} is empty.");
        if (file.Questions is not { Count: > 0 } questions || questions.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException($"{path} needs \"questions\": a list of questions (templates may use {Placeholder}).");
        return new LoadQuestionSet(Path.GetFileNameWithoutExtension(path), file.Source ?? ConversationService.DemoSourceName,
            file.Warmup ?? questions[0].Replace(Placeholder, "1", StringComparison.Ordinal), questions);
    }

    private sealed record QuestionFile(string? Source, string? Warmup, List<string>? Questions);
}

/// <summary>What the load benchmark measures.</summary>
/// <param name="BaseAddress">The app to measure.</param>
/// <param name="Questions">What the analysts ask.</param>
/// <param name="Analysts">The levels: how many analysts at once.</param>
/// <param name="Mode">offline, llm or hybrid.</param>
/// <param name="QueriesAlone">Runs the answers' SQL straight against the source, without the app (null: not measured, e.g. a remote app).</param>
/// <param name="SamplesPath">A JSON-lines file each answer is appended to (its level, time, outcome and split), for profiling; null: none.</param>
public sealed record LoadBenchmarkRequest(Uri BaseAddress, LoadQuestionSet Questions, IReadOnlyList<int> Analysts, string Mode = "offline",
    QueriesAloneRunner? QueriesAlone = null, string? SamplesPath = null);

/// <summary>One answer as the analyst saw it: Send to finished, and where the server says the time went.</summary>
public sealed record LoadSample(string Question, string Outcome, double TotalMs, StepTimes? Steps, double? AppDatabaseMs, string? Sql = null);

/// <summary>One level of the benchmark: how many analysts asked at once and what they got.</summary>
public sealed record LoadLevel(int Analysts, int Asked, IReadOnlyList<LoadSample> Samples, double WallSeconds, string LoadAverage)
{
    /// <summary>
    /// The cold round: one analyst asking every question of the mix once, before the levels, each question new to the
    /// process (encoding, first draft, first run). Printed on its own row and left out of the levels.
    /// </summary>
    public bool Cold { get; init; }

    public string Label => Cold ? $"{Analysts} (cold round)" : Analysts.ToString(CultureInfo.InvariantCulture);

    /// <summary>The same SQL run straight against the source at the same concurrency, no app (distinct mix only).</summary>
    public QueriesAlone? Alone { get; init; }

    public const string Answered = "answered";
    public const string Refused = "refused (429)";

    public int Answers => Samples.Count(s => s.Outcome == Answered);
    public int Refusals => Samples.Count(s => s.Outcome == Refused);
    public int Failures => Asked - Answers - Refusals;
    public double AnswersPerSecond => WallSeconds > 0 ? Answers / WallSeconds : 0;

    private IEnumerable<LoadSample> Done => Samples.Where(s => s.Outcome == Answered);

    public double TotalPercentile(double p) => LoadReport.Percentile(Done.Select(s => s.TotalMs), p);

    /// <summary>The median of one part of the answers' time (a step, "app database", "own work" or "other").</summary>
    public double PartMedian(string part) => LoadReport.Percentile(Done.Select(s => LoadReport.Part(s, part)), 0.5);
}

/// <summary>The benchmark's outcome, level by level, as a table for people.</summary>
public sealed record LoadReport(string Questions, string Mode, IReadOnlyList<LoadLevel> Levels)
{
    public const string AppDatabase = "app database";

    /// <summary>Everything the product itself did: every step but the query's execution, plus the app database.</summary>
    public const string OwnWork = "own work";

    /// <summary>What the steps do not account for: HTTP, queueing for threads, connections and the thread's turn.</summary>
    public const string Other = "other";

    public static readonly IReadOnlyList<string> Parts =
        [.. StepTimes.Steps, StepTimes.Queued, AppDatabase, OwnWork, Other];

    public static double Part(LoadSample sample, string part)
    {
        var steps = sample.Steps;
        var stepsTotal = steps?.Milliseconds.Values.Sum() ?? 0;
        var appDatabase = sample.AppDatabaseMs ?? 0;
        return part switch
        {
            AppDatabase => appDatabase,
            // Waiting for a local-work slot is waiting, not work (it has a column of its own).
            OwnWork => stepsTotal - (steps?["execution"] ?? 0) - (steps?[StepTimes.Queued] ?? 0) + appDatabase,
            Other => Math.Max(0, sample.TotalMs - stepsTotal - appDatabase),
            _ => steps?[part] ?? 0,
        };
    }

    /// <summary>Nearest-rank percentile; 0 for no values.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            return 0;
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public string ToText()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"Load benchmark: {Questions} questions, {Mode} mode, each analyst asks one question after another, Send to finished answer (wait=true).");
        if (Levels.Any(l => l.Cold))
            text.AppendLine("The cold round (one analyst asking every question of the mix once, each new to the process) runs first and is not part of the levels after it.");
        text.AppendLine();
        text.AppendLine("| analysts | asked | answers | failed | 429 | p50 s | p95 s | max s | answers/s | wall s | load average (1/5/15 min) |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var level in Levels)
            text.AppendLine(inv, $"| {level.Label} | {level.Asked} | {level.Answers} | {level.Failures} | {level.Refusals} | {level.TotalPercentile(0.5) / 1000:0.00} | {level.TotalPercentile(0.95) / 1000:0.00} | {level.TotalPercentile(1) / 1000:0.00} | {level.AnswersPerSecond:0.0} | {level.WallSeconds:0.0} | {level.LoadAverage} |");
        text.AppendLine();
        text.AppendLine("Time split of the answers, median ms (own work = every step but the query's execution, plus the app database; queued = waiting for a local-work slot; other = HTTP and waiting):");
        text.AppendLine();
        text.AppendLine("| analysts | " + string.Join(" | ", Parts) + " |");
        text.AppendLine("| ---: |" + string.Concat(Parts.Select(_ => " ---: |")));
        foreach (var level in Levels)
            text.AppendLine(inv, $"| {level.Label} | {string.Join(" | ", Parts.Select(p => level.PartMedian(p).ToString("0.0", inv)))} |");
        if (Levels.Any(l => l.Alone is not null))
        {
            text.AppendLine();
            text.AppendLine("The answers' own SQL run alone: straight against the source with Npgsql, the same analysts at once each running their queries one after another,");
            text.AppendLine("through a pool of the executor's size, no app (ratio = queries/s alone / answers/s through the app; the target is at most 1.5):");
            text.AppendLine();
            text.AppendLine("| analysts | queries | failed | p50 ms | p95 ms | queries/s alone | answers/s app | ratio |");
            text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var level in Levels.Where(l => l.Alone is not null))
            {
                var alone = level.Alone!;
                var ratio = level.AnswersPerSecond > 0 ? alone.QueriesPerSecond / level.AnswersPerSecond : double.PositiveInfinity;
                text.AppendLine(inv, $"| {level.Label} | {alone.Queries} | {alone.Failures} | {Percentile(alone.Milliseconds, 0.5):0.0} | {Percentile(alone.Milliseconds, 0.95):0.0} | {alone.QueriesPerSecond:0.0} | {level.AnswersPerSecond:0.0} | {ratio:0.00} |");
            }
        }
        var failures = Levels.SelectMany(l => l.Samples).Where(s => s.Outcome != LoadLevel.Answered).GroupBy(s => s.Outcome).ToList();
        if (failures.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Not answered:");
            foreach (var group in failures)
                text.AppendLine(inv, $"- {group.Count()} x {group.Key} (e.g. \"{group.First().Question}\")");
        }
        return text.ToString();
    }
}

/// <summary>
/// Many analysts at once, through the HTTP API as real users: each registers through the register form
/// (and is signed in by it), opens a thread and asks its questions one after another with <c>wait=true</c>;
/// all analysts of a level start together. Their threads are deleted after each level.
/// </summary>
public sealed partial class LoadBenchmark(TextWriter log)
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromMinutes(5);

    public async Task<LoadReport> RunAsync(LoadBenchmarkRequest request, CancellationToken cancellationToken)
    {
        var run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var analysts = new List<Analyst>();
        try
        {
            var count = request.Analysts.Max();
            await log.WriteLineAsync($"Registering {count} analysts (load-{run}-N@bench.invalid) through the register form...");
            // Password hashing is deliberately slow: a few at a time, so registering does not look like the load.
            using (var gate = new SemaphoreSlim(4))
            {
                var registering = Enumerable.Range(0, count).Select(async i =>
                {
                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        return await Analyst.RegisterAsync(request.BaseAddress, $"load-{run}-{i}@bench.invalid", cancellationToken);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }).ToList();
                foreach (var task in registering)
                    analysts.Add(await task);
            }
            await WaitForSourceAsync(analysts[0], request.Questions.Source, cancellationToken);
            // The first answer of a process reads the catalog and builds the indexes: not part of any level.
            var warmupThread = await analysts[0].CreateThreadAsync(request.Questions.Source, cancellationToken);
            var warmup = await analysts[0].AskAsync(warmupThread, request.Questions.Warmup, request.Mode, cancellationToken);
            await analysts[0].DeleteThreadAsync(warmupThread, cancellationToken);
            if (warmup.Outcome != LoadLevel.Answered)
                throw new InvalidOperationException($"The warm-up question \"{request.Questions.Warmup}\" was not answered: {warmup.Outcome}.");

            var levels = new List<LoadLevel>();
            var nextNumber = 10;
            foreach (var (level, cold) in request.Analysts.Select(a => (a, false)).Prepend((1, true)))
            {
                var askers = analysts.Take(level).ToList();
                var threads = new Guid[level];
                var questions = new IReadOnlyList<string>[level];
                for (var i = 0; i < level; i++)
                {
                    threads[i] = await askers[i].CreateThreadAsync(request.Questions.Source, cancellationToken);
                    questions[i] = request.Questions.For(nextNumber);
                    nextNumber += request.Questions.Questions.Count;
                }
                await log.WriteLineAsync(cold
                    ? $"The cold round: one analyst, {request.Questions.Questions.Count} questions, each new to the process (not part of the levels)..."
                    : $"{level} analysts at once, {request.Questions.Questions.Count} questions each...");
                var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var work = Enumerable.Range(0, level).Select(async i =>
                {
                    await start.Task;
                    var samples = new List<LoadSample>();
                    foreach (var question in questions[i])
                        samples.Add(await askers[i].AskAsync(threads[i], question, request.Mode, cancellationToken));
                    return samples;
                }).ToList();
                var watch = Stopwatch.StartNew();
                start.SetResult();
                var results = await Task.WhenAll(work);
                var wall = watch.Elapsed.TotalSeconds;
                var measured = new LoadLevel(level, level * request.Questions.Questions.Count, [.. results.SelectMany(r => r)], wall, LoadAverage()) { Cold = cold };
                if (request.QueriesAlone is { } alone && request.Questions.Distinct)
                {
                    await log.WriteLineAsync($"The same SQL alone, {level} at once...");
                    // Each analyst's answered SQL, in the order they asked it.
                    var perAnalyst = results.Select(r => (IReadOnlyList<string>)[.. r.Where(s => s.Outcome == LoadLevel.Answered && s.Sql is not null).Select(s => s.Sql!)]).ToList();
                    measured = measured with { Alone = await alone.RunAsync(request.Questions.Source, perAnalyst, cancellationToken) };
                }
                levels.Add(measured);
                if (request.SamplesPath is { } samplesPath)
                    await File.AppendAllLinesAsync(samplesPath, measured.Samples.Select(s => JsonSerializer.Serialize(
                        new { analysts = level, cold, s.Question, s.Outcome, s.TotalMs, s.AppDatabaseMs, steps = s.Steps?.Milliseconds })), cancellationToken);
                for (var i = 0; i < level; i++)
                    await askers[i].DeleteThreadAsync(threads[i], cancellationToken);
            }
            return new LoadReport(request.Questions.Name, request.Mode, levels);
        }
        finally
        {
            foreach (var analyst in analysts)
                analyst.Dispose();
        }
    }

    private async Task WaitForSourceAsync(Analyst analyst, string source, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var sources = await analyst.Http.GetFromJsonAsync<List<DataSourceView>>("/api/data-sources", AnswerJson.Options, cancellationToken) ?? [];
            var found = sources.FirstOrDefault(s => string.Equals(s.Name, source, StringComparison.OrdinalIgnoreCase));
            if (found?.Status == "ready")
                return;
            if (found?.Status == "failed" || (found is null && waited.Elapsed > TimeSpan.FromSeconds(30)))
                throw new InvalidOperationException($"The data source \"{source}\" is not available on the app ({found?.Status ?? "not listed"}).");
            if (waited.Elapsed.TotalSeconds % 30 < 2)
                await log.WriteLineAsync($"Waiting for the data source \"{source}\" ({found?.Status})...");
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    /// <summary>The machine's load average (Linux), as the figures must be read against it.</summary>
    private static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} / {parts[1]} / {parts[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>One signed-in user: a cookie-keeping client that does not follow redirects.</summary>
    private sealed class Analyst(HttpClient http) : IDisposable
    {
        public HttpClient Http => http;

        public static async Task<Analyst> RegisterAsync(Uri baseAddress, string email, CancellationToken cancellationToken)
        {
            var handler = new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true };
            var analyst = new Analyst(new HttpClient(handler) { BaseAddress = baseAddress, Timeout = AnswerTimeout });
            var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            var page = await analyst.Http.GetStringAsync("/account/register", cancellationToken);
            var form = HiddenFields(page);
            form["Input.Email"] = email;
            form["Input.Password"] = password;
            form["Input.ConfirmPassword"] = password;
            using (var response = await analyst.Http.PostAsync("/account/register", new FormUrlEncodedContent(form), cancellationToken))
                if (response.StatusCode != HttpStatusCode.Redirect)
                {
                    analyst.Dispose();
                    throw new InvalidOperationException(
                        $"Registering {email} failed: HTTP {(int)response.StatusCode} (a running app needs Auth__Registration=Open for the benchmark's analysts).");
                }
            // Registration does not sign in (its answer is the same for taken and free addresses): sign in with the new account.
            var login = HiddenFields(await analyst.Http.GetStringAsync("/account/login", cancellationToken));
            login["Input.Email"] = email;
            login["Input.Password"] = password;
            using var signedIn = await analyst.Http.PostAsync("/account/login", new FormUrlEncodedContent(login), cancellationToken);
            if (signedIn.StatusCode != HttpStatusCode.Redirect)
            {
                analyst.Dispose();
                throw new InvalidOperationException($"Signing in {email} after registering failed: HTTP {(int)signedIn.StatusCode}.");
            }
            return analyst;
        }

        public async Task<Guid> CreateThreadAsync(string source, CancellationToken cancellationToken)
        {
            using var response = await http.PostAsJsonAsync("/api/threads", new { dataSource = source }, cancellationToken);
            response.EnsureSuccessStatusCode();
            var thread = await response.Content.ReadFromJsonAsync<ThreadView>(AnswerJson.Options, cancellationToken);
            return thread!.Id;
        }

        public async Task DeleteThreadAsync(Guid thread, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/threads/{thread}");
            request.Headers.Add(ApiGroup.RequestedWithHeader, "bench-load");
            using var _ = await http.SendAsync(request, cancellationToken);
        }

        public async Task<LoadSample> AskAsync(Guid thread, string question, string mode, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                using var response = await http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true",
                    new { question, clientRequestId = Guid.NewGuid(), mode }, cancellationToken);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    return new LoadSample(question, LoadLevel.Refused, watch.Elapsed.TotalMilliseconds, null, null);
                if (!response.IsSuccessStatusCode)
                    return new LoadSample(question, $"HTTP {(int)response.StatusCode}", watch.Elapsed.TotalMilliseconds, null, null);
                // Only what the benchmark needs: the status and the transcript's step times.
                using var message = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
                var total = watch.Elapsed.TotalMilliseconds;
                var status = message.RootElement.GetProperty("status").GetString();
                var transcript = message.RootElement.GetProperty("transcript").Deserialize<List<TranscriptEntry>>(AnswerJson.Options) ?? [];
                var outcome = status == nameof(Core.Data.MessageStatus.Succeeded) ? LoadLevel.Answered : "not answered: " + status;
                var sql = message.RootElement.TryGetProperty("sql", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
                return new LoadSample(question, outcome, total, StepTimes.From(transcript), AppDatabaseMs(response), sql);
            }
            catch (HttpRequestException e)
            {
                return new LoadSample(question, "connection: " + e.HttpRequestError, watch.Elapsed.TotalMilliseconds, null, null);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new LoadSample(question, $"no answer within {AnswerTimeout.TotalMinutes:0} minutes", watch.Elapsed.TotalMilliseconds, null, null);
            }
        }

        private static double? AppDatabaseMs(HttpResponseMessage response)
        {
            if (!response.Headers.TryGetValues(ApiGroup.ServerTimingHeader, out var values))
                return null;
            var match = AppDatabasePattern().Match(string.Join(",", values));
            return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }

        public void Dispose() => http.Dispose();
    }

    /// <summary>The hidden inputs of a rendered form (antiforgery token, form name; name to HTML-decoded value), to post back.</summary>
    public static Dictionary<string, string> HiddenFields(string html)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match input in HiddenInputPattern().Matches(html))
        {
            var name = NamePattern().Match(input.Value);
            var value = ValuePattern().Match(input.Value);
            if (name.Success)
                fields[WebUtility.HtmlDecode(name.Groups[1].Value)] = value.Success ? WebUtility.HtmlDecode(value.Groups[1].Value) : "";
        }
        return fields;
    }

    [GeneratedRegex(@"appdb;dur=(\d+(?:\.\d+)?)")]
    private static partial Regex AppDatabasePattern();

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInputPattern();

    [GeneratedRegex("\\bname=\"([^\"]*)\"")]
    private static partial Regex NamePattern();

    [GeneratedRegex("\\bvalue=\"([^\"]*)\"")]
    private static partial Regex ValuePattern();
}

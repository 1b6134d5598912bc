using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Core.Offline;
using NlAnalytics.Core.Retrieval;
using NlAnalytics.Core.Samples;
using NlAnalytics.Core.Sources;
using NlAnalytics.Web.Components.Pages.Chat;
using NlAnalytics.Web.Extensions;

namespace NlAnalytics.Web.Cli;

/// <summary>
/// Command-line verbs on the web app's own host, for scripts and measurements:
/// <c>dotnet run --project NlAnalytics.Web -- ask "question" --source demo</c>. JSON goes to stdout, logs to stderr.
/// Exit codes: 0 success, 1 the answer or query failed, 2 bad input or configuration, 3 the analyst declined.
/// </summary>
public static class CliVerbs
{
    private static readonly string[] Verbs = ["ask", "run-sql", "eval", "demo-load", "sample-load", "catalog", "role-script", "bench-retrieval", "bench-roundtrips", "bench-load", "bench-offline", "calibrate-offline", "--help", "-h"];

    public static bool IsCliInvocation(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static Task<int> RunAsync(WebApplicationBuilder builder, string[] args) => RunAsync(builder, args, Console.Out, Console.Error);

    /// <summary>Runs the verb in <paramref name="args"/> on a host built from <paramref name="builder"/>; JSON goes to <paramref name="output"/>, messages to <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args, TextWriter output, TextWriter error)
    {
        var console = new CliConsole(output, error);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("NlAnalytics.Core.Hosting", LogLevel.Information);

        var source = new Option<string>("--source")
        {
            Description = $"\"demo\", a sample ({string.Join(", ", SampleSources.Names)}; loaded on first use), a configured data source name, or a PostgreSQL connection string",
            DefaultValueFactory = _ => "demo",
        };
        var mode = new Option<string?>("--mode") { Description = "offline | llm | hybrid (default: hybrid with an LLM configured, else offline)" };

        var question = new Argument<string>("question") { Description = "The question in plain language" };
        var previous = new Option<string[]>("--previous") { Description = "Earlier questions of the thread, oldest first (for follow-ups)", AllowMultipleArgumentsPerToken = false };
        var ask = new Command("ask", "Answer a question end to end and print the answer as JSON") { question, source, mode, previous };
        ask.SetAction((parse, token) => WithHost(builder, console, parse.GetValue(source)!, (services, ds) => AskAsync(services, console, ds, parse.GetValue(question)!, parse.GetValue(previous) ?? [], parse.GetValue(mode), token), token));

        var sql = new Argument<string>("sql") { Description = "One SELECT statement" };
        var runSql = new Command("run-sql", "Run SQL through the gate and the read-only executor and print rows or the error as JSON") { sql, source };
        runSql.SetAction((parse, token) => WithHost(builder, console, parse.GetValue(source)!, (services, ds) => RunSqlAsync(services, console, ds, parse.GetValue(sql)!, token), token));

        var set = new Option<string>("--set") { Description = "JSONL question set, or a folder of sets with a manifest.json naming their sources (e.g. benchmarks/locked)", Required = true };
        var reportFolder = new Option<string>("--out") { Description = "Folder for report.json and report.md (a folder's sets: one subfolder per run and summary.md)", DefaultValueFactory = _ => "artifacts/eval" };
        var today = new Option<string?>("--today") { Description = "Pin \"today\" (yyyy-MM-dd) for the analyst and for CURRENT_DATE/now() in gold and generated SQL; a folder's manifest may set it" };
        var eval = new Command("eval", "Run a question set (or a folder of them) through the analyst and score it by execution match") { set, source, mode, reportFolder, today };
        eval.SetAction((parse, token) => EvalAsync(builder, console, FromRoot(builder, parse.GetValue(set)!), parse.GetValue(source)!, parse.GetValue(mode),
            FromRoot(builder, parse.GetValue(reportFolder)!, mustExist: false), parse.GetValue(today), token));

        var sampleName = new Option<string>("--name") { Description = string.Join(" | ", SampleSources.Names), Required = true };
        var sampleLoad = new Command("sample-load", "Load a sample database (Chinook, Northwind...) into a database of its own, unless it is loaded already, and print what it took") { sampleName };
        sampleLoad.SetAction((parse, token) => WithHost(builder, console, null, (services, _) => SampleLoadAsync(services, console, parse.GetValue(sampleName)!, token), token, startDemo: false));

        var scale = new Option<double>("--scale") { Description = "Demo size (1.0: at least a million order lines)", DefaultValueFactory = _ => 1.0 };
        var demoLoad = new Command("demo-load", "Generate the demo warehouse into a scratch database and print load time and rows per second") { scale };
        demoLoad.SetAction((parse, token) => WithHost(builder, console, null, (services, _) => DemoLoadAsync(services, console, parse.GetValue(scale), token), token));

        var catalog = new Command("catalog", "Read a data source's catalog and print its size and how long it took") { source };
        catalog.SetAction((parse, token) => WithHost(builder, console, parse.GetValue(source)!, (services, ds) => CatalogAsync(services, console, ds!, token), token));

        var database = new Option<string>("--database") { Description = "Database the role may read", Required = true };
        var schemas = new Option<string[]>("--schemas") { Description = "Schemas to expose (repeat or comma-separate)", Required = true, AllowMultipleArgumentsPerToken = true };
        var roleName = new Option<string>("--role") { Description = "Name of the login role", DefaultValueFactory = _ => "nla_reader" };
        var roleScript = new Command("role-script", "Print the SQL that creates the read-only execution role for your own database (run it as a superuser with psql)") { database, schemas, roleName };
        roleScript.SetAction(async parse =>
        {
            var exposed = parse.GetValue(schemas)!.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            await output.WriteLineAsync(ExecutionRoleProvisioner.Script(parse.GetValue(database)!, parse.GetValue(roleName)!, exposed));
            return 0;
        });

        var questions = new Option<string>("--set") { Description = "JSONL question set with gold SQL", DefaultValueFactory = _ => "benchmarks/retrieval-demo.jsonl" };
        var topK = new Option<int>("--k") { Description = "Tables kept per question", DefaultValueFactory = _ => 8 };
        var noLatency = new Option<bool>("--no-latency") { Description = "Skip the synthetic 100/1,000/10,000-table latency runs" };
        var benchRetrieval = new Command("bench-retrieval", "Recall of gold tables at k, prompt tokens against the whole schema, and latency on synthetic catalogs") { questions, source, topK, noLatency };
        benchRetrieval.SetAction((parse, token) => WithHost(builder, console, parse.GetValue(source)!, async (services, ds) =>
        {
            var report = await services.GetRequiredService<RetrievalBenchmark>().RunAsync(new RetrievalBenchmarkRequest
            {
                Source = ds,
                QuestionsPath = parse.GetValue(questions),
                TopK = parse.GetValue(topK),
                SyntheticSizes = parse.GetValue(noLatency) ? [] : [100, 1_000, 10_000],
            }, token);
            await console.Out.WriteLineAsync(report.ToText());
            return 0;
        }, token));

        var showCommands = new Option<bool>("--commands") { Description = "Also print the SQL of every command" };
        var benchRoundTrips = new Command("bench-roundtrips", "App-database round trips of a question, a follow-up and a retry, as the chat page makes them") { showCommands };
        benchRoundTrips.SetAction((parse, token) => WithHost(builder, console, "demo", (services, _) => RoundTripsAsync(services, console, parse.GetValue(showCommands), token), token));

        var levels = new Option<string>("--analysts") { Description = "Analysts asking at once, one level after another (comma-separated)", DefaultValueFactory = _ => "1,20,100" };
        var mix = new Option<string>("--questions") { Description = "everyday | distinct (benchmarks/load/NAME.json), or the path of such a file", DefaultValueFactory = _ => "everyday" };
        var url = new Option<string?>("--url") { Description = "A running app to measure (default: start one in this process on 127.0.0.1)" };
        var port = new Option<int>("--port") { Description = "Port of the app this verb starts (0: a free one)", DefaultValueFactory = _ => 0 };
        var loadMode = new Option<string>("--mode") { Description = "offline | llm | hybrid", DefaultValueFactory = _ => "offline" };
        var samples = new Option<string?>("--samples") { Description = "Also append every answer (level, time, outcome, split) to this JSON-lines file" };
        var benchLoad = new Command("bench-load", "Many analysts at once through the HTTP API: answers, failures, 429s, p50/p95/max Send to finished, answers/s and the time split") { levels, mix, url, port, loadMode, samples };
        benchLoad.SetAction((parse, token) => LoadAsync(builder, console, parse.GetValue(levels)!, parse.GetValue(mix)!, parse.GetValue(url), parse.GetValue(port), parse.GetValue(loadMode)!,
            parse.GetValue(samples) is { } samplesPath ? FromRoot(builder, samplesPath, mustExist: false) : null, token));

        var calibrationSet = new Option<string>("--set") { Description = "Development folder of question sets with a manifest.json (never the locked sets)", DefaultValueFactory = _ => "benchmarks/dev" };
        var calibrationOut = new Option<string>("--out") { Description = "Calibration file to write (the one the offline writer ships with by default)", DefaultValueFactory = _ => "NlAnalytics.Core/Offline/offline-calibration.json" };
        var wrongAtMost = new Option<double?>("--wrong-at-most") { Description = "Pick the decline threshold from a target instead: answerable questions answered wrong at most this percent (default: decline below 0.5)" };
        var declinedAtLeast = new Option<double>("--unanswerable-declined-at-least") { Description = "With --wrong-at-most: unanswerable questions declined at least this percent", DefaultValueFactory = _ => 90 };
        var calibrate = new Command("calibrate-offline", "Fit the offline writer's confidence (P(right) from its draft's features) on the development sets and write the calibration file")
            { calibrationSet, calibrationOut, wrongAtMost, declinedAtLeast };
        calibrate.SetAction((parse, token) => CalibrateAsync(builder, console, FromRoot(builder, parse.GetValue(calibrationSet)!), FromRoot(builder, parse.GetValue(calibrationOut)!, mustExist: false),
            parse.GetValue(wrongAtMost), parse.GetValue(declinedAtLeast), token));

        var benchSet = new Option<string>("--set") { Description = "JSONL question set (follow-ups get their chain as history)", DefaultValueFactory = _ => "benchmarks/dev/demo.jsonl" };
        var rounds = new Option<int>("--rounds") { Description = "Times every question is written (the first round is also reported cold)", DefaultValueFactory = _ => 5 };
        var benchSource = new Option<string>("--source") { Description = "Data source (default: the benchmark demo, the demo warehouse at scale 1.0 ending 2026-11-30)", DefaultValueFactory = _ => SampleSources.BenchmarkDemo };
        var embedTables = new Option<int>("--embed-tables") { Description = "Then embed a synthetic catalog of this many tables in the background while asking questions of it (0: skip)", DefaultValueFactory = _ => 1000 };
        var benchOffline = new Command("bench-offline", "Time of offline writing (schema selection and the offline writer, no query run): p50/p95 per question over several rounds; then a big catalog embedded in the background while questions are asked")
            { benchSet, benchSource, rounds, embedTables };
        benchOffline.SetAction((parse, token) => WithHost(builder, console, parse.GetValue(benchSource)!, async (services, ds) =>
        {
            var code = await BenchOfflineAsync(services, console, ds!, FromRoot(builder, parse.GetValue(benchSet)!), Math.Max(1, parse.GetValue(rounds)), token);
            if (code != 0 || parse.GetValue(embedTables) <= 0) return code;
            await console.WriteJsonAsync(await EmbeddingBenchmark.RunAsync(services.GetRequiredService<NlAnalytics.Core.Semantics.ISentenceEncoder>(),
                services.GetService<OfflineCalibration>(), services.GetRequiredService<TimeProvider>(), parse.GetValue(embedTables), token));
            return 0;
        }, token));

        var root = new RootCommand("NlAnalytics command line") { ask, runSql, eval, demoLoad, sampleLoad, catalog, roleScript, benchRetrieval, benchRoundTrips, benchLoad, benchOffline, calibrate };
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>
    /// A relative path as the user meant it: from the current folder when it exists there, otherwise from the
    /// repository root (<c>dotnet run --project</c> runs the app in the project's folder, not the caller's).
    /// Paths that need not exist yet (report folders) are taken from the root.
    /// </summary>
    private static string FromRoot(WebApplicationBuilder builder, string path, bool mustExist = true)
    {
        if (Path.IsPathRooted(path) || (mustExist && (File.Exists(path) || Directory.Exists(path))))
            return path;
        return SharedDefaults.RepositoryRoot(builder.Environment) is { } root ? Path.Combine(root, path) : path;
    }

    /// <summary>
    /// Builds the host without starting the web server, brings up what the verb needs (the demo, or a sample
    /// source, loaded on first use), runs it, and shuts down cleanly.
    /// </summary>
    internal static async Task<int> WithHost(
        WebApplicationBuilder builder, CliConsole console, string? sourceName, Func<IServiceProvider, DataSource?, Task<int>> action, CancellationToken token,
        bool startDemo = true, DateOnly? benchmarkDemoEndDate = null)
    {
        await using var app = builder.Build();
        var services = app.Services;
        try
        {
            var isSample = sourceName is not null && SampleSources.IsSample(sourceName);
            var needsDemo = startDemo && !isSample && (sourceName is null || string.Equals(sourceName, "demo", StringComparison.OrdinalIgnoreCase));
            await services.GetServices<IHostedService>().OfType<PlatformStartup>().Single().StartAsync(token);
            // The sources Admins stored in the app, so --source takes their names too.
            await services.GetRequiredService<DataSourceAdministration>().LoadAsync(token);
            await services.GetRequiredService<NlAnalytics.Core.Knowledge.SourceKnowledge>().LoadAsync(token);
            await services.GetRequiredService<NlAnalytics.Core.Knowledge.SourceDocuments>().LoadAsync(token);
            DataSource? source = null;
            if (needsDemo)
            {
                var demoStartup = services.GetServices<IHostedService>().OfType<DemoWarehouseStartup>().Single();
                await demoStartup.StartAsync(token);
                await services.GetRequiredService<DemoStatus>().WhenReady.WaitAsync(token);
                await demoStartup.StopAsync(token);
            }
            if (isSample)
                source = await services.GetRequiredService<SampleSources>().EnsureAsync(sourceName!, benchmarkDemoEndDate, token);
            else if (sourceName is not null)
                source = services.GetRequiredService<IDataSourceRegistry>().Resolve(sourceName);
            return await action(services, source);
        }
        catch (Exception ex) when (ex is PlatformConfigurationException or EmbeddedPostgresException or KeyNotFoundException or ArgumentException
                                       or InvalidOperationException or EvaluationSetFormatException or FileNotFoundException or OptionsValidationException
                                       or ExecutionRoleProvisioningException)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        // No explicit stop: disposing the host disposes the query pools first and then PlatformDatabases,
        // which stops the embedded cluster only if this process started it and nobody else is connected.
    }

    private static async Task<int> AskAsync(IServiceProvider services, CliConsole console, DataSource? source, string question, string[] previous, string? mode, CancellationToken token)
    {
        var orchestrator = services.GetRequiredService<AnalystOrchestrator>();
        var analysisMode = mode is null ? orchestrator.DefaultMode : EvaluationRunner.ParseMode(mode);
        var history = new List<ThreadTurn>();
        foreach (var earlier in previous)
        {
            var turn = await orchestrator.AnswerAsync(new AnalystRequest(source!, earlier, history, analysisMode), null, token);
            history.Add(new ThreadTurn(earlier, turn.StandaloneQuestion, turn.Sql, turn.Narrative, turn.Chart?.Kind.ToString()));
        }
        var answer = await orchestrator.AnswerAsync(new AnalystRequest(source!, question, history, analysisMode), null, token);
        await console.WriteJsonAsync(AnswerDocument.From(answer));
        return answer.Error is not null ? 1 : answer.Sql is null ? 3 : 0;
    }

    private static async Task<int> RunSqlAsync(IServiceProvider services, CliConsole console, DataSource? source, string sql, CancellationToken token)
    {
        var executor = services.GetRequiredService<ISqlExecutor>();
        var limits = services.GetRequiredService<IOptions<AnalystOptions>>().Value.Limits;
        try
        {
            var result = await executor.ExecuteAsync(source!, sql, limits, token);
            await console.WriteJsonAsync(new { ok = true, result = ResultSnapshot.From(result) });
            return 0;
        }
        catch (SqlExecutionException ex)
        {
            await console.WriteJsonAsync(new { ok = false, error = ex.Failure });
            await console.Error.WriteLineAsync($"error: {ex.Failure.UserMessage}");
            // An unreachable source is a configuration problem (exit 2), not a failed query (exit 1).
            return ex.Failure.Kind == SqlFailureKind.Connection ? 2 : 1;
        }
    }

    /// <summary>
    /// One set against --source (a JSON summary on stdout), or a folder of sets against the sources its
    /// manifest names (the totals, reliability and time tables on stdout). A pinned "today" (--today, the
    /// manifest's, or the benchmark demo's end date) is registered before the host is built.
    /// </summary>
    private static async Task<int> EvalAsync(WebApplicationBuilder builder, CliConsole console, string set, string source, string? mode, string output, string? todayText, CancellationToken token)
    {
        DateOnly? today = null;
        if (todayText is not null)
        {
            if (!DateOnly.TryParseExact(todayText, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
            {
                await console.Error.WriteLineAsync($"error: --today must be a date written yyyy-MM-dd, not \"{todayText}\".");
                return 2;
            }
            today = day;
        }

        EvaluationSuite? suite = null;
        if (EvaluationSuite.IsSuite(set))
        {
            try
            {
                suite = await EvaluationSuite.LoadAsync(set, token);
            }
            catch (EvaluationSetFormatException ex)
            {
                await console.Error.WriteLineAsync($"error: {ex.Message}");
                return 2;
            }
            today ??= suite.Today;
            suite = suite with { Today = today };
        }
        else if (string.Equals(source, SampleSources.BenchmarkDemo, StringComparison.OrdinalIgnoreCase))
        {
            today ??= SampleSources.DefaultBenchmarkDemoEndDate;
        }
        if (today is { } pinned)
            builder.Services.PinToday(pinned);

        if (suite is null)
        {
            return await WithHost(builder, console, source, async (services, resolved) =>
            {
                var orchestrator = services.GetRequiredService<AnalystOrchestrator>();
                var runner = services.GetRequiredService<EvaluationRunner>();
                var summary = await runner.RunAsync(set, resolved!, mode ?? orchestrator.DefaultMode.ToString(), output, (request, ct) => orchestrator.AnswerAsync(request, null, ct), token);
                await console.WriteJsonAsync(summary);
                return 0;
            }, token, benchmarkDemoEndDate: today);
        }

        return await WithHost(builder, console, null, async (services, _) =>
        {
            var orchestrator = services.GetRequiredService<AnalystOrchestrator>();
            var runner = services.GetRequiredService<EvaluationRunner>();
            var samples = services.GetRequiredService<SampleSources>();
            var registry = services.GetRequiredService<IDataSourceRegistry>();
            var resolved = new Dictionary<string, DataSource>(StringComparer.OrdinalIgnoreCase);
            async Task<DataSource> Resolve(string name, CancellationToken ct)
            {
                if (!resolved.TryGetValue(name, out var found))
                    resolved[name] = found = SampleSources.IsSample(name) ? await samples.EnsureAsync(name, today, ct) : registry.Resolve(name);
                return found;
            }
            var analysisMode = mode is null ? orchestrator.DefaultMode : EvaluationRunner.ParseMode(mode);
            var report = await runner.RunSuiteAsync(suite, analysisMode, Resolve, (request, ct) => orchestrator.AnswerAsync(request, null, ct), token);
            var summaryPath = await EvaluationReportWriter.WriteSuiteAsync(report, output, token);
            await console.Out.WriteLineAsync(report.ToText());
            await console.Error.WriteLineAsync($"Reports: {summaryPath} and one folder per run under {Path.GetFullPath(output)}");
            return 0;
        }, token, startDemo: false, benchmarkDemoEndDate: today);
    }

    /// <summary>
    /// Runs a development suite in offline mode with the writer uncalibrated (it declines nothing for a low score),
    /// pairs every composed draft's features with whether its answer was right, fits the calibration
    /// (<see cref="OfflineCalibrationFitter"/>) and writes it. Refuses the locked sets: they are never tuned on.
    /// </summary>
    private static async Task<int> CalibrateAsync(WebApplicationBuilder builder, CliConsole console, string set, string output, double? wrongAtMost, double declinedAtLeast, CancellationToken token)
    {
        if (string.Equals(new DirectoryInfo(set).Name, "locked", StringComparison.OrdinalIgnoreCase))
        {
            await console.Error.WriteLineAsync("error: the locked sets are never tuned on; calibrate on benchmarks/dev.");
            return 2;
        }
        EvaluationSuite suite;
        try
        {
            suite = await EvaluationSuite.LoadAsync(set, token);
        }
        catch (EvaluationSetFormatException ex)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        if (suite.Today is { } pinned)
            builder.Services.PinToday(pinned);
        var recorder = new OfflineDraftRecorder();
        builder.Services.AddSingleton(OfflineCalibration.Uncalibrated);
        builder.Services.AddSingleton(recorder);

        return await WithHost(builder, console, null, async (services, _) =>
        {
            var orchestrator = services.GetRequiredService<AnalystOrchestrator>();
            var runner = services.GetRequiredService<EvaluationRunner>();
            var samples = services.GetRequiredService<SampleSources>();
            var resolved = new Dictionary<string, DataSource>(StringComparer.OrdinalIgnoreCase);
            async Task<DataSource> Resolve(string name, CancellationToken ct)
            {
                if (!resolved.TryGetValue(name, out var found))
                    resolved[name] = found = await samples.EnsureAsync(name, suite.Today, ct);
                return found;
            }
            // The runner asks one question at a time, in the order of its cases: the recorded drafts line up with them.
            var drafts = new List<OfflineFeatures?>();
            async Task<AnalystAnswer> Analyst(AnalystRequest request, CancellationToken ct)
            {
                recorder.Clear();
                var answer = await orchestrator.AnswerAsync(request, null, ct);
                drafts.Add(answer.Path == AnswerPath.Offline && answer.Sql is not null ? recorder.Last?.Features : null);
                return answer;
            }
            var report = await runner.RunSuiteAsync(suite, AnalysisMode.Offline, Resolve, Analyst, token);
            var cases = report.Runs.SelectMany(r => r.Report.Cases.Select(c => (Run: $"{r.Set}@{r.Source}", Case: c))).ToList();
            var found = cases.Zip(drafts)
                .Where(x => x.Second is not null && x.First.Case.Outcome != CaseOutcome.GoldFailed)
                .Select(x => new CalibrationSample(x.Second!, x.First.Case.ExecutionMatch, x.First.Case.Answerable, $"{x.First.Run}/{x.First.Case.Id}"))
                .ToList();
            var scored = cases.Where(c => c.Case.Outcome != CaseOutcome.GoldFailed).ToList();
            var fit = OfflineCalibrationFitter.Fit(found, scored.Count(c => c.Case.Answerable), scored.Count(c => !c.Case.Answerable),
                wrongAtMost, declinedAtLeast, Path.GetRelativePath(SharedDefaults.RepositoryRoot(builder.Environment) ?? ".", set), services.GetRequiredService<TimeProvider>().GetUtcNow(),
                OfflineSqlWriter.LeftOutCap(services.GetRequiredService<IOptions<AnalystOptions>>().Value.HybridThreshold));
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            await File.WriteAllTextAsync(output, fit.Calibration.ToJson() + "\n", token);
            await console.Out.WriteLineAsync(OfflineCalibrationFitter.Describe(fit));
            await console.Error.WriteLineAsync($"Calibration written to {Path.GetFullPath(output)}; rebuild to ship it.");
            return 0;
        }, token, startDemo: false, benchmarkDemoEndDate: suite.Today);
    }

    /// <summary>
    /// Offline writing time, the query excluded: for every question of the set, the schema selector (catalog from
    /// cache, retrieval) and the offline writer, as the orchestrator calls them. Prints p50/p95/max of the warm rounds,
    /// the cold first round and the process's CPU time per question (wall time inflates on a busy machine, CPU time less).
    /// </summary>
    private static async Task<int> BenchOfflineAsync(IServiceProvider services, CliConsole console, DataSource source, string setPath, int rounds, CancellationToken token)
    {
        var set = await EvaluationSet.LoadAsync(setPath, token);
        var selector = services.GetRequiredService<SchemaSelectorAgent>();
        var time = services.GetRequiredService<TimeProvider>();
        // The writer's own time, every round: the app's writer would serve rounds after the first from its draft cache.
        var writer = new OfflineSqlWriter(time, services.GetRequiredService<ILogger<OfflineSqlWriter>>(),
            services.GetService<NlAnalytics.Core.Semantics.ICatalogSemantics>(), services.GetService<OfflineCalibration>(),
            analystOptions: services.GetService<IOptions<AnalystOptions>>());
        var configuration = services.GetRequiredService<IConfiguration>();
        var byId = set.Cases.ToDictionary(c => c.Id, StringComparer.Ordinal);
        List<ThreadTurn> HistoryOf(EvaluationCase item)
        {
            var chain = new List<ThreadTurn>();
            for (var id = item.FollowupOf; id is not null && byId.TryGetValue(id, out var earlier); id = earlier.FollowupOf)
                chain.Insert(0, new ThreadTurn(earlier.Question, earlier.Question, null, null));
            return chain;
        }

        var cold = new List<double>();
        var warm = new List<double>();
        var cpu = System.Diagnostics.Process.GetCurrentProcess();
        var cpuBefore = TimeSpan.Zero;
        for (var round = 0; round < rounds; round++)
        {
            if (round == 1) cpuBefore = cpu.TotalProcessorTime;
            foreach (var item in set.Cases)
            {
                var started = time.GetTimestamp();
                var transcript = new AgentTranscript(time, SecretRedactor.For(source, configuration));
                var schema = await selector.SelectAsync(source, item.Question, transcript, withDocuments: false, token);
                await writer.WriteAsync(new SqlWritingContext(item.Question, schema.Catalog, schema.Tables, schema.SchemaPrompt, HistoryOf(item), []), token);
                (round == 0 ? cold : warm).Add(time.GetElapsedTime(started).TotalMilliseconds);
            }
            cpu.Refresh();
        }
        var cpuPerQuestion = rounds > 1 ? (cpu.TotalProcessorTime - cpuBefore).TotalMilliseconds / warm.Count : double.NaN;
        var sortedWarm = (rounds > 1 ? warm : cold).Order().ToList();
        var sortedCold = cold.Order().ToList();
        var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg", token)).Split(' ')[0] : "n/a";
        await console.WriteJsonAsync(new
        {
            set = set.Name,
            source = source.Name,
            questions = set.Cases.Count,
            rounds,
            p50Ms = EvaluationRunner.Percentile(sortedWarm, 0.50),
            p95Ms = EvaluationRunner.Percentile(sortedWarm, 0.95),
            maxMs = Math.Round(sortedWarm[^1], 1),
            coldP50Ms = EvaluationRunner.Percentile(sortedCold, 0.50),
            coldMaxMs = Math.Round(sortedCold[^1], 1),
            cpuMsPerQuestion = double.IsNaN(cpuPerQuestion) ? (double?)null : Math.Round(cpuPerQuestion, 2),
            loadAverage = load,
        });
        return 0;
    }

    private static async Task<int> SampleLoadAsync(IServiceProvider services, CliConsole console, string name, CancellationToken token)
    {
        var samples = services.GetRequiredService<SampleSources>();
        var watch = Stopwatch.StartNew();
        if (SampleDatabase.Find(name) is null)
        {
            var demo = await samples.EnsureAsync(name, null, token);
            await console.WriteJsonAsync(new { name = demo.Name, seconds = Math.Round(watch.Elapsed.TotalSeconds, 2) });
            return 0;
        }
        var (database, report) = await samples.LoadAsync(name, token);
        await samples.EnsureAsync(name, null, token);
        await console.WriteJsonAsync(new
        {
            name,
            database,
            alreadyLoaded = report is null,
            seconds = Math.Round((report?.Elapsed ?? watch.Elapsed).TotalSeconds, 2),
            tables = report?.Tables,
            rows = report?.Rows,
            foreignKeysDropped = report?.ForeignKeysDropped,
        });
        return 0;
    }

    private static async Task<int> DemoLoadAsync(IServiceProvider services, CliConsole console, double scale, CancellationToken token)
    {
        var databases = services.GetRequiredService<PlatformDatabases>();
        if (databases.Cluster is null)
        {
            await console.Error.WriteLineAsync("error: demo-load measures on the embedded cluster; unset ConnectionStrings:App to use it.");
            return 2;
        }
        const string scratch = "nlanalytics_demo_bench";
        await databases.Cluster.EnsureDatabaseAsync(scratch, token);
        var generator = services.GetRequiredService<DemoWarehouseGenerator>();
        var options = services.GetRequiredService<IOptions<DemoWarehouseOptions>>().Value;
        var progress = new Progress<DemoLoadProgress>(p => console.Error.Write($"\r{p.Table,-28} {p.RowsDone,12:N0} / {p.RowsExpected:N0}   "));
        var report = await generator.GenerateAsync(databases.Cluster.ConnectionString(scratch), new DemoWarehouseOptions { Seed = options.Seed, Scale = scale, EndDate = options.EndDate }, progress, token);
        await console.Error.WriteLineAsync();
        await console.WriteJsonAsync(new
        {
            scale,
            totalRows = report.TotalRows,
            seconds = Math.Round(report.Elapsed.TotalSeconds, 2),
            rowsPerSecond = Math.Round(report.RowsPerSecond),
            tables = report.Tables,
        });
        return 0;
    }

    /// <summary>
    /// Counts the commands sent to the app database from Send to the finished answer on the page, for a first
    /// question (new thread), a follow-up and a retry, through the chat page's own <see cref="ChatSession"/>: its
    /// action, its reads of the thread (and of the thread list for a new thread, which the page then opens),
    /// the background answer and the session's read once the answer has finished.
    /// </summary>
    private static async Task<int> RoundTripsAsync(IServiceProvider services, CliConsole console, bool showCommands, CancellationToken token)
    {
        var userId = await BenchUserAsync(services, token);
        using var session = ActivatorUtilities.CreateInstance<ChatSession>(services);
        await session.StartAsync(userId, null);
        await session.ShowNewThreadAsync();
        session.Mode = AnalysisMode.Offline;
        var steps = new List<object>();

        async Task MeasureAsync(string step, Func<Task> act)
        {
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnFinished(Guid _) => finished.TrySetResult();
            session.AnswerFinished += OnFinished;
            using var tally = AppDatabaseCommands.Measure();
            await act();
            // Done when the session has read the finished answer, or found it finished when it opened the thread.
            while (!finished.Task.IsCompleted && (session.State.Busy || session.State.Messages.Any(m => m.Status is MessageStatus.Pending or MessageStatus.Running)))
                await Task.WhenAny(finished.Task, Task.Delay(20, token));
            session.AnswerFinished -= OnFinished;
            // The answer leases' advisory locks travel on a connection of their own, outside EF: counted too, and shown apart.
            var leases = tally.Commands.Count(c => c.Contains("advisory", StringComparison.Ordinal));
            steps.Add(new { step, roundTrips = tally.Count, leaseRoundTrips = leases, commands = showCommands ? tally.Commands : null });
        }

        await MeasureAsync("question", async () =>
        {
            var sent = await session.SendAsync("What were total sales by month last year?");
            // The page navigates to the new thread and opens it.
            await session.OpenThreadAsync(sent.OpenThread ?? throw new InvalidOperationException(session.Error ?? "The question was not taken."));
        });
        await MeasureAsync("follow-up", () => session.SendAsync("and by region?"));
        var followUp = session.State.Messages[^1].Id;
        var threadId = session.State.Thread!.Id;
        // A failed answer to retry, made outside the measurement (and read again, as the page would find it).
        await services.GetRequiredService<ThreadStore>().MarkEndedAsync(followUp, MessageStatus.Failed, "Failed for the benchmark.", token);
        await session.OpenThreadAsync(threadId);
        await MeasureAsync("retry", () => session.RetryAsync(followUp));
        await session.DeleteAsync(threadId);
        await console.WriteJsonAsync(new { database = "app", counted = "EF Core commands (one per round trip; a batch counts once) and the answer leases' advisory-lock commands (leaseRoundTrips of them)", steps });
        return 0;
    }

    /// <summary>
    /// The load benchmark against <paramref name="url"/>, or against the app started here on 127.0.0.1 (as
    /// <c>dotnet run</c> would start it: same configuration, embedded cluster, demo warehouse).
    /// </summary>
    private static async Task<int> LoadAsync(WebApplicationBuilder builder, CliConsole console, string levelsText, string mix, string? url, int port, string mode, string? samplesPath, CancellationToken token)
    {
        var levels = new List<int>();
        foreach (var part in levelsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var level) || level is < 1 or > 1000)
            {
                await console.Error.WriteLineAsync($"error: --analysts takes numbers from 1 to 1000 separated by commas, not \"{levelsText}\".");
                return 2;
            }
            levels.Add(level);
        }
        if (levels.Count == 0 || !IsKnownMode(mode))
        {
            await console.Error.WriteLineAsync(levels.Count == 0 ? "error: --analysts needs at least one number." : $"error: unknown mode \"{mode}\" (offline, llm or hybrid).");
            return 2;
        }
        var path = mix.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? FromRoot(builder, mix) : FromRoot(builder, Path.Combine("benchmarks", "load", mix + ".json"));
        if (!File.Exists(path))
        {
            await console.Error.WriteLineAsync($"error: no question mix at {path} (use everyday, distinct or the path of a mix file).");
            return 2;
        }
        LoadQuestionSet questions;
        try
        {
            questions = await LoadQuestionSet.LoadAsync(path, token);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            await console.Error.WriteLineAsync($"error: {path}: {e.Message}");
            return 2;
        }

        var benchmark = new LoadBenchmark(console.Error);
        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                await console.Error.WriteLineAsync($"error: --url must be an http(s) address, not \"{url}\".");
                return 2;
            }
            return await RunLoadAsync(benchmark, console, new LoadBenchmarkRequest(address, questions, levels, mode, SamplesPath: samplesPath), token);
        }

        builder.WebHost.UseUrls(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        // The benchmark registers its analysts through the form: this instance (on 127.0.0.1, for the run) lets them.
        builder.Configuration["Auth:Registration"] = "Open";
        await using var app = builder.Build();
        app.UseNlAnalyticsApp();
        try
        {
            await app.StartAsync(token);
        }
        catch (Exception e) when (e is PlatformConfigurationException or EmbeddedPostgresException or IOException or OptionsValidationException)
        {
            await console.Error.WriteLineAsync($"error: the app did not start: {e.Message}");
            return 2;
        }
        var started = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        await console.Error.WriteLineAsync($"Started the app at {started}");
        try
        {
            return await RunLoadAsync(benchmark, console, new LoadBenchmarkRequest(new Uri(started), questions, levels, mode,
                new QueriesAloneRunner(app.Services.GetRequiredService<IDataSourceRegistry>()), samplesPath), token);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static bool IsKnownMode(string mode) => mode.Trim().ToLowerInvariant() is "offline" or "llm" or "hybrid";

    private static async Task<int> RunLoadAsync(LoadBenchmark benchmark, CliConsole console, LoadBenchmarkRequest request, CancellationToken token)
    {
        try
        {
            var report = await benchmark.RunAsync(request, token);
            await console.Out.WriteLineAsync(report.ToText());
            return report.Levels.All(l => l.Failures == 0) ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<string> BenchUserAsync(IServiceProvider services, CancellationToken token)
    {
        const string email = "roundtrips@bench.invalid";
        await using var context = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(token);
        if (await context.Users.Where(u => u.Email == email).Select(u => u.Id).FirstOrDefaultAsync(token) is { } id)
            return id;
        var user = new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant() };
        context.Users.Add(user);
        await context.SaveChangesAsync(token);
        return user.Id;
    }

    private static async Task<int> CatalogAsync(IServiceProvider services, CliConsole console, DataSource source, CancellationToken token)
    {
        var provider = services.GetRequiredService<ICatalogProvider>();
        var timings = new List<double>();
        DatabaseCatalog? catalog = null;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            catalog = await provider.RefreshAsync(source, token);
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
        timings.Sort();
        await console.WriteJsonAsync(new
        {
            source = source.Name,
            tables = catalog!.Tables.Count,
            columns = catalog.Tables.Sum(t => t.Columns.Count),
            foreignKeys = catalog.Tables.Sum(t => t.ForeignKeys.Count),
            valueIndexedColumns = catalog.Tables.Sum(t => t.Columns.Count(c => c.DistinctValues is { Count: > 0 })),
            readMillisecondsMedian = Math.Round(timings[timings.Count / 2], 1),
            readMillisecondsAll = timings.Select(t => Math.Round(t, 1)),
        });
        return 0;
    }

}

/// <summary>Where a verb writes: JSON to <see cref="Out"/>, messages for people to <see cref="Error"/>.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    private static readonly JsonSerializerOptions Indented = new(AnswerJson.Options) { WriteIndented = true };

    public Task WriteJsonAsync<T>(T value) => Out.WriteLineAsync(JsonSerializer.Serialize(value, Indented));
}

/// <summary>The answer as the CLI prints it: everything a script needs, secrets never.</summary>
internal sealed record AnswerDocument(
    string Question,
    string StandaloneQuestion,
    string Path,
    string? Sql,
    Interpretation? Interpretation,
    ResultSnapshot? Result,
    Core.Charts.ChartSpec? Chart,
    string Narrative,
    IReadOnlyList<RetrievedTable> Tables,
    object Cost,
    IReadOnlyList<TranscriptEntry> Transcript,
    SqlFailure? Error,
    IReadOnlyList<string>? Suggestions,
    double Confidence,
    double ElapsedMs)
{
    public static AnswerDocument From(AnalystAnswer answer) => new(
        answer.Question, answer.StandaloneQuestion, answer.Path.ToString(), answer.Sql, answer.Interpretation,
        answer.Result is null ? null : ResultSnapshot.From(answer.Result), answer.Chart, answer.Narrative, answer.TablesUsed,
        new
        {
            inputTokens = answer.InputTokens,
            outputTokens = answer.OutputTokens,
            costUsd = answer.CostUsd,
            note = answer.Calls.Count == 0 ? "0 - answered without an LLM" : null,
            calls = answer.Calls,
        },
        answer.Transcript, answer.Error, answer.Suggestions, answer.Confidence, Math.Round(answer.Elapsed.TotalMilliseconds, 1));
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using NlAnalytics.Core.Agents;

namespace NlAnalytics.Core.Evaluation;

/// <summary>One question set of a suite and the data sources it runs against (one run per source).</summary>
public sealed record EvaluationSuiteEntry(string SetPath, IReadOnlyList<string> Sources);

/// <summary>
/// A folder of question sets with a manifest.json saying which source(s) each set runs against and which
/// day "today" is pinned to, so one command runs them all:
/// <code>{ "today": "2026-11-30", "runs": [ { "set": "demo.jsonl", "sources": ["demo_benchmark"] } ] }</code>
/// </summary>
public sealed record EvaluationSuite(string Name, string Folder, DateOnly? Today, IReadOnlyList<EvaluationSuiteEntry> Entries)
{
    public const string ManifestFileName = "manifest.json";

    /// <summary>True when <paramref name="path"/> is a folder (a suite) rather than one JSONL file.</summary>
    public static bool IsSuite(string path) => Directory.Exists(path);

    public static async Task<EvaluationSuite> LoadAsync(string folder, CancellationToken cancellationToken)
    {
        var manifest = Path.Combine(folder, ManifestFileName);
        if (!File.Exists(manifest))
            throw new EvaluationSetFormatException($"{folder}: a question-set folder needs a {ManifestFileName} naming each set's data sources.");
        var name = new DirectoryInfo(folder).Name;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(await File.ReadAllTextAsync(manifest, cancellationToken));
        }
        catch (JsonException e)
        {
            throw new EvaluationSetFormatException($"{manifest}: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            DateOnly? today = null;
            if (root.TryGetProperty("today", out var todayElement) && todayElement.ValueKind != JsonValueKind.Null)
            {
                if (todayElement.ValueKind != JsonValueKind.String
                    || !DateOnly.TryParseExact(todayElement.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    throw new EvaluationSetFormatException($"{manifest}: \"today\" must be a date written yyyy-MM-dd.");
                today = day;
            }
            if (!root.TryGetProperty("runs", out var runs) || runs.ValueKind != JsonValueKind.Array || runs.GetArrayLength() == 0)
                throw new EvaluationSetFormatException($"{manifest}: \"runs\" must be a non-empty array of {{ \"set\": FILE, \"sources\": [NAME, ...] }}.");
            var entries = new List<EvaluationSuiteEntry>();
            foreach (var run in runs.EnumerateArray())
            {
                var set = run.TryGetProperty("set", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : null;
                var sources = run.TryGetProperty("sources", out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
                    : [];
                if (string.IsNullOrWhiteSpace(set) || sources.Count == 0)
                    throw new EvaluationSetFormatException($"{manifest}: every run needs a \"set\" file and at least one name in \"sources\".");
                var path = Path.Combine(folder, set);
                if (!File.Exists(path))
                    throw new EvaluationSetFormatException($"{manifest}: the set {set} does not exist in {folder}.");
                entries.Add(new EvaluationSuiteEntry(path, sources));
            }
            return new EvaluationSuite(name, folder, today, entries);
        }
    }
}

/// <summary>One set run against one source.</summary>
public sealed record EvaluationSuiteRun(string Set, string Source, EvaluationReport Report);

/// <summary>
/// Every run of a suite and the figures over all of them: right / declined / answered wrong per set,
/// source (schema) and tier, the unanswerable questions, the reliability table and the times.
/// </summary>
public sealed record EvaluationSuiteReport(string Name, AnalysisMode Mode, DateOnly? Today, IReadOnlyList<EvaluationSuiteRun> Runs)
{
    /// <summary>The figures over every question of every run (a set run against two sources counts twice).</summary>
    public EvaluationSummary Overall => EvaluationRunner.Summarise(
        Name, string.Join(", ", Runs.Select(r => r.Source).Distinct()), Mode,
        Runs.Count == 0 ? DateTimeOffset.MinValue : Runs[0].Report.Summary.StartedAt,
        TimeSpan.FromSeconds(Runs.Sum(r => r.Report.Summary.DurationSeconds)),
        [.. Runs.SelectMany(r => r.Report.Cases)]) with { Today = Today };

    /// <summary>The totals, unanswerable, reliability and time tables as Markdown, for people and for the README.</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var overall = Overall;
        var md = new StringBuilder();
        var pinned = Today is { } today ? $", today pinned to {today:yyyy-MM-dd}" : "";
        md.AppendLine(c, $"# {Name}: mode {Mode.ToString().ToLowerInvariant()}{pinned}");
        md.AppendLine();
        md.AppendLine("Answerable questions (answered wrong = a result that does not match, or SQL that did not run):");
        md.AppendLine();
        md.AppendLine("| set | source | tier | questions | right | declined | answered wrong |");
        md.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: |");
        void Rows(string set, string source, EvaluationSummary s)
        {
            md.AppendLine(c, $"| {set} | {source} | all | {s.Totals.Scored} | {Share(s.Totals.ExecutionAccuracyPercent, s.Totals.Correct)} | {Share(s.Totals.DeclinedPercent, s.Totals.Declined)} | {Share(s.Totals.AnsweredWrongPercent, s.Totals.AnsweredWrong)} |");
            foreach (var (tier, t) in s.ByTier)
                md.AppendLine(c, $"| | | {tier} | {t.Scored} | {Share(t.ExecutionAccuracyPercent, t.Correct)} | {Share(t.DeclinedPercent, t.Declined)} | {Share(t.AnsweredWrongPercent, t.AnsweredWrong)} |");
        }
        foreach (var run in Runs)
            Rows(run.Set, run.Source, run.Report.Summary);
        if (Runs.Count > 1)
            Rows("**all**", "", overall);

        md.AppendLine();
        md.AppendLine("Unanswerable questions (the data does not hold what they ask; declining is right):");
        md.AppendLine();
        md.AppendLine("| set | source | questions | declined correctly | answered although unanswerable |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var run in Runs.Where(r => r.Report.Summary.Unanswerable.Questions > 0))
        {
            var u = run.Report.Summary.Unanswerable;
            md.AppendLine(c, $"| {run.Set} | {run.Source} | {u.Questions} | {Share(u.DeclinedCorrectlyPercent, u.DeclinedCorrectly)} | {Share(u.AnsweredPercent, u.Answered)} |");
        }
        if (Runs.Count > 1)
            md.AppendLine(c, $"| **all** | | {overall.Unanswerable.Questions} | {Share(overall.Unanswerable.DeclinedCorrectlyPercent, overall.Unanswerable.DeclinedCorrectly)} | {Share(overall.Unanswerable.AnsweredPercent, overall.Unanswerable.Answered)} |");

        md.AppendLine();
        md.AppendLine("Reliability: every answer (SQL produced, answerable and unanswerable questions) by the analyst's confidence:");
        md.AppendLine();
        EvaluationReportWriter.AppendReliability(md, overall.Reliability);

        md.AppendLine();
        md.AppendLine("| time per question | p50 | p95 |");
        md.AppendLine("| --- | ---: | ---: |");
        md.AppendLine(c, $"| generation (query excluded) | {overall.LatencyP50Ms:0.0} ms | {overall.LatencyP95Ms:0.0} ms |");
        md.AppendLine(c, $"| whole answer | {overall.AnswerP50Ms:0.0} ms | {overall.AnswerP95Ms:0.0} ms |");
        if (overall.Totals.GoldFailed > 0)
        {
            md.AppendLine();
            md.AppendLine(c, $"{overall.Totals.GoldFailed} gold queries failed and are left out of the rates (see the runs' report.md).");
        }
        return md.ToString();
    }

    private static string Share(double percent, int count) => string.Create(CultureInfo.InvariantCulture, $"{percent:0.0}% ({count})");
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NlAnalytics.Core.Evaluation;

/// <summary>Writes a run as report.json (everything, for tools) and report.md (the figures and the misses, for people).</summary>
public static class EvaluationReportWriter
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static async Task<(string JsonPath, string MarkdownPath)> WriteAsync(EvaluationReport report, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var jsonPath = Path.GetFullPath(Path.Combine(outputDirectory, "report.json"));
        var markdownPath = Path.GetFullPath(Path.Combine(outputDirectory, "report.md"));
        await using (var stream = File.Create(jsonPath))
            await JsonSerializer.SerializeAsync(stream, report, JsonOptions, cancellationToken);
        await File.WriteAllTextAsync(markdownPath, ToMarkdown(report), cancellationToken);
        return (jsonPath, markdownPath);
    }

    /// <summary>
    /// Writes each run of a suite into its own folder (SET@SOURCE/report.json and report.md) and the suite's
    /// tables into summary.md and summary.json; returns the path of summary.md.
    /// </summary>
    public static async Task<string> WriteSuiteAsync(EvaluationSuiteReport report, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        foreach (var run in report.Runs)
            await WriteAsync(run.Report, Path.Combine(outputDirectory, $"{Path.GetFileNameWithoutExtension(run.Set)}@{run.Source}"), cancellationToken);
        var markdown = Path.GetFullPath(Path.Combine(outputDirectory, "summary.md"));
        await File.WriteAllTextAsync(markdown, report.ToText(), cancellationToken);
        await using (var stream = File.Create(Path.Combine(outputDirectory, "summary.json")))
            await JsonSerializer.SerializeAsync(stream, new
            {
                report.Name,
                report.Mode,
                report.Today,
                Overall = report.Overall,
                Runs = report.Runs.Select(r => new { r.Set, r.Source, r.Report.Summary }),
            }, JsonOptions, cancellationToken);
        return markdown;
    }

    public static string ToMarkdown(EvaluationReport report)
    {
        var s = report.Summary;
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"# Evaluation: {s.Set}");
        md.AppendLine();
        var started = s.Today is { } today ? $"today pinned to {today:yyyy-MM-dd}" : $"started {s.StartedAt:yyyy-MM-dd HH:mm:ss} UTC";
        md.AppendLine(c, $"Data source `{s.DataSource}`, mode `{s.Mode.ToString().ToLowerInvariant()}`, {started}, {s.DurationSeconds:0.0} s.");
        md.AppendLine();
        md.AppendLine("| | value |");
        md.AppendLine("| --- | ---: |");
        md.AppendLine(c, $"| answerable questions scored | {s.Totals.Scored} of {s.Totals.Questions} |");
        md.AppendLine(c, $"| right (execution accuracy) | {s.Totals.ExecutionAccuracyPercent:0.0}% ({s.Totals.Correct}) |");
        md.AppendLine(c, $"| declined | {s.Totals.DeclinedPercent:0.0}% ({s.Totals.Declined}) |");
        md.AppendLine(c, $"| answered wrong (wrong result or invalid SQL) | {s.Totals.AnsweredWrongPercent:0.0}% ({s.Totals.AnsweredWrong}) |");
        md.AppendLine(c, $"| valid SQL | {s.Totals.ValidSqlPercent:0.0}% ({s.Totals.Valid}) |");
        md.AppendLine(c, $"| invalid SQL | {s.Totals.Invalid} |");
        if (s.Unanswerable.Questions > 0)
            md.AppendLine(c, $"| unanswerable: declined correctly / answered although unanswerable | {s.Unanswerable.DeclinedCorrectlyPercent:0.0}% ({s.Unanswerable.DeclinedCorrectly}) / {s.Unanswerable.AnsweredPercent:0.0}% ({s.Unanswerable.Answered}) of {s.Unanswerable.Questions} |");
        if (s.Totals.GoldFailed > 0)
            md.AppendLine(c, $"| gold SQL failed (not scored) | {s.Totals.GoldFailed} |");
        md.AppendLine(c, $"| mean retrieval recall of gold tables | {Recall(s.Totals.MeanRetrievalRecall)} |");
        md.AppendLine(c, $"| generation time p50 / p95 (query excluded) | {s.LatencyP50Ms:0.0} ms / {s.LatencyP95Ms:0.0} ms |");
        md.AppendLine(c, $"| whole answer p50 / p95 | {s.AnswerP50Ms:0.0} ms / {s.AnswerP95Ms:0.0} ms |");
        md.AppendLine(c, $"| tokens in / out | {s.InputTokens} / {s.OutputTokens} |");
        md.AppendLine(c, $"| total cost | ${s.TotalCostUsd:0.0000} |");
        if (s.ByPath.Count > 0)
            md.AppendLine(c, $"| answer paths | {string.Join(", ", s.ByPath.Select(p => $"{p.Key} {p.Value}"))} |");

        AppendGroups(md, "By tier", s.ByTier);
        md.AppendLine();
        md.AppendLine("## Reliability (answers by the analyst's confidence)");
        md.AppendLine();
        AppendReliability(md, s.Reliability);
        AppendGroups(md, "By tag", s.ByTag);

        var misses = report.Cases.Where(r => r.Outcome is not (CaseOutcome.Correct or CaseOutcome.DeclinedCorrectly)).ToList();
        md.AppendLine();
        md.AppendLine(c, $"## Not correct ({misses.Count})");
        md.AppendLine();
        if (misses.Count == 0)
        {
            md.AppendLine("Every answerable question matched its gold result and every unanswerable one was declined.");
            return md.ToString();
        }
        md.AppendLine("| id | tier | outcome | confidence | question | why | generated SQL |");
        md.AppendLine("| --- | --- | --- | ---: | --- | --- | --- |");
        foreach (var r in misses)
            md.AppendLine(c, $"| {r.Id} | {r.Tier} | {r.Outcome.ToString().ToLowerInvariant()} | {r.Confidence:0.00} | {Cell(r.Question)} | {Cell(r.Detail)} | {Code(r.GeneratedSql)} |");
        return md.ToString();
    }

    private static void AppendGroups(StringBuilder md, string title, IReadOnlyDictionary<string, EvaluationTotals> groups)
    {
        if (groups.Count == 0)
            return;
        var c = CultureInfo.InvariantCulture;
        md.AppendLine();
        md.AppendLine(c, $"## {title}");
        md.AppendLine();
        md.AppendLine("| group | scored | right | declined | answered wrong | valid SQL | recall |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, t) in groups)
            md.AppendLine(c, $"| {Cell(name)} | {t.Scored} | {t.ExecutionAccuracyPercent:0.0}% | {t.DeclinedPercent:0.0}% | {t.AnsweredWrongPercent:0.0}% | {t.ValidSqlPercent:0.0}% | {Recall(t.MeanRetrievalRecall)} |");
    }

    /// <summary>The reliability table: answers per confidence bucket, the share of them that was right and the confidence they stated.</summary>
    public static void AppendReliability(StringBuilder md, IReadOnlyList<ReliabilityBucket> buckets)
    {
        var c = CultureInfo.InvariantCulture;
        md.AppendLine("| confidence | answers | right | share right | mean confidence stated |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        for (var i = 0; i < buckets.Count; i++)
        {
            var b = buckets[i];
            var range = i == buckets.Count - 1 ? $"[{b.From:0.0}, {b.To:0.0}]" : $"[{b.From:0.0}, {b.To:0.0})";
            var share = b.RightPercent is { } p ? p.ToString("0.0", c) + "%" : "-";
            var stated = b.MeanConfidencePercent is { } m ? m.ToString("0.0", c) + "%" : "-";
            md.AppendLine(c, $"| {range} | {b.Answers} | {b.Right} | {share} | {stated} |");
        }
        if (ReliabilityBucket.CalibrationError(buckets) is { } error)
        {
            md.AppendLine();
            md.AppendLine(c, $"Calibration error (answers' mean gap between the confidence stated and the share right): {error:0.0} points.");
        }
    }

    private static string Recall(double? recall) => recall is null ? "n/a" : recall.Value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Cell(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Code(string? sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
            return "";
        var oneLine = string.Join(' ', sql.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        if (oneLine.Length > 300)
            oneLine = oneLine[..300] + " …";
        return "`" + oneLine.Replace("`", "'", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal) + "`";
    }
}

using System.Globalization;
using System.Text;
using NlAnalytics.Core.Offline;

namespace NlAnalytics.Core.Evaluation;

/// <summary>One composed offline draft of a development run: its features and whether its answer was right.</summary>
/// <summary>
/// One composed draft and whether it was right. <see cref="Id"/> is "set@source/case"; the same case asked of two
/// sources (Chinook with and without its keys) is one question for cross-validation (<see cref="OfflineCalibrationFitter.QuestionOf"/>).
/// </summary>
public sealed record CalibrationSample(OfflineFeatures Features, bool Right, bool Answerable, string Id);

/// <summary>What the fit found, for the verb's output: the calibration and its cross-validated behaviour.</summary>
public sealed record CalibrationFit(
    OfflineCalibration Calibration,
    double Lambda,
    double CrossValidatedLogLoss,
    double CrossValidatedBrier,
    IReadOnlyList<ReliabilityBucket> CrossValidatedReliability,
    IReadOnlyList<ThresholdOutcome> Thresholds);

/// <summary>What declining below <see cref="DeclineBelow"/> would have given on the development runs (cross-validated estimates).</summary>
public sealed record ThresholdOutcome(double DeclineBelow, int Right, int AnsweredWrong, int Answerable, int UnanswerableAnswered, int Unanswerable)
{
    public double RightPercent => Rates.Percent(Right, Answerable);
    public double AnsweredWrongPercent => Rates.Percent(AnsweredWrong, Answerable);
    public double UnanswerableDeclinedPercent => Unanswerable == 0 ? 100 : Rates.Percent(Unanswerable - UnanswerableAnswered, Unanswerable);
}

/// <summary>
/// Fits the offline writer's calibration: an L2-regularised logistic regression of "the answer was right" on the
/// draft's standardised <see cref="OfflineFeatures"/> (Newton's method; the penalty picked by k-fold
/// cross-validated log loss), then the lowest decline threshold whose cross-validated outcome keeps answered-wrong
/// and unanswerable-answered within the targets. Deterministic: one fold per question set, or by question when there
/// is one set (<see cref="FoldsOf"/>).
/// </summary>
public static class OfflineCalibrationFitter
{
    public const int Folds = 5;

    /// <summary>The default policy: never show an answer the calibration thinks more likely wrong than right.</summary>
    public const double MoreLikelyWrongThanRight = 0.5;
    private static readonly double[] Lambdas = [0.1, 0.3, 1, 3, 10, 30, 100];

    /// <param name="samples">Every composed draft (answered questions) of the development runs.</param>
    /// <param name="answerable">Answerable questions in the runs, composed or not (the rates' denominator).</param>
    /// <param name="unanswerable">Unanswerable questions in the runs.</param>
    /// <param name="wrongAtMost">
    /// Target share (%) of answerable questions answered wrong: the decline threshold becomes the lowest that meets it
    /// (and <paramref name="unanswerableDeclinedAtLeast"/>) on the cross-validated estimates. Null: decline below 0.5.
    /// </param>
    /// <param name="unanswerableDeclinedAtLeast">Target share (%) of unanswerable questions declined, with <paramref name="wrongAtMost"/>.</param>
    /// <param name="leftOutCap">
    /// The confidence the writer states at most for a draft that left a word out (<see cref="OfflineFeatures.LeftOut"/>;
    /// <see cref="OfflineSqlWriter.LeftOutCap"/>). The thresholds and the reliability table are those of the estimates the
    /// writer would state, so a threshold above the cap is credited with declining those drafts. Null: no cap.
    /// </param>
    public static CalibrationFit Fit(
        IReadOnlyList<CalibrationSample> samples, int answerable, int unanswerable, double? wrongAtMost, double unanswerableDeclinedAtLeast,
        string fittedOn, DateTimeOffset fittedAt, double? leftOutCap = null)
    {
        if (samples.Count < 10)
            throw new ArgumentException($"Calibration needs at least 10 composed drafts; the runs gave {samples.Count}.", nameof(samples));
        var x = samples.Select(s => s.Features.Vector.ToArray()).ToArray();
        var y = samples.Select(s => s.Right ? 1.0 : 0.0).ToArray();
        var folds = FoldsOf(samples);

        var best = (Lambda: Lambdas[0], LogLoss: double.MaxValue, Estimates: Array.Empty<double>());
        foreach (var lambda in Lambdas)
        {
            var estimates = CrossValidate(x, y, lambda, folds);
            var logLoss = estimates.Select((p, i) => -(y[i] * Math.Log(Math.Max(p, 1e-9)) + (1 - y[i]) * Math.Log(Math.Max(1 - p, 1e-9)))).Average();
            if (logLoss < best.LogLoss - 1e-12) best = (lambda, logLoss, estimates);
        }
        var stated = best.Estimates.Select((p, i) => leftOutCap is { } cap && samples[i].Features.LeftOut ? Math.Min(p, cap) : p).ToArray();

        var thresholds = new List<ThresholdOutcome>();
        for (var t = 0.0; t <= 0.951; t += 0.05)
        {
            var cut = Math.Round(t, 2);
            var kept = samples.Where((_, i) => stated[i] >= cut).ToList();
            thresholds.Add(new ThresholdOutcome(cut,
                kept.Count(s => s.Answerable && s.Right),
                kept.Count(s => s.Answerable && !s.Right),
                answerable,
                kept.Count(s => !s.Answerable),
                unanswerable));
        }
        var chosen = wrongAtMost is { } target
            ? thresholds.FirstOrDefault(o => o.AnsweredWrongPercent <= target && o.UnanswerableDeclinedPercent >= unanswerableDeclinedAtLeast) ?? thresholds[^1]
            : thresholds.First(o => o.DeclineBelow >= MoreLikelyWrongThanRight);

        var (model, means, scales) = Train(x, y, best.Lambda);
        var names = OfflineFeatures.Names;
        var weights = names.Select((name, i) => new CalibrationWeight(name, Round(means[i]), Round(scales[i]), Round(model[i + 1]))).ToList();
        var calibration = new OfflineCalibration(
            "P(right) of an offline draft: logistic regression on standardised features, fitted on the development sets",
            weights, Round(model[0]), chosen.DeclineBelow, samples.Count, fittedOn, fittedAt,
            [
                string.Create(CultureInfo.InvariantCulture, $"L2 penalty {best.Lambda} chosen by {folds.Distinct().Count()}-fold cross-validated log loss ({best.LogLoss:0.000}){(folds.Distinct().Count() < Folds ? ", one fold per question set" : "")}"),
                wrongAtMost is null
                    ? "declineBelow: 0.5, no answer the calibration thinks more likely wrong than right (the verb's --wrong-at-most picks it from a target instead)"
                    : string.Create(CultureInfo.InvariantCulture, $"declineBelow: the lowest threshold whose cross-validated outcome has answered wrong <= {wrongAtMost}% and unanswerable declined >= {unanswerableDeclinedAtLeast}% (or the highest tried)"),
                .. leftOutCap is { } shownCap
                    ? [string.Create(CultureInfo.InvariantCulture, $"thresholds and reliability use the confidence the writer states: at most {shownCap:0.00} for a draft that left a word out")]
                    : Array.Empty<string>(),
            ]);

        var cases = samples.Select((s, i) => new CaseResult(s.Id, "", null, [], null, 0, s.Answerable ? "gold" : null, "sql", null,
            s.Answerable ? s.Right ? CaseOutcome.Correct : CaseOutcome.Incorrect : CaseOutcome.AnsweredUnanswerable,
            null, 0, 0, 0, 0, "offline", [], [], null, stated[i])).ToList();
        var brier = best.Estimates.Select((p, i) => (p - y[i]) * (p - y[i])).Average();
        return new CalibrationFit(calibration, best.Lambda, Math.Round(best.LogLoss, 4), Math.Round(brier, 4), ReliabilityBucket.Of(cases), thresholds);
    }

    /// <summary>The verb's report: the penalty, the cross-validated reliability table and what each threshold would give.</summary>
    public static string Describe(CalibrationFit fit)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"Offline calibration fitted on {fit.Calibration.FittedOn}: {fit.Calibration.Samples} composed drafts, L2 penalty {fit.Lambda}, cross-validated log loss {fit.CrossValidatedLogLoss:0.000}, Brier {fit.CrossValidatedBrier:0.000}.");
        md.AppendLine();
        md.AppendLine("Cross-validated estimates (each draft scored by a model that did not see it), no threshold applied:");
        md.AppendLine();
        EvaluationReportWriter.AppendReliability(md, fit.CrossValidatedReliability);
        md.AppendLine();
        md.AppendLine("| decline below | right | answered wrong | unanswerable declined |");
        md.AppendLine("| ---: | ---: | ---: | ---: |");
        foreach (var t in fit.Thresholds)
            md.AppendLine(c, $"| {t.DeclineBelow:0.00}{(t.DeclineBelow == fit.Calibration.DeclineBelow ? " (chosen)" : "")} | {t.RightPercent:0.0}% ({t.Right}) | {t.AnsweredWrongPercent:0.0}% ({t.AnsweredWrong}) | {t.UnanswerableDeclinedPercent:0.0}% |");
        md.AppendLine();
        md.AppendLine("| feature | weight (per standard deviation) |");
        md.AppendLine("| --- | ---: |");
        md.AppendLine(c, $"| (bias) | {fit.Calibration.Bias:0.000} |");
        foreach (var w in fit.Calibration.Weights.OrderByDescending(w => Math.Abs(w.Weight)))
            md.AppendLine(c, $"| {w.Name} | {w.Weight:0.000} |");
        return md.ToString();
    }

    /// <summary>
    /// The fold of each sample. With drafts from two or more question sets (databases), leave one set out: the penalty
    /// is then chosen for how the fit carries to a database it was not fitted on, which is what the product meets (a
    /// fit that only knows the development databases was right two thirds of the time on unseen ones when it said 90%).
    /// With one set, <see cref="Folds"/> folds by question, in order of first appearance, so a question asked of two
    /// sources never sits on both sides.
    /// </summary>
    internal static int[] FoldsOf(IReadOnlyList<CalibrationSample> samples)
    {
        var sets = samples.Select(s => SetOf(s.Id)).Distinct(StringComparer.Ordinal).ToList();
        if (sets.Count >= 2)
            return [.. samples.Select(s => sets.IndexOf(SetOf(s.Id)))];
        var questions = new Dictionary<string, int>(StringComparer.Ordinal);
        return [.. samples.Select(s => (questions.TryAdd(QuestionOf(s.Id), questions.Count) ? questions.Count - 1 : questions[QuestionOf(s.Id)]) % Folds)];
    }

    private static string SetOf(string id) => id.IndexOf('@', StringComparison.Ordinal) is var at and >= 0 ? id[..at] : "";

    /// <summary>"set/case" of a sample id "set@source/case": the question, whichever source it was asked of.</summary>
    public static string QuestionOf(string id)
    {
        var at = id.IndexOf('@', StringComparison.Ordinal);
        var slash = id.LastIndexOf('/');
        return at >= 0 && slash > at ? id[..at] + id[slash..] : id;
    }

    /// <summary>Each sample's estimate from a model trained on the other folds.</summary>
    internal static double[] CrossValidate(double[][] x, double[] y, double lambda, int[] folds)
    {
        var estimates = new double[x.Length];
        foreach (var fold in folds.Distinct())
        {
            var train = Enumerable.Range(0, x.Length).Where(i => folds[i] != fold).ToArray();
            var test = Enumerable.Range(0, x.Length).Where(i => folds[i] == fold).ToArray();
            if (test.Length == 0) continue;
            var (model, means, scales) = Train([.. train.Select(i => x[i])], [.. train.Select(i => y[i])], lambda);
            foreach (var i in test) estimates[i] = Predict(model, means, scales, x[i]);
        }
        return estimates;
    }

    internal static double Predict(double[] model, double[] means, double[] scales, double[] row)
    {
        var z = model[0];
        for (var j = 0; j < row.Length; j++) z += model[j + 1] * (row[j] - means[j]) / scales[j];
        return 1 / (1 + Math.Exp(-z));
    }

    /// <summary>
    /// Newton's method on the penalised log likelihood (the bias is not penalised), over features standardised
    /// to mean 0 and standard deviation 1 (a constant feature gets scale 1 and, penalised, weight 0).
    /// </summary>
    internal static (double[] Model, double[] Means, double[] Scales) Train(double[][] x, double[] y, double lambda)
    {
        var n = x.Length;
        var d = x[0].Length;
        var means = new double[d];
        var scales = new double[d];
        for (var j = 0; j < d; j++)
        {
            means[j] = x.Average(r => r[j]);
            var sd = Math.Sqrt(x.Average(r => (r[j] - means[j]) * (r[j] - means[j])));
            scales[j] = sd < 1e-9 ? 1 : sd;
        }
        var z = new double[n][];
        for (var i = 0; i < n; i++)
        {
            z[i] = new double[d + 1];
            z[i][0] = 1;
            for (var j = 0; j < d; j++) z[i][j + 1] = (x[i][j] - means[j]) / scales[j];
        }

        var w = new double[d + 1];
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var gradient = new double[d + 1];
            var hessian = new double[d + 1, d + 1];
            for (var i = 0; i < n; i++)
            {
                var p = 1 / (1 + Math.Exp(-Dot(w, z[i])));
                var r = p * (1 - p);
                for (var a = 0; a <= d; a++)
                {
                    gradient[a] += (p - y[i]) * z[i][a];
                    for (var b = 0; b <= d; b++) hessian[a, b] += r * z[i][a] * z[i][b];
                }
            }
            for (var a = 1; a <= d; a++)
            {
                gradient[a] += lambda * w[a];
                hessian[a, a] += lambda;
            }
            hessian[0, 0] += 1e-9;
            var step = Solve(hessian, gradient);
            var size = 0.0;
            for (var a = 0; a <= d; a++)
            {
                w[a] -= step[a];
                size = Math.Max(size, Math.Abs(step[a]));
            }
            if (size < 1e-8) break;
        }
        return (w, means, scales);
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Gaussian elimination with partial pivoting (the penalised Hessian is positive definite).</summary>
    private static double[] Solve(double[,] matrix, double[] vector)
    {
        var n = vector.Length;
        var a = (double[,])matrix.Clone();
        var b = (double[])vector.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < n; row++)
                if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col])) pivot = row;
            if (pivot != col)
            {
                for (var k = 0; k < n; k++) (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
                (b[col], b[pivot]) = (b[pivot], b[col]);
            }
            var diagonal = a[col, col];
            if (Math.Abs(diagonal) < 1e-12) continue;
            for (var row = col + 1; row < n; row++)
            {
                var factor = a[row, col] / diagonal;
                if (factor == 0) continue;
                for (var k = col; k < n; k++) a[row, k] -= factor * a[col, k];
                b[row] -= factor * b[col];
            }
        }
        var solution = new double[n];
        for (var row = n - 1; row >= 0; row--)
        {
            var sum = b[row];
            for (var k = row + 1; k < n; k++) sum -= a[row, k] * solution[k];
            solution[row] = Math.Abs(a[row, row]) < 1e-12 ? 0 : sum / a[row, row];
        }
        return solution;
    }

    private static double Round(double value) => Math.Round(value, 6);
}

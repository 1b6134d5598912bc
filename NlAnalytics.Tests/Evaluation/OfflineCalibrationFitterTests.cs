using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Offline;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>
/// The calibration fit on drafts drawn from a known model: right with probability sigmoid(6 (h - 0.6) - 2 ignored),
/// where h is the composer's heuristic and ignored the words left out. The fit must find those probabilities
/// back, and its decline threshold must do what it says on the cross-validated estimates.
/// </summary>
public sealed class OfflineCalibrationFitterTests
{
    private static double TrueProbability(double heuristic, int ignored) => 1 / (1 + Math.Exp(-(6 * (heuristic - 0.6) - 2 * ignored)));

    private static List<CalibrationSample> Draw(int count, int seed)
    {
        var random = new Random(seed);
        var samples = new List<CalibrationSample>(count);
        for (var i = 0; i < count; i++)
        {
            var heuristic = random.NextDouble();
            var ignored = random.NextDouble() < 0.3 ? 1 : 0;
            var right = random.NextDouble() < TrueProbability(heuristic, ignored);
            samples.Add(new CalibrationSample(Features(heuristic, ignored), right, Answerable: true, $"q{i}"));
        }
        return samples;
    }

    private static OfflineFeatures Features(double heuristic, int ignored) =>
        new(heuristic, ignored, 4, 0, false, 0, false, false, 1, 0, 0, false, 1, false, false, false, false, true);

    [Fact]
    public void The_fitted_calibration_finds_the_probabilities_the_drafts_were_drawn_with()
    {
        var fit = OfflineCalibrationFitter.Fit(Draw(3000, 7), answerable: 3000, unanswerable: 0, wrongAtMost: null, 90, "synthetic", DateTimeOffset.UnixEpoch);

        foreach (var heuristic in new[] { 0.2, 0.5, 0.8, 0.95 })
            foreach (var ignored in new[] { 0, 1 })
            {
                var estimate = fit.Calibration.Estimate(Features(heuristic, ignored));
                var truth = TrueProbability(heuristic, ignored);
                Assert.True(Math.Abs(estimate - truth) < 0.06, $"h={heuristic} ignored={ignored}: estimated {estimate:0.000}, true {truth:0.000}");
            }
        Assert.Equal(0.5, fit.Calibration.DeclineBelow);
        Assert.Equal(3000, fit.Calibration.Samples);
    }

    [Fact]
    public void Cross_validated_buckets_are_right_about_as_often_as_they_say()
    {
        var fit = OfflineCalibrationFitter.Fit(Draw(3000, 11), 3000, 0, null, 90, "synthetic", DateTimeOffset.UnixEpoch);

        foreach (var bucket in fit.CrossValidatedReliability.Where(b => b.Answers >= 100))
            Assert.True(Math.Abs(bucket.RightPercent!.Value - bucket.MeanConfidencePercent!.Value) < 6,
                $"[{bucket.From}, {bucket.To}): {bucket.RightPercent}% right, {bucket.MeanConfidencePercent}% stated");
        Assert.True(ReliabilityBucket.CalibrationError(fit.CrossValidatedReliability) < 4);
    }

    [Fact]
    public void A_target_for_answered_wrong_picks_the_lowest_threshold_that_meets_it()
    {
        var fit = OfflineCalibrationFitter.Fit(Draw(1000, 3), 1000, 0, wrongAtMost: 5, 90, "synthetic", DateTimeOffset.UnixEpoch);

        var chosen = fit.Thresholds.Single(t => t.DeclineBelow == fit.Calibration.DeclineBelow);
        Assert.True(chosen.AnsweredWrongPercent <= 5, $"{chosen.AnsweredWrongPercent}% wrong at {chosen.DeclineBelow}");
        Assert.All(fit.Thresholds.Where(t => t.DeclineBelow < chosen.DeclineBelow), t => Assert.True(t.AnsweredWrongPercent > 5));
        // Declining more never answers more questions wrong.
        Assert.True(fit.Thresholds.Zip(fit.Thresholds.Skip(1)).All(p => p.Second.AnsweredWrong <= p.First.AnsweredWrong));
    }

    [Fact]
    public void Thresholds_above_the_cap_for_left_out_words_answer_none_of_those_drafts()
    {
        // Every draft left a word out; many are right and estimated well above the cap, but the writer states at most the cap.
        var samples = Draw(1000, 13).Select(s => s with { Features = s.Features with { IgnoredWords = 1, Heuristic = 0.99 } }).ToList();

        var fit = OfflineCalibrationFitter.Fit(samples, 1000, 0, wrongAtMost: 5, 90, "synthetic", DateTimeOffset.UnixEpoch, leftOutCap: 0.59);

        Assert.All(fit.Thresholds.Where(t => t.DeclineBelow >= 0.6), t => Assert.Equal(0, t.Right + t.AnsweredWrong));
        Assert.True(fit.Thresholds.Single(t => t.DeclineBelow == 0).Right > 0);
        Assert.All(fit.CrossValidatedReliability.Where(b => b.From >= 0.6), b => Assert.Equal(0, b.Answers));
    }

    [Fact]
    public void A_calibration_file_round_trips_and_a_bad_one_says_what_is_wrong()
    {
        var fit = OfflineCalibrationFitter.Fit(Draw(500, 5), 500, 0, null, 90, "synthetic", DateTimeOffset.UnixEpoch);
        var read = OfflineCalibration.Parse(fit.Calibration.ToJson());
        Assert.Equal(fit.Calibration.Estimate(Features(0.7, 0)), read.Estimate(Features(0.7, 0)), 9);

        var unknown = Assert.Throws<FormatException>(() => OfflineCalibration.Parse("""{ "description": "x", "weights": [ { "name": "shoe_size", "mean": 0, "scale": 1, "weight": 1 } ], "bias": 0, "declineBelow": 0.5 }"""));
        Assert.Contains("shoe_size", unknown.Message);
        Assert.Throws<FormatException>(() => OfflineCalibration.Parse("""{ "description": "x", "weights": [], "bias": 0, "declineBelow": 1.5 }"""));
        Assert.Throws<FormatException>(() => OfflineCalibration.Parse("not json"));
    }

    [Fact]
    public void The_shipped_calibration_is_the_one_fitted_on_the_development_sets()
    {
        var shipped = OfflineCalibration.Default;

        Assert.Equal("benchmarks/dev", shipped.FittedOn);
        Assert.Equal(OfflineFeatures.Names.Count, shipped.Weights.Count);
        Assert.InRange(shipped.DeclineBelow, 0.3, 0.9);
        // Left-out words only ever lower the estimate.
        var grounded = Features(0.92, 0) with { MeaningfulItems = 3 };
        Assert.True(shipped.Estimate(grounded with { IgnoredWords = 1 }) < shipped.Estimate(grounded));
    }
}

public sealed class CalibrationQuestionTests
{
    [Theory]
    [InlineData("chinook.jsonl@chinook/chinook-017", "chinook.jsonl/chinook-017")]
    [InlineData("chinook.jsonl@chinook_nofk/chinook-017", "chinook.jsonl/chinook-017")]
    [InlineData("q7", "q7")]
    public void A_case_asked_of_two_sources_is_one_question_for_cross_validation(string id, string question) =>
        Assert.Equal(question, NlAnalytics.Core.Evaluation.OfflineCalibrationFitter.QuestionOf(id));
}

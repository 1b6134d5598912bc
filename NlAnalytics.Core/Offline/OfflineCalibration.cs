using System.Text.Json;
using System.Text.Json.Serialization;

namespace NlAnalytics.Core.Offline;

/// <summary>One feature's standardisation and weight in the calibration's logistic model.</summary>
public sealed record CalibrationWeight(string Name, double Mean, double Scale, double Weight);

/// <summary>
/// Turns an offline draft's <see cref="OfflineFeatures"/> into the probability that its answer is right: a
/// logistic model over standardised features, fitted on the development sets by the <c>calibrate-offline</c>
/// verb and shipped as <c>Offline/offline-calibration.json</c> (see docs/decisions). <see cref="DeclineBelow"/>
/// is the estimate under which the writer declines rather than answers.
/// </summary>
public sealed record OfflineCalibration(
    string Description,
    IReadOnlyList<CalibrationWeight> Weights,
    double Bias,
    double DeclineBelow,
    int Samples = 0,
    string? FittedOn = null,
    DateTimeOffset? FittedAt = null,
    IReadOnlyList<string>? Notes = null)
{
    public const string ResourceName = "NlAnalytics.Offline.offline-calibration.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// No model: the composer's own heuristic score stands as the estimate, and nothing is declined for a low
    /// score. What <c>calibrate-offline</c> runs with, so it sees every draft the writer can compose.
    /// </summary>
    public static OfflineCalibration Uncalibrated { get; } = new("uncalibrated: the composer's heuristic score", [], 0, 0);

    private static readonly Lazy<OfflineCalibration> Shipped = new(LoadShipped);

    /// <summary>The calibration shipped in the assembly (the heuristic with the old 0.35 floor if none is embedded).</summary>
    public static OfflineCalibration Default => Shipped.Value;

    /// <summary>P(right) for a draft with these features.</summary>
    public double Estimate(OfflineFeatures features)
    {
        if (Weights.Count == 0)
            return Math.Clamp(features.Heuristic, 0, 1);
        var vector = features.Vector;
        var z = Bias;
        foreach (var weight in Weights)
        {
            var i = IndexOf(weight.Name);
            if (i < 0) continue;
            z += weight.Weight * (vector[i] - weight.Mean) / (weight.Scale == 0 ? 1 : weight.Scale);
        }
        return 1 / (1 + Math.Exp(-z));
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a calibration file; a clear error names what is wrong with it.</summary>
    public static OfflineCalibration Parse(string json)
    {
        OfflineCalibration? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<OfflineCalibration>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The offline calibration is not valid JSON: {e.Message}", e);
        }
        if (parsed is null || parsed.Weights is null)
            throw new FormatException("The offline calibration has no \"weights\".");
        var unknown = parsed.Weights.Where(w => IndexOf(w.Name) < 0).Select(w => w.Name).ToList();
        if (unknown.Count > 0)
            throw new FormatException($"The offline calibration weighs features the writer does not compute: {string.Join(", ", unknown)}.");
        if (parsed.DeclineBelow is < 0 or > 1)
            throw new FormatException("The offline calibration's \"declineBelow\" must lie between 0 and 1.");
        return parsed;
    }

    private static int IndexOf(string name)
    {
        var names = OfflineFeatures.Names;
        for (var i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        return -1;
    }

    private static OfflineCalibration LoadShipped()
    {
        using var stream = typeof(OfflineCalibration).Assembly.GetManifestResourceStream(ResourceName);
        if (stream is null)
            return Uncalibrated with { Description = "no calibration shipped: the composer's heuristic score", DeclineBelow = 0.35 };
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}

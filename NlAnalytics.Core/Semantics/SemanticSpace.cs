using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Semantics;

/// <summary>A catalog text close in meaning to a question phrase, with its cosine similarity.</summary>
public sealed record SemanticMatch(VocabularyEntry Entry, float Similarity);

/// <summary>
/// The vectors of one catalog's vocabulary, ready to compare with a question's. Immutable; brute-force
/// cosine (vectors are unit length, so a dot product): tens of thousands of 384-dimension vectors take
/// a few milliseconds, and no vector index is available for PostgreSQL 15 here.
/// </summary>
public sealed class SemanticSpace
{
    private readonly float[][] _vectors;
    private readonly Dictionary<string, int> _tables;

    internal SemanticSpace(DatabaseCatalog catalog, IReadOnlyList<VocabularyEntry> entries, float[][] vectors)
    {
        Catalog = catalog;
        Entries = entries;
        _vectors = vectors;
        _tables = catalog.Tables.Select((t, i) => (t.QualifiedName, i)).ToDictionary(p => p.QualifiedName, p => p.i, StringComparer.OrdinalIgnoreCase);
    }

    public DatabaseCatalog Catalog { get; }

    public IReadOnlyList<VocabularyEntry> Entries { get; }

    /// <summary>The entries closest to <paramref name="query"/>, best first, at or above <paramref name="minimum"/>.</summary>
    public IReadOnlyList<SemanticMatch> Nearest(float[] query, int take, float minimum, Func<VocabularyEntry, bool>? where = null)
    {
        var best = new List<SemanticMatch>();
        for (var i = 0; i < _vectors.Length; i++)
        {
            if (where is not null && !where(Entries[i]))
                continue;
            var similarity = Dot(query, _vectors[i]);
            if (similarity >= minimum)
                best.Add(new SemanticMatch(Entries[i], similarity));
        }
        best.Sort((a, b) => b.Similarity.CompareTo(a.Similarity));
        return best.Count > take ? best.GetRange(0, take) : best;
    }

    /// <summary>Per table of the catalog (in catalog order), the similarity of its description to <paramref name="query"/>.</summary>
    public float[] TableSimilarity(float[] query)
    {
        var similarity = new float[_tables.Count];
        for (var i = 0; i < _vectors.Length; i++)
        {
            if (Entries[i].Kind != VocabularyKind.TableDocument || !_tables.TryGetValue(Entries[i].Table, out var t))
                continue;
            similarity[t] = Math.Max(similarity[t], Dot(query, _vectors[i]));
        }
        return similarity;
    }

    internal static float Dot(float[] a, float[] b)
    {
        var length = Math.Min(a.Length, b.Length);
        var width = System.Numerics.Vector<float>.Count;
        var sum = System.Numerics.Vector<float>.Zero;
        var i = 0;
        for (; i + width <= length; i += width)
            sum += new System.Numerics.Vector<float>(a, i) * new System.Numerics.Vector<float>(b, i);
        var dot = System.Numerics.Vector.Sum(sum);
        for (; i < length; i++)
            dot += a[i] * b[i];
        return dot;
    }
}

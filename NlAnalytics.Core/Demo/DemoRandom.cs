namespace NlAnalytics.Core.Demo;

/// <summary>
/// A small, fast, fully specified pseudo-random stream (xoshiro256**, seeded through SplitMix64).
/// System.Random's algorithm is an implementation detail of the runtime and string.GetHashCode is
/// randomised per process, so neither may decide demo data that must be byte-identical for a seed.
/// Each table draws from its own named stream, so changing one table's generation leaves the others unchanged.
/// </summary>
internal sealed class DemoRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public DemoRandom(int seed, string stream)
    {
        var state = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ StableHash(stream));
        _s0 = SplitMix(ref state);
        _s1 = SplitMix(ref state);
        _s2 = SplitMix(ref state);
        _s3 = SplitMix(ref state);
    }

    /// <summary>A seed for libraries that take an int (Bogus), derived from this stream.</summary>
    public int NextSeed() => (int)(NextUInt64() >> 33);

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => (int)((NextUInt64() >> 32) * (ulong)maxExclusive >> 32);

    /// <summary>Uniform in [minInclusive, maxInclusive].</summary>
    public int Between(int minInclusive, int maxInclusive) => minInclusive + Next(maxInclusive - minInclusive + 1);

    public double Between(double min, double max) => min + (max - min) * NextDouble();

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Index drawn with the given relative weights.</summary>
    public int PickWeighted(IReadOnlyList<double> weights)
    {
        var total = 0.0;
        for (var i = 0; i < weights.Count; i++)
            total += weights[i];
        var target = NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            target -= weights[i];
            if (target < 0)
                return i;
        }
        return weights.Count - 1;
    }

    /// <summary>Index into a prefix of ascending cumulative weights, [0, count).</summary>
    public int PickCumulative(double[] cumulative, int count)
    {
        var target = NextDouble() * cumulative[count - 1];
        var index = Array.BinarySearch(cumulative, 0, count, target);
        index = index < 0 ? ~index : index + 1;
        return Math.Min(index, count - 1);
    }

    /// <summary>Roughly bell-shaped in [-1, 1] (mean of three uniforms), without transcendental functions.</summary>
    public double Bell() => (NextDouble() + NextDouble() + NextDouble()) * (2.0 / 3.0) - 1.0;

    /// <summary>Rounds a non-integer expectation up or down at random so the expected value is kept.</summary>
    public int RoundStochastic(double value)
    {
        var floor = Math.Floor(value);
        return (int)floor + (NextDouble() < value - floor ? 1 : 0);
    }

    public void Shuffle<T>(T[] items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a over UTF-16 code units: stable across processes and runtimes.</summary>
    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}

using System.Globalization;

namespace NlAnalytics.Core.Hosting;

/// <summary>
/// Server settings for analytics on the machine the embedded cluster finds: memory from the RAM the process may
/// use, parallelism from its cores, connections from the pools that open them. Passed as <c>-c</c> options at start,
/// so they follow the machine rather than the data folder. The README says what to set on your own server.
/// </summary>
public sealed record PostgresTuning(IReadOnlyList<KeyValuePair<string, string>> Settings)
{
    private const long MiB = 1L << 20;

    /// <summary>
    /// Npgsql's default pool maximum: the app database and each data source's query role get a pool of this size
    /// (the executor's and the app's), and the cluster must not refuse a connection a pool is allowed to open.
    /// </summary>
    public const int PoolSize = 100;

    /// <summary>Pools the embedded cluster serves at full size: the app database and the demo's query role.</summary>
    public const int FullPools = 2;

    /// <summary>Catalog reads, provisioning, samples, CLI verbs next to the app, and the superuser's reserved slots.</summary>
    public const int Reserve = 40;

    public string this[string name] => Settings.First(s => s.Key == name).Value;

    /// <summary>The settings for this process's machine (memory limit of its container, if any; its cores).</summary>
    public static PostgresTuning ForThisMachine() => For(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, Environment.ProcessorCount);

    public static PostgresTuning For(long memoryBytes, int cores)
    {
        var memory = Math.Max(memoryBytes, 1024 * MiB);
        cores = Math.Max(1, cores);
        var connections = FullPools * PoolSize + Reserve;
        // A quarter of memory for sorts and hashes of all connections at once; PostgreSQL's 4 MB default as the floor.
        var workMem = Math.Clamp(memory / 4 / connections, 4 * MiB, 64 * MiB);
        return new PostgresTuning(
        [
            new("max_connections", connections.ToString(CultureInfo.InvariantCulture)),
            // The app shares the machine: an eighth of memory (not the usual quarter of a dedicated server), up to 4 GB.
            new("shared_buffers", Megabytes(Math.Clamp(memory / 8, 128 * MiB, 4096 * MiB))),
            // What the planner may assume the OS caches: half of memory.
            new("effective_cache_size", Megabytes(memory / 2)),
            new("work_mem", Megabytes(workMem)),
            new("maintenance_work_mem", Megabytes(Math.Clamp(memory / 32, 64 * MiB, 1024 * MiB))),
            new("max_worker_processes", Math.Max(8, cores + 2).ToString(CultureInfo.InvariantCulture)),
            new("max_parallel_workers", cores.ToString(CultureInfo.InvariantCulture)),
            // Half the cores per query: under many analysts a query that takes every core makes the others wait.
            new("max_parallel_workers_per_gather", Math.Max(1, cores / 2).ToString(CultureInfo.InvariantCulture)),
            new("max_parallel_maintenance_workers", Math.Max(1, cores / 2).ToString(CultureInfo.InvariantCulture)),
            // Analytic filters and group-bys on skewed columns: ten times the samples of the default 100.
            new("default_statistics_target", "1000"),
            // Local SSD storage: random reads cost little more than sequential ones.
            new("random_page_cost", "1.1"),
            new("effective_io_concurrency", "200"),
            // JIT compiles every expression of a query costed above 100,000; the demo's million-row aggregations pay
            // 50-300 ms of compilation for a query that runs in about as long.
            new("jit", "off"),
            // The demo load writes 1.6 M rows at once: fewer forced checkpoints.
            new("max_wal_size", "2GB"),
        ]);
    }

    /// <summary>The settings as postgres command-line options: <c>-c name=value ...</c>.</summary>
    public string ToCommandLine() => string.Join(' ', Settings.Select(s => $"-c {s.Key}={s.Value}"));

    private static string Megabytes(long bytes) => (bytes / MiB).ToString(CultureInfo.InvariantCulture) + "MB";
}

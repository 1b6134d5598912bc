namespace NlAnalytics.Core.Demo;

/// <summary>Progress of one table's load: <see cref="RowsExpected"/> is exact except for sales.returns, which is an estimate until the table completes.</summary>
public sealed record DemoLoadProgress(string Table, long RowsDone, long RowsExpected);

/// <summary>Rows loaded into one table, named schema.table.</summary>
public sealed record DemoTableRows(string Table, long Rows);

/// <summary>What a demo load did: rows per table in load order, and how fast (elapsed includes indexes, constraints and ANALYZE).</summary>
public sealed record DemoLoadReport(IReadOnlyList<DemoTableRows> Tables, TimeSpan Elapsed, DemoStamp Stamp)
{
    public long TotalRows => Tables.Sum(t => t.Rows);

    public double RowsPerSecond => Elapsed > TimeSpan.Zero ? TotalRows / Elapsed.TotalSeconds : 0;

    public long RowsOf(string table) => Tables.FirstOrDefault(t => t.Table == table)?.Rows ?? 0;
}

/// <summary>
/// Marks a database as holding the demo warehouse and with which inputs. Stored as JSON in the comment
/// of schema sales, so no extra table shows up in the catalog.
/// </summary>
public sealed record DemoStamp(int Seed, double Scale, DateOnly EndDate, int GeneratorVersion, DateTimeOffset GeneratedAt)
{
    /// <summary>
    /// True when this stamp was made by the current generator from these options. With no fixed EndDate
    /// the end date is not compared, so the demo is not regenerated just because a day has passed.
    /// </summary>
    public bool Satisfies(DemoWarehouseOptions options) =>
        GeneratorVersion == DemoWarehouseGenerator.GeneratorVersion
        && Seed == options.Seed
        && Scale.Equals(options.Scale)
        && (options.EndDate is null || options.EndDate == EndDate);
}

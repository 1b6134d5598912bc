using System.ComponentModel.DataAnnotations;

namespace NlAnalytics.Core.Catalog;

/// <summary>How catalog introspection builds the value index and how long it may take.</summary>
public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    /// <summary>A text column enters the value index only when it has at most this many distinct values.</summary>
    [Range(1, 1000)]
    public int MaxDistinctValues { get; set; } = 100;

    /// <summary>
    /// Tables up to this many rows (lookup tables such as genres or regions) have their text columns read
    /// directly when pg_stats cannot list their values (ANALYZE keeps no most-common values for unique columns). 0 turns this off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int LookupTableMaxRows { get; set; } = 1000;

    /// <summary>At most this many lookup-table columns are read, in one query, so huge catalogs stay bounded.</summary>
    [Range(0, 100_000)]
    public int MaxLookupColumns { get; set; } = 500;

    /// <summary>
    /// Infer join keys the database does not declare from names and types, each confirmed on a sample of its
    /// values (docs/decisions/0015); declared keys always win.
    /// </summary>
    public bool InferJoinKeys { get; set; } = true;

    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 120;
}

using System.ComponentModel.DataAnnotations;

namespace NlAnalytics.Core.Retrieval;

/// <summary>Schema retrieval settings, including descriptions an administrator writes where the database has no comments.</summary>
public sealed class RetrievalOptions
{
    public const string SectionName = "Retrieval";

    /// <summary>
    /// Data source name, then "schema.table" or "schema.table.column", then a description. Indexed like
    /// comments, and shown in the schema prompt.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> Descriptions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many of the closest tables by embedding take part in rank fusion.</summary>
    [Range(1, 1000)]
    public int DenseCandidates { get; set; } = 50;
}

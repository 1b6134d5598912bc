using System.ComponentModel.DataAnnotations;

namespace NlAnalytics.Core.Knowledge;

/// <summary>A document taught to a source: its name, what it was (Markdown, Text, Pdf), its size and passages, and who uploaded which version.</summary>
public sealed record KnowledgeDocument(
    long Id, string DataSource, string Name, string Format, long Bytes, int Passages, int Version, string UploadedBy, DateTimeOffset UploadedAt);

/// <summary>
/// A passage of a source's document that was close enough to a question to go into the LLM's prompt, as the answer's
/// "Sources used" shows it. <see cref="Similarity"/> is the cosine of the question's vector and the passage's.
/// </summary>
public sealed record DocumentPassage(long DocumentId, string Document, int Ordinal, string? Heading, string Text, float Similarity);

/// <summary>A document that cannot be taught, with a message for the person who uploaded it; nothing of it was stored.</summary>
public sealed class DocumentException(string message) : Exception(message);

/// <summary>Bounds on the documents of a source and on what of them goes into a prompt.</summary>
public sealed class DocumentOptions
{
    public const string SectionName = "Knowledge:Documents";

    [Range(1, 1_000_000_000)]
    public long MaxFileBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>All documents of one source together.</summary>
    [Range(1, 10_000_000_000)]
    public long MaxSourceBytes { get; set; } = 50 * 1024 * 1024;

    /// <summary>A longer text is refused rather than embedded for minutes: split it into several documents.</summary>
    [Range(1, 100_000)]
    public int MaxPassagesPerDocument { get; set; } = 2000;

    /// <summary>
    /// Characters of a passage. MiniLM was trained on 256 word pieces and cuts longer input silently; 900 characters of
    /// English prose stay under that, and a prompt of three passages stays near 700 tokens.
    /// </summary>
    [Range(200, 2000)]
    public int PassageCharacters { get; set; } = 900;

    /// <summary>The end of one passage repeated at the start of the next, so a sentence split between them is whole in one.</summary>
    [Range(0, 500)]
    public int OverlapCharacters { get; set; } = 150;

    /// <summary>Passages a question gets at most.</summary>
    [Range(0, 20)]
    public int PassagesPerQuestion { get; set; } = 3;

    /// <summary>
    /// Cosine below which a passage is not about the question. MiniLM puts unrelated English texts mostly under 0.2 and a
    /// passage that answers a question's words mostly above 0.4.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinimumSimilarity { get; set; } = 0.3;
}

using System.ComponentModel.DataAnnotations;

namespace NlAnalytics.Core.Semantics;

/// <summary>Meaning-based grounding with the local sentence encoder.</summary>
public sealed class SemanticOptions
{
    public const string SectionName = "Semantics";

    /// <summary>Off: no model is loaded, nothing is embedded, grounding is lexical only.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Texts per encoder call. Small batches keep a question's own encoding from waiting long behind the background.</summary>
    [Range(1, 64)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Vectors are written to the app database every this many texts.</summary>
    [Range(1, 100_000)]
    public int SaveEvery { get; set; } = 512;
}

using System.ComponentModel.DataAnnotations;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Agents;

/// <summary>How the agent team answers: routing, retries and the bounds on every query it runs.</summary>
public sealed class AnalystOptions
{
    public const string SectionName = "Analyst";

    /// <summary>"Offline", "Llm" or "Hybrid"; empty means Hybrid when an LLM is configured, otherwise Offline.</summary>
    [RegularExpression("(?i)^(|offline|llm|hybrid)$", ErrorMessage = "Analyst:Mode must be empty, Offline, Llm or Hybrid.")]
    public string? Mode { get; set; }

    /// <summary>How many SQL drafts the writer gets, each after the previous one's database error.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    [Range(1, 1_000_000)]
    public int RowCap { get; set; } = 5000;

    [Range(1, 3600)]
    public int QueryTimeoutSeconds { get; set; } = 15;

    /// <summary>How many tables the schema selector hands to the writer.</summary>
    [Range(1, 100)]
    public int TopK { get; set; } = 8;

    /// <summary>In Hybrid mode the offline draft is used when its confidence is at least this; otherwise the LLM writes.</summary>
    [Range(0.0, 1.0)]
    public double HybridThreshold { get; set; } = 0.6;

    /// <summary>Ask the model to review LLM-written SQL against the question before running it (one more call per attempt).</summary>
    public bool LlmReview { get; set; }

    /// <summary>How many catalog lookups (columns, distinct values, sample rows, dry runs) the LLM writer may make per draft; 0 turns them off.</summary>
    [Range(0, 20)]
    public int MaxToolCalls { get; set; } = 4;

    /// <summary>How many answers one user may have running or waiting at once; more are refused (HTTP 429) until one ends.</summary>
    [Range(1, 1000)]
    public int MaxAnswersInProgressPerUser { get; set; } = 5;

    /// <summary>How many answers run at once on this instance, over all users; the others wait their turn (and say so).</summary>
    [Range(1, 1000)]
    public int MaxConcurrentAnswers { get; set; } = 8;

    /// <summary>
    /// How many offline answers do their in-process work (everything but the query) at once; 0: one per processor
    /// (at least 2). See <see cref="LocalWorkSlots"/>.
    /// </summary>
    [Range(0, 1000)]
    public int LocalWorkSlots { get; set; }

    /// <summary>The mode to use when a caller does not choose one.</summary>
    public AnalysisMode ResolveMode(bool llmConfigured) =>
        string.IsNullOrWhiteSpace(Mode)
            ? llmConfigured ? AnalysisMode.Hybrid : AnalysisMode.Offline
            : Enum.Parse<AnalysisMode>(Mode, ignoreCase: true);

    public QueryLimits Limits => new(RowCap, TimeSpan.FromSeconds(QueryTimeoutSeconds));
}

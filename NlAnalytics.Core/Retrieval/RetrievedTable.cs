namespace NlAnalytics.Core.Retrieval;

/// <summary>A table the schema selector chose, with its score and why.</summary>
public sealed record RetrievedTable(string QualifiedName, double Score, string Reason);

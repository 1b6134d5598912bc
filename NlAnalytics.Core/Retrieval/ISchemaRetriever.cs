using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Retrieval;

/// <summary>The tables most relevant to a question, and the prompt text (DDL, comments, sample values) for just those tables.</summary>
public sealed record RetrievalResult(IReadOnlyList<RetrievedTable> Tables, string SchemaPrompt);

/// <summary>Ranks a catalog's tables by relevance to a question.</summary>
public interface ISchemaRetriever
{
    Task<RetrievalResult> RetrieveAsync(DatabaseCatalog catalog, string question, int topK, CancellationToken cancellationToken);
}

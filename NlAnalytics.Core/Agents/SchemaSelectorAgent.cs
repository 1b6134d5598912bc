using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Knowledge;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Agents;

/// <summary>The catalog of a source (its glossary written into the comments), the few tables (with their prompt text) a question needs, and what the source was taught.</summary>
public sealed record SchemaSelection(DatabaseCatalog Catalog, IReadOnlyList<RetrievedTable> Tables, string SchemaPrompt, SourceKnowledgeSnapshot? Knowledge = null);

/// <summary>
/// Picks the top tables for a question from the source's catalog, so the writer sees only what matters. The source's
/// glossary goes into the catalog first (<see cref="ISourceKnowledge.Annotate"/>), so retrieval, the offline writer and
/// the schema prompt all read a term as the comments say it. With <c>withDocuments</c>, the passages of the
/// source's documents closest to the question join what it was taught (only the LLM's prompts carry them).
/// </summary>
public sealed class SchemaSelectorAgent(ICatalogProvider catalogs, ISchemaRetriever retriever, IOptions<AnalystOptions> options, ISourceKnowledge? knowledge = null, IDocumentPassages? documents = null)
{
    public async Task<SchemaSelection> SelectAsync(DataSource source, string question, AgentTranscript transcript, bool withDocuments, CancellationToken cancellationToken)
    {
        var catalog = await catalogs.GetAsync(source, cancellationToken);
        var taught = knowledge?.For(source.Name);
        if (withDocuments && documents?.Relevant(source.Name, question, cancellationToken) is { Count: > 0 } passages)
            taught = (taught ?? SourceKnowledgeSnapshot.Empty(source.Name)) with { Passages = passages };
        if (taught is { IsEmpty: false })
        {
            if (knowledge is not null)
                catalog = knowledge.Annotate(catalog);
            transcript.Add(AgentNames.SchemaSelector, AgentTranscript.Event, taught.Summary);
        }
        else
            taught = null;
        var retrieval = await retriever.RetrieveAsync(catalog, question, options.Value.TopK, cancellationToken);

        var summary = new StringBuilder().Append(CultureInfo.InvariantCulture, $"Selected {retrieval.Tables.Count} of {catalog.Tables.Count} tables for: {question}");
        foreach (var table in retrieval.Tables)
            summary.Append(CultureInfo.InvariantCulture, $"\n- {table.QualifiedName} ({table.Score:0.00}): {table.Reason}");
        transcript.Add(AgentNames.SchemaSelector, AgentTranscript.Event, summary.ToString());
        return new SchemaSelection(catalog, retrieval.Tables, retrieval.SchemaPrompt, taught);
    }
}

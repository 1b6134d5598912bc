using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Evaluation;

/// <summary>
/// A source's verified question/SQL pairs written out: as a JSONL question set in the format <see cref="EvaluationSet"/>
/// reads (so a team can measure the analyst on its own verified answers), and as chat-format JSONL for fine-tuning a
/// model (a system prompt with the schema of the tables the SQL reads, the question, the SQL). Nothing of the source's
/// connection is written: the prompt is built from the catalog and scrubbed like every other prompt text.
/// </summary>
public sealed class EvaluationExports(
    IDbContextFactory<AppDbContext> contexts,
    IDataSourceRegistry sources,
    ICatalogProvider catalogs,
    SchemaPromptBuilder schemaPrompts)
{
    /// <summary>The fine-tuning examples' system prompt, before the schema.</summary>
    public const string SystemInstructions =
        "You are the SQL writer of a data analysis team. Write ONE PostgreSQL SELECT query that answers the user's question, " +
        "using only the tables below (qualify every table with its schema). Reply with the SQL only.";

    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One line per verified pair: <c>{"id","question","sql","tags"}</c>, tagged <c>verified</c> and <c>approved</c> or <c>unapproved</c>.</summary>
    public async Task<string> QuestionSetAsync(string dataSource, CancellationToken cancellationToken)
    {
        var source = Resolve(dataSource);
        var text = new StringBuilder();
        foreach (var pair in await VerifiedAsync(source, cancellationToken))
            text.Append(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = $"verified-{pair.Id}",
                ["question"] = pair.Question,
                ["sql"] = pair.Sql,
                ["tags"] = new[] { "verified", pair.ApprovedAt is null ? "unapproved" : "approved" },
            }, Json)).Append('\n');
        return text.ToString();
    }

    /// <summary>One line per verified pair: <c>{"messages":[system (instructions and schema), user (question), assistant (SQL)]}</c>.</summary>
    public async Task<string> FineTuningAsync(string dataSource, CancellationToken cancellationToken)
    {
        var source = Resolve(dataSource);
        var catalog = await catalogs.GetAsync(source, cancellationToken);
        var text = new StringBuilder();
        foreach (var pair in await VerifiedAsync(source, cancellationToken))
        {
            var system = SecretScrubber.Scrub($"{SystemInstructions}\n\nTables:\n{SchemaFor(catalog, pair.Sql)}", source.QueryConnectionString);
            text.Append(JsonSerializer.Serialize(new
            {
                messages = new[]
                {
                    new { role = "system", content = system },
                    new { role = "user", content = pair.Question },
                    new { role = "assistant", content = pair.Sql },
                },
            }, Json)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The schema of the tables the SQL reads (the writer's prompt is as narrow); the whole schema when none is found.</summary>
    private string SchemaFor(DatabaseCatalog catalog, string sql)
    {
        var read = SqlTableReferences.Read(sql);
        var tables = catalog.Tables
            .Where(t => read.Any(name => string.Equals(name, t.QualifiedName, StringComparison.OrdinalIgnoreCase) || string.Equals(name, t.Name, StringComparison.OrdinalIgnoreCase)))
            .Select(t => t.QualifiedName)
            .ToList();
        return tables.Count == 0 ? schemaPrompts.BuildWhole(catalog) : schemaPrompts.Build(catalog, tables);
    }

    private DataSource Resolve(string dataSource) =>
        sources.All.FirstOrDefault(s => string.Equals(s.Name, dataSource, StringComparison.OrdinalIgnoreCase))
        ?? throw new EvaluationRequestException($"There is no data source named \"{dataSource}\".", "source", notFound: true);

    private async Task<List<VerifiedQuery>> VerifiedAsync(DataSource source, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.VerifiedQueries.AsNoTracking().Where(v => v.DataSource == source.Name).OrderBy(v => v.Id).ToListAsync(cancellationToken);
    }
}

using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// The SQL writer over the LLM: schema, verified examples, thread history and, on a retry, the previous
/// SQL with the database's error. With a data source at hand it may look things up through the
/// <see cref="CatalogPlugin"/> (at most <see cref="AnalystOptions.MaxToolCalls"/> calls a draft, each in
/// the transcript). A reply without SQL is pointed out to the model once; a second one ends the draft
/// without SQL, which the orchestrator reports as a failure.
/// </summary>
public sealed class LlmSqlWriter(IAgentLlm llm, ISqlGate gate, ISqlExecutor executor, IOptions<AnalystOptions> options, TimeProvider timeProvider, PromptTokenCounter tokens) : ISqlWriter
{
    /// <summary>The keyed-service key this writer is registered under.</summary>
    public const string ServiceKey = "llm";

    /// <summary>Confidence of a draft that passed extraction the first time; review and execution decide the rest.</summary>
    public const double DraftConfidence = 0.8;

    /// <summary>The writer's prompt template (Agents/Prompts/sql-writer.prompt.txt).</summary>
    public static AgentPrompt Prompt => AgentPrompt.Load("sql-writer");

    private const string NoSqlFeedback =
        "Your reply contained no SQL query. Reply again in the required format: one PostgreSQL SELECT statement in a ```sql block, then the Interpretation and Chart lines.";

    public async Task<SqlDraft> WriteAsync(SqlWritingContext context, CancellationToken cancellationToken)
    {
        var transcript = new AgentTranscript(timeProvider, SecretRedactor.None);
        var maxCalls = options.Value.MaxToolCalls;
        var tools = context.Source is { } source && maxCalls > 0
            ? new LlmTools(new CatalogPlugin(source, context.Catalog, gate, executor, context.Limits ?? options.Value.Limits).AsPlugin(), maxCalls)
            : null;
        var arguments = Arguments(context, tools);
        if (context.Knowledge is { } knowledge && knowledge.PromptText.Length > 0)
            // What the source was taught is part of the prompt's count below; this says how much of it.
            transcript.Add(AgentNames.SqlWriter, AgentTranscript.Event, string.Create(CultureInfo.InvariantCulture,
                $"Knowledge in the prompt: instructions {tokens.Count(knowledge.InstructionsPrompt):N0} tokens, glossary of {knowledge.Glossary.Count} term(s) {tokens.Count(knowledge.GlossaryPrompt):N0} tokens, {knowledge.Passages.Count} document passage(s) {tokens.Count(knowledge.DocumentsPrompt):N0} tokens."));

        var reply = await transcript.AskAsync(llm, AgentNames.SqlWriter, Prompt, arguments, null, cancellationToken, tools);
        var extracted = SqlExtraction.Extract(reply.Text);
        var confidence = DraftConfidence;
        if (extracted is null)
        {
            transcript.Add(AgentNames.SqlWriter, AgentTranscript.Event, "No SQL found in the reply; asking once more.");
            // The previous reply goes back as part of the request; no more lookups, the model has had its chance.
            arguments["feedback"] = $"\n\nYour previous reply:\n{reply.Text}\n\n{NoSqlFeedback}";
            arguments["tool_rules"] = "";
            reply = await transcript.AskAsync(llm, AgentNames.SqlWriter, Prompt, arguments, null, cancellationToken);
            extracted = SqlExtraction.Extract(reply.Text);
            confidence = DraftConfidence * 0.75;
        }

        if (extracted is null)
        {
            transcript.Add(AgentNames.SqlWriter, AgentTranscript.Event, "Still no SQL in the reply: giving up on this draft.");
            return new SqlDraft(null, 0, "The model did not return an SQL query.", transcript.Calls, [], transcript.Entries);
        }
        return new SqlDraft(
            extracted.Sql,
            confidence,
            extracted.Interpretation ?? $"SQL written by the model for: {context.Question}",
            transcript.Calls,
            [],
            transcript.Entries,
            extracted.Chart);
    }

    private static Dictionary<string, string> Arguments(SqlWritingContext context, LlmTools? tools)
    {
        var examples = new StringBuilder();
        if (context.Examples.Count > 0)
        {
            examples.Append("\n\nVerified examples (question, then the SQL an analyst approved):");
            foreach (var example in context.Examples)
                examples.Append("\n-- ").Append(OneLine(example.Question)).Append('\n').Append(example.Sql.Trim()).Append(';');
        }

        var history = new StringBuilder();
        if (context.History.Count > 0)
        {
            history.Append("Earlier in this conversation:\n");
            foreach (var turn in context.History.TakeLast(ConversationAgent.MaxTurns))
            {
                history.Append("- Question: ").Append(OneLine(turn.StandaloneQuestion)).Append('\n');
                if (turn.Sql is not null)
                    history.Append("  SQL: ").Append(OneLine(turn.Sql)).Append('\n');
            }
            history.Append('\n');
        }

        var correction = new StringBuilder();
        if (context.PreviousSql is not null)
        {
            correction.Append("\n\nYour previous query:\n```sql\n").Append(context.PreviousSql.Trim()).Append("\n```\n");
            correction.Append("failed with this database error:\n").Append(context.PreviousError ?? "(no message)");
            correction.Append("\nWrite a corrected query that fixes this error.");
        }

        return new Dictionary<string, string>
        {
            ["tool_rules"] = tools is null ? "" : string.Create(CultureInfo.InvariantCulture,
                $"- You may call the catalog functions (find columns, distinct values of a column, a few sample rows, a LIMIT 0 dry run of a draft) before answering, at most {tools.MaxCalls} calls in all. Call them only when the tables below leave a doubt, such as how a value is spelled.\n"),
            ["schema"] = context.SchemaPrompt.Trim(),
            ["knowledge"] = context.Knowledge?.PromptText ?? "",
            ["examples"] = examples.ToString(),
            ["history"] = history.ToString(),
            ["question"] = context.Question,
            ["correction"] = correction.ToString(),
            ["feedback"] = "",
        };
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

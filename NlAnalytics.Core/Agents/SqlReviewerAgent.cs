using System.Globalization;
using System.Text.RegularExpressions;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Checks a draft before it runs: the gate for clear early refusals, then a dry run as the restricted
/// role, so unknown columns and type errors come back from the database without running the query;
/// optionally a model review of the SQL against the question. Returns what is wrong, in words the
/// writer can act on, or null.
/// <para>
/// The dry run is <c>SELECT * FROM (query) LIMIT 0</c> rather than <c>EXPLAIN</c>: the executor's gate
/// refuses EXPLAIN (EXPLAIN ANALYZE runs its statement), and this form goes through the same gate,
/// role and read-only transaction as every query. PostgreSQL parses, checks and plans the query, and
/// a LIMIT 0 node never pulls a row from it, so nothing is scanned.
/// </para>
/// </summary>
public sealed partial class SqlReviewerAgent(ISqlGate gate, ISqlExecutor executor, IAgentLlm llm, ResultCache? cache = null)
{
    /// <summary>The reviewer's prompt template (Agents/Prompts/sql-reviewer.prompt.txt).</summary>
    public static AgentPrompt Prompt => AgentPrompt.Load("sql-reviewer");

    // On a line of its own, so a trailing "-- comment" in the query cannot swallow the closing parenthesis.
    private const string DryRunPrefix = "SELECT * FROM (\n";
    private const string DryRunSuffix = "\n) AS dry_run LIMIT 0";

    private async Task<SqlFailure?> DryRunAsync(DataSource source, string sql, QueryLimits limits, AgentTranscript transcript, CancellationToken cancellationToken)
    {
        try
        {
            await executor.ExecuteAsync(source, DryRun(sql), limits with { MaxRows = 1 }, cancellationToken);
            return null;
        }
        catch (SqlExecutionException e) when (!cancellationToken.IsCancellationRequested)
        {
            var failure = e.Failure with { UserMessage = UnshiftPosition(e.Failure.UserMessage) };
            transcript.Add(AgentNames.SqlReviewer, AgentTranscript.Event, $"The database rejected the dry run ({failure.Kind}): {failure.UserMessage}");
            return failure;
        }
    }

    public async Task<SqlFailure?> ReviewAsync(
        DataSource source,
        string question,
        string schemaPrompt,
        string sql,
        QueryLimits limits,
        bool llmReview,
        AgentTranscript transcript,
        CancellationToken cancellationToken,
        bool dryRun = true)
    {
        if (gate.Check(sql) is { } refused)
        {
            transcript.Add(AgentNames.SqlReviewer, AgentTranscript.Event, $"Refused by the gate ({refused.Kind}): {refused.UserMessage}");
            return refused;
        }

        if (cache?.Holds(source, sql, limits) == true)
            // The same SQL ran as the same role within the freshness window, and its result will be served: no dry run needed.
            transcript.Add(AgentNames.SqlReviewer, AgentTranscript.Event, "No dry run: this SQL ran on this source moments ago and its result is in the result cache.");
        else if (!dryRun)
            // The executor parses the statement as the role before it runs it: the same errors, without a round of its own.
            transcript.Add(AgentNames.SqlReviewer, AgentTranscript.Event, "No dry run: the executor checks the query against the database as it starts it.");
        else if (await DryRunAsync(source, sql, limits, transcript, cancellationToken) is { } rejected)
            return rejected;

        if (llmReview && llm.IsConfigured)
        {
            try
            {
                var reply = await transcript.AskAsync(llm, AgentNames.SqlReviewer, Prompt,
                    new Dictionary<string, string> { ["schema"] = schemaPrompt.Trim(), ["question"] = question, ["sql"] = sql }, null, cancellationToken);
                var verdict = reply.Text.Trim();
                if (verdict.StartsWith("PROBLEM", StringComparison.OrdinalIgnoreCase))
                {
                    var problem = verdict["PROBLEM".Length..].TrimStart(':', ' ');
                    return new SqlFailure(SqlFailureKind.Semantic, "Review: " + (problem.Length > 0 ? problem : "the query does not answer the question."));
                }
            }
            catch (LlmException e)
            {
                // The review is advice on top of the database's own checks; without it the query still runs.
                transcript.Add(AgentNames.SqlReviewer, AgentTranscript.Event, $"The model review was skipped: {e.Message}");
                llmReview = false;
            }
        }

        transcript.Add(AgentNames.SqlReviewer, AgentTranscript.Event,
            string.Create(CultureInfo.InvariantCulture, $"Passed the gate{(dryRun ? " and the dry run" : "")}{(llmReview && llm.IsConfigured ? " and the model review" : "")}."));
        return null;
    }

    /// <summary>The statement wrapped so that PostgreSQL plans and checks it but returns no row.</summary>
    internal static string DryRun(string sql) => DryRunPrefix + WithoutTrailingSemicolons(sql) + DryRunSuffix;

    /// <summary>PostgreSQL counts positions in the wrapped dry run; the writer should see them in its own SQL.</summary>
    internal static string Unshifted(string message) => UnshiftPosition(message);

    /// <summary>"... DESC; -- done" would end the wrapped statement early: cut at the first trailing semicolon (the gate has passed one statement).</summary>
    private static string WithoutTrailingSemicolons(string sql)
    {
        try
        {
            var tokens = SqlLexer.Tokenize(sql);
            var last = tokens.FindLastIndex(t => t.Kind != SqlTokenKind.Semicolon);
            return last >= 0 && last < tokens.Count - 1 ? sql[..tokens[last + 1].Position] : sql;
        }
        catch (SqlLexerException)
        {
            return sql;
        }
    }

    /// <summary>PostgreSQL counts positions in the wrapped dry run; the writer should see them in its own SQL.</summary>
    private static string UnshiftPosition(string message) =>
        PositionPattern().Replace(message, m =>
        {
            var character = int.Parse(m.Groups["character"].Value, CultureInfo.InvariantCulture) - DryRunPrefix.Length;
            var line = int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture) - 1;
            return character > 0 && line > 0
                ? string.Create(CultureInfo.InvariantCulture, $"(at character {character}, line {line}:")
                : "(near:";
        });

    [GeneratedRegex(@"\(at character (?<character>\d+), line (?<line>\d+):")]
    private static partial Regex PositionPattern();
}

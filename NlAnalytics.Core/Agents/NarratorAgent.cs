using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Tells the user what the result says. With a model: a short narrative streamed as it is written,
/// from the question, the SQL, the facts <see cref="ResultNarrative"/> computed over all rows and a
/// compact JSON preview of the first rows (data, fenced off as data). Without one: the computed facts.
/// </summary>
public sealed class NarratorAgent(IAgentLlm llm, TimeProvider timeProvider)
{
    public const int PreviewRows = 25;
    public const int PreviewCellLength = 120;

    /// <summary>The narrator's prompt template (Agents/Prompts/narrator.prompt.txt).</summary>
    public static AgentPrompt Prompt => AgentPrompt.Load("narrator");

    // Accented names stay readable for the model, while < > & ' " stay escaped: a row holding "</data>" cannot close the fence.
    private static readonly JsonSerializerOptions PreviewJson = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public async Task<string> NarrateAsync(
        string question,
        string sql,
        QueryResult result,
        ChartSpec chart,
        bool useLlm,
        Action<string>? onDelta,
        AgentTranscript transcript,
        CancellationToken cancellationToken)
    {
        var facts = ResultNarrative.Describe(result, chart, sql, DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime));
        if (!useLlm || !llm.IsConfigured)
        {
            transcript.Add(AgentNames.Narrator, AgentTranscript.Assistant, facts);
            onDelta?.Invoke(facts);
            return facts;
        }

        var arguments = new Dictionary<string, string>
        {
            ["question"] = question,
            ["sql"] = sql.Trim(),
            ["facts"] = facts,
            ["preview_label"] = string.Create(CultureInfo.InvariantCulture,
                $"{Math.Min(PreviewRows, result.Rows.Count)} of {result.Rows.Count} rows{(result.Truncated ? ", cut at the row cap" : "")}"),
            ["preview"] = Preview(result),
        };
        try
        {
            var reply = await transcript.AskAsync(llm, AgentNames.Narrator, Prompt, arguments, onDelta, cancellationToken);
            var narrative = reply.Text.Trim();
            return narrative.Length > 0 ? narrative : facts;
        }
        catch (LlmException e)
        {
            // The answer is already in hand; a failed narration should not cost the user the result.
            transcript.Add(AgentNames.Narrator, AgentTranscript.Event, $"The model could not narrate ({e.Message}); the computed facts stand in.");
            transcript.Add(AgentNames.Narrator, AgentTranscript.Assistant, facts);
            onDelta?.Invoke(facts);
            return facts;
        }
    }

    /// <summary>The first rows as JSON: values are escaped strings and numbers, so row text cannot pose as prompt structure.</summary>
    public static string Preview(QueryResult result)
    {
        var rows = result.Rows.Take(PreviewRows).Select(row => row.Select(Cell).ToArray()).ToArray();
        return JsonSerializer.Serialize(new { columns = result.Columns.Select(c => c.Name).ToArray(), rows }, PreviewJson);
    }

    private static object? Cell(object? value) => value switch
    {
        null or DBNull => null,
        string s => s.Length <= PreviewCellLength ? s : s[..PreviewCellLength] + "...",
        bool or byte or short or int or long or decimal or double or float => value,
        DateTime d => d.ToString(d.TimeOfDay.Ticks == 0 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) is { } text && text.Length > PreviewCellLength ? text[..PreviewCellLength] + "..." : Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}

using System.Text;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Turns a follow-up ("and for 2020?") into a question that stands on its own, so retrieval and the
/// writer see the whole intent. Without a model the question passes through unchanged: the offline
/// writer gets the thread history and resolves follow-ups itself.
/// </summary>
public sealed class ConversationAgent(IAgentLlm llm)
{
    /// <summary>How many earlier turns the rewrite sees; older ones rarely change the meaning of a follow-up.</summary>
    public const int MaxTurns = 6;

    /// <summary>The rewrite's prompt template (Agents/Prompts/conversation.prompt.txt).</summary>
    public static AgentPrompt Prompt => AgentPrompt.Load("conversation");

    public async Task<StandaloneQuestion> StandaloneAsync(string question, IReadOnlyList<ThreadTurn> history, bool useLlm, AgentTranscript transcript, CancellationToken cancellationToken)
    {
        if (history.Count == 0)
        {
            transcript.Add(AgentNames.Conversation, AgentTranscript.Event, "First question of the thread: it stands on its own.");
            return new StandaloneQuestion(question, []);
        }
        if (!useLlm)
        {
            transcript.Add(AgentNames.Conversation, AgentTranscript.Event, "No model in use: the question goes on as asked, with the thread history for the writer.");
            return new StandaloneQuestion(question, []);
        }

        var turns = new StringBuilder();
        foreach (var turn in history.TakeLast(MaxTurns))
        {
            turns.Append("- Question: ").Append(OneLine(turn.StandaloneQuestion)).Append('\n');
            if (turn.Sql is not null)
                turns.Append("  SQL: ").Append(OneLine(turn.Sql)).Append('\n');
        }

        var reply = await transcript.AskAsync(llm, AgentNames.Conversation, Prompt,
            new Dictionary<string, string> { ["turns"] = turns.ToString().TrimEnd(), ["question"] = question }, null, cancellationToken);
        var parsed = Parse(reply.Text);
        // A reply that is empty or an essay is not a rewrite; asking the original is safer than asking something else.
        if (parsed.Text.Length is 0 or > 1000)
            return new StandaloneQuestion(question, []);
        if (parsed.CarriedOver.Count == 0 && !string.Equals(parsed.Text, question, StringComparison.Ordinal))
            transcript.Add(AgentNames.Conversation, AgentTranscript.Event, "Rewritten without filters from earlier questions.");
        else if (parsed.CarriedOver.Count > 0)
            transcript.Add(AgentNames.Conversation, AgentTranscript.Event, "Filters from earlier questions: " + string.Join("; ", parsed.CarriedOver));
        return parsed;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>"Question: ..." and "Carried over: a; b" (or "none"); a reply that is only the question is taken as it is.</summary>
    internal static StandaloneQuestion Parse(string reply)
    {
        string? question = null;
        IReadOnlyList<string> carried = [];
        var other = new List<string>();
        foreach (var raw in reply.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Carried over:", StringComparison.OrdinalIgnoreCase))
            {
                var value = line["Carried over:".Length..].Trim().TrimEnd('.');
                carried = value.Length == 0 || value.Equals("none", StringComparison.OrdinalIgnoreCase)
                    ? []
                    : [.. value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            }
            else if (question is null && TryStrip(line, out var text))
                question = text;
            else if (line.Length > 0)
                other.Add(line);
        }
        return new StandaloneQuestion(Clean(question ?? string.Join(' ', other)), carried);
    }

    private static bool TryStrip(string line, out string text)
    {
        foreach (var prefix in new[] { "Standalone question:", "Question:", "Rewritten question:" })
            if (line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                text = line[prefix.Length..].Trim();
                return true;
            }
        text = line;
        return false;
    }

    private static string Clean(string text) => text.Trim().Trim('"', '\'', '`', ' ', '\n', '\r');
}

/// <summary>A question that stands on its own, and the filters it took over from earlier questions of the thread.</summary>
public sealed record StandaloneQuestion(string Text, IReadOnlyList<string> CarriedOver);

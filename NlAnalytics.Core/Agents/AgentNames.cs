namespace NlAnalytics.Core.Agents;

/// <summary>The roles of the agent team; also the keys of per-role model configuration (Llm:Models:&lt;role&gt;).</summary>
public static class AgentNames
{
    public const string Conversation = "conversation";
    public const string SchemaSelector = "schema-selector";
    public const string SqlWriter = "sql-writer";
    public const string SqlReviewer = "sql-reviewer";
    public const string Executor = "executor";
    public const string Visualizer = "visualizer";
    public const string Narrator = "narrator";
}

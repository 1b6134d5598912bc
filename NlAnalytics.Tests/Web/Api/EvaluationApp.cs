using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// A three-question set on the demo warehouse and a scripted model whose SQL writer answers by model: on
/// <see cref="ModelA"/> questions 1 and 2 right and 3 wrong, on <see cref="ModelB"/> 1 and 3 right and 2 wrong; on
/// <see cref="ModelHeld"/> question 1 right and question 2 held until the source <see cref="Script"/> returns is completed (to stop a run half-way).
/// Every other model call (reviewer, narrator) answers "OK".
/// </summary>
public static class EvaluationScript
{
    public const string ModelA = "model-a";
    public const string ModelB = "model-b";
    public const string ModelHeld = "model-held";

    public const string Q1 = "How many stores are there?";
    public const string Q2 = "How many products do we sell?";
    public const string Q3 = "How many customers do we have?";

    /// <summary>The set as a user uploads it (the eval verb's JSONL).</summary>
    public const string SetText =
        """
        {"id": "stores", "question": "How many stores are there?", "sql": "SELECT count(*) FROM sales.stores", "tier": "easy", "tags": ["count"]}
        {"id": "products", "question": "How many products do we sell?", "sql": "SELECT count(*) FROM sales.products", "tier": "easy", "tags": ["count", "synonym"]}
        {"id": "customers", "question": "How many customers do we have?", "sql": "SELECT count(*) FROM sales.customers", "tier": "medium", "tags": ["count"]}
        """;

    private const string RightStores = "```sql\nSELECT count(*) AS stores FROM sales.stores\n```";
    private const string RightProducts = "```sql\nSELECT count(*) AS products FROM sales.products\n```";
    private const string RightCustomers = "```sql\nSELECT count(*) AS customers FROM sales.customers\n```";
    // A number no count of the demo can be.
    private const string Wrong = "```sql\nSELECT -1 AS how_many\n```";

    /// <summary>Scripts <paramref name="llm"/>; completing the returned source lets the held writer call of <see cref="ModelHeld"/> answer.</summary>
    public static TaskCompletionSource Script(ScriptedOpenAiServer llm)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Writer(llm, ModelA, Q1, ScriptStep.Reply(RightStores, inputTokens: 1000, outputTokens: 20));
        Writer(llm, ModelA, Q2, ScriptStep.Reply(RightProducts, inputTokens: 1000, outputTokens: 20));
        Writer(llm, ModelA, Q3, ScriptStep.Reply(Wrong, inputTokens: 1000, outputTokens: 20));
        Writer(llm, ModelB, Q1, ScriptStep.Reply(RightStores));
        Writer(llm, ModelB, Q2, ScriptStep.Reply(Wrong));
        Writer(llm, ModelB, Q3, ScriptStep.Reply(RightCustomers));
        Writer(llm, ModelHeld, Q1, ScriptStep.Reply(RightStores));
        Writer(llm, ModelHeld, Q2, ScriptStep.Reply(RightProducts) with { Hold = held.Task });
        Writer(llm, ModelHeld, Q3, ScriptStep.Reply(RightCustomers));
        llm.When(_ => true, ScriptStep.Reply("OK", inputTokens: 100, outputTokens: 5));
        return held;
    }

    private static void Writer(ScriptedOpenAiServer llm, string model, string question, ScriptStep step) =>
        llm.When(r => r.Model == model && r.SystemPrompt.Contains("You are the SQL writer", StringComparison.Ordinal) && r.LastUserMessage.Contains(question, StringComparison.Ordinal), step);

    public static Dictionary<string, string?> Settings(ScriptedOpenAiServer llm, string readerRole)
    {
        var settings = llm.LlmSettings();
        settings["Llm:TimeoutSeconds"] = "120";
        // Priced like gpt-4o and gpt-4o-mini, so a run's cost shows.
        settings[$"Pricing:Models:{ModelA}:InputPerMillion"] = "2.50";
        settings[$"Pricing:Models:{ModelA}:OutputPerMillion"] = "10.00";
        settings[$"Pricing:Models:{ModelB}:InputPerMillion"] = "0.15";
        settings[$"Pricing:Models:{ModelB}:OutputPerMillion"] = "0.60";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"{readerRole}_{Guid.NewGuid():N}"[..30];
        return settings;
    }

    /// <summary>Starts a run of the uploaded set through the API and returns its id.</summary>
    public static async Task<Guid> StartAsync(BrowserSession admin, string model, string mode = "Llm")
    {
        using var started = await admin.Http.PostAsJsonAsync("/api/evaluation/runs",
            new { setName = "three.jsonl", setText = SetText, dataSource = "demo", mode, model });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        return (await ApiApp.ReadJsonAsync(started))["id"]!.GetValue<Guid>();
    }

    /// <summary>Reads the run until <paramref name="done"/> holds (two minutes at most), and returns it.</summary>
    public static async Task<JsonNode> WaitForAsync(BrowserSession admin, Guid run, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await admin.Http.GetAsync($"/api/evaluation/runs/{run}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var detail = await ApiApp.ReadJsonAsync(response);
            if (done(detail))
                return detail;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The run did not get there: {detail.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    public static bool Ended(JsonNode detail) => detail["run"]!["status"]!.GetValue<string>() is not ("Queued" or "Running");
}

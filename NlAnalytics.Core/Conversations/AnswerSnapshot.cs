using System.Text.Json;
using System.Text.Json.Serialization;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// The result rows as stored with a message: column names, types and JSON-friendly values; when the rows were
/// read (<see cref="DataAsOf"/>) and whether they came from the result cache.
/// </summary>
public sealed record ResultSnapshot(IReadOnlyList<ResultColumn> Columns, IReadOnlyList<JsonElement[]> Rows, bool Truncated, double ElapsedMs,
    DateTimeOffset? DataAsOf = null, bool FromCache = false)
{
    public static ResultSnapshot From(QueryResult result) => new(
        result.Columns,
        [.. result.Rows.Select(row => row.Select(value => JsonSerializer.SerializeToElement(ToJsonValue(value), AnswerJson.Options)).ToArray())],
        result.Truncated,
        result.Elapsed.TotalMilliseconds,
        result.DataAsOf,
        result.FromCache);

    /// <summary>Dates as ISO text, numbers as numbers: what a grid, a chart and a CSV need.</summary>
    private static object? ToJsonValue(object? value) => value switch
    {
        null or DBNull => null,
        DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        DateTime dt => dt.TimeOfDay == TimeSpan.Zero
            ? dt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
            : dt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("yyyy-MM-dd HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
        TimeSpan ts => ts.ToString(),
        Guid g => g.ToString(),
        byte[] bytes => Convert.ToBase64String(bytes),
        _ => value,
    };
}

/// <summary>JSON settings shared by everything that stores answers.</summary>
public static class AnswerJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(string? json) => string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, Options);
}

/// <summary>A stored message as the UI shows it.</summary>
public sealed record MessageView(
    Guid Id,
    int Sequence,
    string Question,
    string? StandaloneQuestion,
    Data.MessageStatus Status,
    string? Path,
    string? Sql,
    Interpretation? Interpretation,
    string? Narrative,
    string? Error,
    ResultSnapshot? Result,
    ChartSpec? Chart,
    IReadOnlyList<RetrievedTable> Tables,
    IReadOnlyList<TranscriptEntry> Transcript,
    IReadOnlyList<string> Suggestions,
    IReadOnlyList<Data.LlmCallRow> Calls,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    bool IsVerified,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt);

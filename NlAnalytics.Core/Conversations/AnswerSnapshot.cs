using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// The result rows as stored with a message: column names, types and JSON-friendly values; when the rows were
/// read (<see cref="DataAsOf"/>) and whether they came from the result cache. <see cref="Truncated"/>: there are
/// more rows than these (the query hit the row cap, or <see cref="CutForSize"/>).
/// </summary>
/// <param name="CutForSize">The rows were cut to keep the stored answer under <see cref="MaxStoredBytes"/>.</param>
/// <param name="RowsRead">How many rows the query returned (up to the row cap), when more were read than are kept here.</param>
public sealed record ResultSnapshot(IReadOnlyList<ResultColumn> Columns, IReadOnlyList<JsonElement[]> Rows, bool Truncated, double ElapsedMs,
    DateTimeOffset? DataAsOf = null, bool FromCache = false, bool CutForSize = false, int? RowsRead = null)
{
    /// <summary>
    /// What an answer keeps of its result (JSON text of the rows): 5,000 rows of 64 KB text were once stored whole
    /// (33.6 MB), and the thread took 36 s to open. The grid, the chart and the CSV use what is kept.
    /// </summary>
    public const int MaxStoredBytes = 2 * 1024 * 1024;

    /// <summary>The rows as stored; with <paramref name="maxBytes"/>, only as many whole rows as fit in it.</summary>
    public static ResultSnapshot From(QueryResult result, int? maxBytes = null)
    {
        var rows = new List<JsonElement[]>(result.Rows.Count);
        long size = 0;
        var cut = false;
        foreach (var row in result.Rows)
        {
            var values = row.Select(value => JsonSerializer.SerializeToElement(ToJsonValue(value), AnswerJson.Options)).ToArray();
            // The JSON text of the row: each value, a comma between them, the brackets, the comma after it.
            var rowSize = values.Sum(v => (long)Encoding.UTF8.GetByteCount(v.GetRawText())) + values.Length + 2;
            if (maxBytes is { } max && size + rowSize > max)
            {
                cut = true;
                break;
            }
            size += rowSize;
            rows.Add(values);
        }
        return new ResultSnapshot(result.Columns, rows, result.Truncated || cut, result.Elapsed.TotalMilliseconds, result.DataAsOf, result.FromCache,
            cut, cut ? result.Rows.Count : null);
    }

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

/// <summary>A stored message as the UI shows it. <see cref="SourcesUsed"/>: the document passages the model's prompt carried, best first.</summary>
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
    DateTimeOffset? CompletedAt,
    IReadOnlyList<Knowledge.DocumentPassage> SourcesUsed);

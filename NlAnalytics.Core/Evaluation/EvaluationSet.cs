using System.Text.Json;

namespace NlAnalytics.Core.Evaluation;

/// <summary>
/// One benchmark question with its gold SQL. <see cref="FollowupOf"/> names the previous question of a
/// conversation chain. An unanswerable question (the data does not hold what it asks) has no gold SQL:
/// the right outcome for it is a decline.
/// </summary>
public sealed record EvaluationCase(
    string Id,
    string Question,
    string? Sql,
    string? Tier,
    IReadOnlyList<string> Tags,
    string? FollowupOf,
    int LineNumber)
{
    public bool Answerable => Sql is not null;
}

/// <summary>A benchmark file that could not be read; the message names the file, line and problem.</summary>
public sealed class EvaluationSetFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A question set in JSONL: one object per line with <c>id</c>, <c>question</c>, <c>sql</c> and optional
/// <c>tier</c> (easy|medium|hard), <c>tags</c> (array of strings) and <c>followup_of</c> (an earlier id).
/// <c>"answerable": false</c> marks a question the data cannot answer; it has no <c>sql</c> (or null).
/// Blank lines are ignored.
/// </summary>
public sealed record EvaluationSet(string Name, IReadOnlyList<EvaluationCase> Cases)
{
    public static readonly IReadOnlyList<string> Tiers = ["easy", "medium", "hard"];

    public static async Task<EvaluationSet> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
            throw new EvaluationSetFormatException($"{path}: the question set file does not exist.");
        var text = await File.ReadAllTextAsync(path, cancellationToken);
        return Parse(text, Path.GetFileName(path));
    }

    /// <summary>Parses JSONL text; every problem is reported with "name:line:" so it can be fixed in an editor.</summary>
    public static EvaluationSet Parse(string text, string name)
    {
        var cases = new List<EvaluationCase>();
        var byId = new Dictionary<string, EvaluationCase>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            if (line.Length == 0)
                continue;
            var lineNumber = index + 1;
            var item = ParseLine(line, name, lineNumber);
            if (byId.TryGetValue(item.Id, out var earlier))
                throw new EvaluationSetFormatException($"{name}:{lineNumber}: id \"{item.Id}\" is already used on line {earlier.LineNumber}.");
            if (item.FollowupOf is not null && !byId.ContainsKey(item.FollowupOf))
                throw new EvaluationSetFormatException(
                    $"{name}:{lineNumber}: followup_of \"{item.FollowupOf}\" does not name a question on an earlier line (a follow-up must come after the question it follows).");
            byId.Add(item.Id, item);
            cases.Add(item);
        }
        if (cases.Count == 0)
            throw new EvaluationSetFormatException($"{name}: the question set is empty.");
        return new EvaluationSet(name, cases);
    }

    private static EvaluationCase ParseLine(string line, string name, int lineNumber)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new EvaluationSetFormatException($"{name}:{lineNumber}: not a JSON object ({e.Message}). Each line must hold one complete object.", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new EvaluationSetFormatException($"{name}:{lineNumber}: expected a JSON object, found {root.ValueKind}.");

            string Required(string property)
            {
                if (!root.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
                    throw new EvaluationSetFormatException($"{name}:{lineNumber}: missing required \"{property}\".");
                if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                    throw new EvaluationSetFormatException($"{name}:{lineNumber}: \"{property}\" must be a non-empty string.");
                return value.GetString()!.Trim();
            }

            string? Optional(string property)
            {
                if (!root.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
                    return null;
                if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                    throw new EvaluationSetFormatException($"{name}:{lineNumber}: \"{property}\" must be a non-empty string when present.");
                return value.GetString()!.Trim();
            }

            var id = Required("id");
            var question = Required("question");
            var answerable = true;
            if (root.TryGetProperty("answerable", out var answerableElement) && answerableElement.ValueKind != JsonValueKind.Null)
            {
                if (answerableElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw new EvaluationSetFormatException($"{name}:{lineNumber}: \"answerable\" must be true or false.");
                answerable = answerableElement.GetBoolean();
            }
            string? sql;
            if (answerable)
            {
                sql = Required("sql");
            }
            else
            {
                if (Optional("sql") is not null)
                    throw new EvaluationSetFormatException($"{name}:{lineNumber}: an unanswerable question has no gold \"sql\" (leave it out or null).");
                sql = null;
            }
            var tier = Optional("tier")?.ToLowerInvariant();
            if (tier is not null && !Tiers.Contains(tier))
                throw new EvaluationSetFormatException($"{name}:{lineNumber}: tier \"{tier}\" is not one of {string.Join(", ", Tiers)}.");
            var followupOf = Optional("followup_of");
            if (followupOf == id)
                throw new EvaluationSetFormatException($"{name}:{lineNumber}: a question cannot follow up on itself.");

            var tags = new List<string>();
            if (root.TryGetProperty("tags", out var tagsElement) && tagsElement.ValueKind != JsonValueKind.Null)
            {
                if (tagsElement.ValueKind != JsonValueKind.Array)
                    throw new EvaluationSetFormatException($"{name}:{lineNumber}: \"tags\" must be an array of strings.");
                foreach (var tag in tagsElement.EnumerateArray())
                {
                    if (tag.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(tag.GetString()))
                        throw new EvaluationSetFormatException($"{name}:{lineNumber}: \"tags\" must contain only non-empty strings.");
                    tags.Add(tag.GetString()!.Trim());
                }
            }
            return new EvaluationCase(id, question, sql, tier, tags.Distinct(StringComparer.Ordinal).ToList(), followupOf, lineNumber);
        }
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;

namespace NlAnalytics.Core.Agents;

/// <summary>The SQL a model reply contains, with the optional interpretation and chart lines the writer prompt asks for.</summary>
public sealed record ExtractedSql(string Sql, string? Interpretation, string? Chart);

/// <summary>
/// Finds the SQL in a model reply, whatever shape the model chose: a JSON object {"sql": ...}, a
/// ```sql fence (or any fence holding SQL), or bare SQL after some prose. Whatever statement it finds
/// is returned as is, DROP included: refusing it is the gate's and the role's job, and a clear
/// refusal beats a vague "no SQL found".
/// </summary>
public static partial class SqlExtraction
{
    public static ExtractedSql? Extract(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply))
            return null;
        var interpretation = Line(InterpretationLine(), reply);
        var chart = Line(ChartLine(), reply);

        if (FromJson(reply) is { } json)
            return json;

        // A fence labelled sql first; then any fence whose content starts like a statement.
        var fences = Fence().Matches(reply).Select(m => (Lang: m.Groups["lang"].Value.ToLowerInvariant(), Body: m.Groups["body"].Value)).ToList();
        var fenced = fences.FirstOrDefault(f => f.Lang is "sql" or "postgresql" or "postgres" or "pgsql" or "psql" && !string.IsNullOrWhiteSpace(f.Body)).Body
            ?? fences.FirstOrDefault(f => StatementStart().IsMatch(f.Body)).Body;
        if (fenced is not null && Clean(fenced) is { Length: > 0 } sql)
            return new ExtractedSql(sql, interpretation, chart);

        // Outside a fence, "Select the year you mean" is prose: SQL keywords come all upper or all lower case.
        var bare = StatementStart().Matches(reply).FirstOrDefault(m => !IsSentenceCase(m.Value));
        if (bare is not null && Clean(CutProse(reply[bare.Index..])) is { Length: > 0 } bareSql)
            return new ExtractedSql(bareSql, interpretation, chart);
        return null;
    }

    private static bool IsSentenceCase(string match)
    {
        var word = match.TrimStart().Split((char[])[' ', '\t', '\n', '\r', '('], 2)[0];
        return word.Length > 1 && char.IsUpper(word[0]) && word.Skip(1).Any(char.IsLower);
    }

    private static ExtractedSql? FromJson(string reply)
    {
        var start = reply.IndexOf('{', StringComparison.Ordinal);
        var end = reply.LastIndexOf('}');
        if (start < 0 || end <= start)
            return null;
        try
        {
            using var document = JsonDocument.Parse(reply[start..(end + 1)]);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            string? Property(params string[] names)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                    if (names.Contains(property.Name, StringComparer.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                        return property.Value.GetString();
                return null;
            }
            var sql = Clean(Property("sql", "query") ?? "");
            return sql.Length == 0 ? null : new ExtractedSql(sql, Property("interpretation", "explanation"), Property("chart", "chart_type", "chartType"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Bare SQL runs to its first top-level semicolon, or to a blank line followed by prose.</summary>
    private static string CutProse(string text)
    {
        foreach (var trailer in new[] { InterpretationLine().Match(text), ChartLine().Match(text) })
            if (trailer.Success)
                text = text[..trailer.Index];
        var semicolon = TopLevelSemicolon(text);
        if (semicolon >= 0)
            return text[..semicolon];
        var prose = ProseAfterBlankLine().Match(text);
        return prose.Success ? text[..prose.Index] : text;
    }

    private static int TopLevelSemicolon(string text)
    {
        var inString = false;
        var inIdentifier = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'' && !inIdentifier)
                inString = !inString;
            else if (c == '"' && !inString)
                inIdentifier = !inIdentifier;
            else if (!inString && !inIdentifier)
            {
                if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
                {
                    var newline = text.IndexOf('\n', i);
                    if (newline < 0)
                        return -1;
                    i = newline;
                }
                else if (c == ';')
                    return i;
            }
        }
        return -1;
    }

    /// <summary>Trims whitespace and trailing semicolons: the executor and the EXPLAIN dry run both want one bare statement.</summary>
    private static string Clean(string sql) => sql.Trim().TrimEnd(';', ' ', '\n', '\r', '\t').Trim();

    private static string? Line(Regex pattern, string reply)
    {
        var match = pattern.Match(reply);
        var value = match.Success ? match.Groups["value"].Value.Trim().Trim('*', '`', '"', ' ') : null;
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    [GeneratedRegex(@"```[ \t]*(?<lang>[A-Za-z]*)[^\n]*\n(?<body>.*?)(?:```|\z)", RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^[ \t]*(?:SELECT\s|WITH\s+(?:RECURSIVE\s+)?[""\w]+\s*(?:\([^)]*\))?\s*AS\s*(?:NOT\s+)?(?:MATERIALIZED\s*)?\(|INSERT\s+INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s|DROP\s+\w|CREATE\s+\w|ALTER\s+\w|TRUNCATE\s|GRANT\s|REVOKE\s|COPY\s|DO\s|CALL\s|EXPLAIN\s|VALUES\s*\(|TABLE\s+\w)",
        RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex StatementStart();

    [GeneratedRegex(@"\n[ \t]*\n(?=[ \t]*(?:[A-Z][a-z]|\*\*|#|-\s|\d+\.\s))")]
    private static partial Regex ProseAfterBlankLine();

    [GeneratedRegex(@"^[ \t*_]*interpretation[ \t*_]*:(?<value>[^\n]*)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex InterpretationLine();

    [GeneratedRegex(@"^[ \t*_]*chart[ \t*_]*:(?<value>[^\n]*)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex ChartLine();
}

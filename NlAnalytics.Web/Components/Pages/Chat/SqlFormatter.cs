using System.Text;
using System.Text.RegularExpressions;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>
/// Lays out one-line SQL for reading: each clause on its own line, the select list one item per line.
/// Strings, quoted names and comments are copied untouched; SQL that already has line breaks is kept as written.
/// </summary>
public static partial class SqlFormatter
{
    private static readonly string[] Clauses =
    [
        "select", "from", "where", "group by", "having", "order by", "limit", "offset", "union all", "union", "intersect", "except",
        "left join", "right join", "full join", "inner join", "cross join", "left outer join", "right outer join", "full outer join", "join", "window",
    ];

    public static string Format(string sql)
    {
        var text = sql.Trim();
        if (text.Contains('\n'))
            return text;
        var output = new StringBuilder(text.Length + 64);
        var depth = 0;
        var selectDepth = new Stack<int>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '\'' or '"')
            {
                var end = i + 1;
                while (end < text.Length && !(text[end] == c && (end + 1 >= text.Length || text[end + 1] != c)))
                    end += text[end] == c ? 2 : 1;
                end = Math.Min(end + 1, text.Length);
                output.Append(text, i, end - i);
                i = end;
                continue;
            }
            if (c == '(')
                depth++;
            else if (c == ')')
                depth = Math.Max(0, depth - 1);
            if (c == ',' && selectDepth.TryPeek(out var listDepth) && listDepth == depth)
            {
                output.Append(",\n").Append(Indent(depth + 1));
                i++;
                while (i < text.Length && text[i] == ' ')
                    i++;
                continue;
            }
            if ((i == 0 || !IsWordChar(text[i - 1])) && char.IsLetter(c))
            {
                var clause = Clauses.FirstOrDefault(k => MatchWords(text, i, k) > 0);
                if (clause is not null)
                {
                    var clauseEnd = MatchWords(text, i, clause);
                    while (selectDepth.TryPeek(out var d) && d >= depth)
                        selectDepth.Pop();
                    TrimEndSpaces(output);
                    if (output.Length > 0)
                        output.Append('\n').Append(Indent(depth));
                    output.Append(MultiSpace().Replace(text[i..clauseEnd], " "));
                    i = clauseEnd;
                    if (clause == "select")
                    {
                        selectDepth.Push(depth);
                        // DISTINCT stays on the SELECT line; the first item starts the list.
                        if (MatchWords(text, i, "distinct") > 0)
                        {
                            var start = SkipSpaces(text, i);
                            output.Append(' ').Append(text, start, 8);
                            i = start + 8;
                        }
                        output.Append('\n').Append(Indent(depth + 1));
                        i = SkipSpaces(text, i);
                    }
                    continue;
                }
            }
            output.Append(c);
            i++;
        }
        return output.ToString();
    }

    private static string Indent(int depth) => new(' ', 2 * depth);

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '.';

    private static int SkipSpaces(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
            i++;
        return i;
    }

    private static void TrimEndSpaces(StringBuilder output)
    {
        while (output.Length > 0 && output[^1] == ' ')
            output.Length--;
    }

    /// <summary>The index after <paramref name="words"/> when the text has them (any spacing, any case) at <paramref name="i"/>, otherwise -1.</summary>
    private static int MatchWords(string text, int i, string words)
    {
        var j = i;
        foreach (var part in words.Split(' '))
        {
            j = SkipSpaces(text, j);
            if (j + part.Length > text.Length || string.Compare(text, j, part, 0, part.Length, StringComparison.OrdinalIgnoreCase) != 0)
                return -1;
            j += part.Length;
            if (j < text.Length && IsWordChar(text[j]))
                return -1;
        }
        return j;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex MultiSpace();
}

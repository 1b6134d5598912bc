namespace NlAnalytics.Core.Execution;

/// <summary>
/// The tables a statement reads, from its tokens: every name after FROM, JOIN or a comma in a FROM list,
/// as "schema.table" when qualified, minus the names the statement defines itself (WITH ... AS) and
/// function calls (FROM generate_series(...)). What "Tables used" shows, for written and hand-edited SQL alike.
/// </summary>
public static class SqlTableReferences
{
    private static readonly HashSet<string> EndOfFromList = new(StringComparer.Ordinal)
    {
        "where", "group", "order", "having", "limit", "offset", "union", "except", "intersect", "window", "fetch", "for", "on", "using",
        "join", "inner", "left", "right", "full", "cross", "natural", "lateral", "returning",
    };

    /// <summary>Distinct table names in order of first appearance; empty when the SQL does not lex.</summary>
    public static IReadOnlyList<string> Read(string sql)
    {
        List<SqlToken> tokens;
        try
        {
            tokens = SqlLexer.Tokenize(sql);
        }
        catch (SqlLexerException)
        {
            return [];
        }

        var defined = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            // "WITH name AS (" and ", name AS (" inside a WITH list; "name(col, ...) AS (" too.
            if (tokens[i].IsName && (i > 0 && (tokens[i - 1].IsWord("with") || tokens[i - 1].IsWord("recursive") || tokens[i - 1].IsPunctuation(',')))
                && NextIsAs(tokens, i + 1))
                defined.Add(tokens[i].Text);
        }

        var found = new List<string>();
        var depthOfFrom = new Stack<int>();
        // One entry per open parenthesis: true when it is a function call's, where FROM is an argument
        // keyword (extract(year FROM d), substring(s FROM 2)) and never starts a table.
        var calls = new Stack<bool>();
        var depth = 0;
        var inFromList = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsPunctuation('('))
            {
                var previous = i > 0 ? tokens[i - 1] : default;
                calls.Push(previous.Kind == SqlTokenKind.QuotedIdentifier || (previous.Kind == SqlTokenKind.Word && !NotFunctions.Contains(previous.Text)));
                depth++;
                continue;
            }
            if (token.IsPunctuation(')'))
            {
                if (calls.Count > 0)
                    calls.Pop();
                depth--;
                while (depthOfFrom.Count > 0 && depthOfFrom.Peek() > depth)
                    depthOfFrom.Pop();
                inFromList = depthOfFrom.Count > 0 && depthOfFrom.Peek() == depth;
                continue;
            }
            if (calls.Count > 0 && calls.Peek())
                continue;
            var startsName = token.IsWord("from") || token.IsWord("join") || (inFromList && token.IsPunctuation(',') && depthOfFrom.Count > 0 && depthOfFrom.Peek() == depth);
            if (token.IsWord("from"))
            {
                inFromList = true;
                depthOfFrom.Push(depth);
            }
            else if (token.Kind == SqlTokenKind.Word && EndOfFromList.Contains(token.Text) && !token.IsWord("join"))
            {
                inFromList = false;
            }
            if (!startsName || i + 1 >= tokens.Count)
                continue;
            var at = i + 1;
            if (tokens[at].IsWord("only") || tokens[at].IsWord("lateral"))
                at++;
            if (at >= tokens.Count || !tokens[at].IsName)
                continue;
            var name = tokens[at].Text;
            if (at + 2 < tokens.Count && tokens[at + 1].IsPunctuation('.') && tokens[at + 2].IsName)
            {
                name += "." + tokens[at + 2].Text;
                at += 2;
            }
            // A function in FROM is not a table.
            if (at + 1 < tokens.Count && tokens[at + 1].IsPunctuation('('))
                continue;
            if (!name.Contains('.') && defined.Contains(name))
                continue;
            if (!found.Contains(name, StringComparer.Ordinal))
                found.Add(name);
        }
        return found;
    }

    /// <summary>Words before "(" that open a subquery or a list, not a function call.</summary>
    private static readonly HashSet<string> NotFunctions = new(StringComparer.Ordinal)
    {
        "from", "join", "in", "exists", "as", "lateral", "any", "all", "some", "on", "where", "and", "or", "not", "select",
        "union", "except", "intersect", "with", "materialized", "using", "having", "then", "else", "when", "case", "by", "values",
    };

    private static bool NextIsAs(List<SqlToken> tokens, int at)
    {
        if (at < tokens.Count && tokens[at].IsPunctuation('('))
        {
            var depth = 0;
            for (; at < tokens.Count; at++)
            {
                if (tokens[at].IsPunctuation('('))
                    depth++;
                else if (tokens[at].IsPunctuation(')') && --depth == 0)
                {
                    at++;
                    break;
                }
            }
        }
        return at + 1 < tokens.Count && tokens[at].IsWord("as") && (tokens[at + 1].IsPunctuation('(') || tokens[at + 1].IsWord("materialized") || tokens[at + 1].IsWord("not"));
    }
}

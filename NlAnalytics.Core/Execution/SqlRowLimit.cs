namespace NlAnalytics.Core.Execution;

/// <summary>Whether a statement's own LIMIT (or FETCH FIRST) cuts its rows, so that what it returns is not the whole set.</summary>
public static class SqlRowLimit
{
    public static bool LimitsRows(string sql)
    {
        List<SqlToken> tokens;
        try
        {
            tokens = SqlLexer.Tokenize(sql);
        }
        catch (SqlLexerException)
        {
            return false;
        }
        var depth = 0;
        foreach (var token in tokens)
        {
            if (token.IsPunctuation('('))
                depth++;
            else if (token.IsPunctuation(')'))
                depth--;
            else if (depth == 0 && (token.IsWord("limit") || token.IsWord("fetch")))
                return true;
        }
        return false;
    }
}

using System.Globalization;
using System.Text;

namespace NlAnalytics.Core.Execution;

internal enum SqlTokenKind { Word, QuotedIdentifier, String, Number, Parameter, Punctuation, Semicolon }

/// <summary>One lexical token. <see cref="Text"/> is lower-cased for words and decoded for quoted identifiers.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Position)
{
    public bool IsWord(string word) => Kind == SqlTokenKind.Word && Text == word;

    public bool IsPunctuation(char c) => Kind == SqlTokenKind.Punctuation && Text.Length == 1 && Text[0] == c;

    /// <summary>A name as PostgreSQL resolves it: an unquoted word or a quoted identifier.</summary>
    public bool IsName => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier;
}

internal sealed class SqlLexerException(string message, int position) : Exception(message)
{
    public int Position { get; } = position;
}

/// <summary>
/// Splits SQL into tokens the way PostgreSQL's scanner does (standard_conforming_strings on, the default
/// since 9.1): comments (including nested block comments), string literals of every flavour, dollar
/// quoting and quoted identifiers are recognised so a semicolon or keyword inside them is never mistaken
/// for code. Only what the gate needs is modelled; operators come out one character at a time.
/// </summary>
internal static class SqlLexer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && Peek(sql, i + 1) == '-')
            {
                while (i < sql.Length && sql[i] != '\n' && sql[i] != '\r')
                    i++;
            }
            else if (c == '/' && Peek(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == '\'')
            {
                i = ReadString(sql, i, i, backslashEscapes: false, tokens);
            }
            else if ((c is 'e' or 'E') && Peek(sql, i + 1) == '\'')
            {
                i = ReadString(sql, i, i + 1, backslashEscapes: true, tokens);
            }
            else if ((c is 'b' or 'B' or 'x' or 'X' or 'n' or 'N') && Peek(sql, i + 1) == '\'')
            {
                i = ReadString(sql, i, i + 1, backslashEscapes: false, tokens);
            }
            else if ((c is 'u' or 'U') && Peek(sql, i + 1) == '&' && Peek(sql, i + 2) == '\'')
            {
                i = ReadString(sql, i, i + 2, backslashEscapes: false, tokens);
            }
            else if ((c is 'u' or 'U') && Peek(sql, i + 1) == '&' && Peek(sql, i + 2) == '"')
            {
                i = ReadQuotedIdentifier(sql, i, i + 2, unicodeEscapes: true, tokens);
            }
            else if (c == '"')
            {
                i = ReadQuotedIdentifier(sql, i, i, unicodeEscapes: false, tokens);
            }
            else if (c == '$' && TryReadDollarQuote(sql, i, out var end))
            {
                tokens.Add(new SqlToken(SqlTokenKind.String, sql[i..end], i));
                i = end;
            }
            else if (c == '$' && char.IsAsciiDigit(Peek(sql, i + 1)))
            {
                var start = i++;
                while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                    i++;
                tokens.Add(new SqlToken(SqlTokenKind.Parameter, sql[start..i], start));
            }
            else if (IsIdentifierStart(c))
            {
                var start = i++;
                while (i < sql.Length && IsIdentifierPart(sql[i]))
                    i++;
                tokens.Add(new SqlToken(SqlTokenKind.Word, sql[start..i].ToLowerInvariant(), start));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(sql, i + 1))))
            {
                i = ReadNumber(sql, i, tokens);
            }
            else if (c == ';')
            {
                tokens.Add(new SqlToken(SqlTokenKind.Semicolon, ";", i));
                i++;
            }
            else
            {
                tokens.Add(new SqlToken(SqlTokenKind.Punctuation, c.ToString(), i));
                i++;
            }
        }
        return tokens;
    }

    private static char Peek(string sql, int index) => index < sql.Length ? sql[index] : '\0';

    // PostgreSQL identifiers: letters, underscore and any non-ASCII character; later also digits and '$'.
    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c > '\x7f';

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || char.IsAsciiDigit(c) || c == '$';

    private static int SkipBlockComment(string sql, int start)
    {
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && Peek(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && Peek(sql, i + 1) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                    return i;
            }
            else
            {
                i++;
            }
        }
        throw new SqlLexerException("The SQL has a /* comment that is never closed", start);
    }

    private static int ReadString(string sql, int tokenStart, int quote, bool backslashEscapes, List<SqlToken> tokens)
    {
        var i = quote + 1;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
            }
            else if (c == '\'')
            {
                if (Peek(sql, i + 1) == '\'')
                {
                    i += 2;
                }
                else
                {
                    tokens.Add(new SqlToken(SqlTokenKind.String, sql[tokenStart..(i + 1)], tokenStart));
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }
        throw new SqlLexerException("The SQL has a string literal that is never closed", tokenStart);
    }

    private static int ReadQuotedIdentifier(string sql, int tokenStart, int quote, bool unicodeEscapes, List<SqlToken> tokens)
    {
        var name = new StringBuilder();
        var i = quote + 1;
        while (i < sql.Length)
        {
            if (sql[i] == '"')
            {
                if (Peek(sql, i + 1) == '"')
                {
                    name.Append('"');
                    i += 2;
                    continue;
                }
                var text = unicodeEscapes ? DecodeUnicodeEscapes(name.ToString(), tokenStart) : name.ToString();
                tokens.Add(new SqlToken(SqlTokenKind.QuotedIdentifier, text, tokenStart));
                return i + 1;
            }
            name.Append(sql[i]);
            i++;
        }
        throw new SqlLexerException("The SQL has a quoted identifier that is never closed", tokenStart);
    }

    /// <summary>U&amp;"..." names may spell characters as \XXXX or \+XXXXXX; decode them so a hidden function name is still seen.</summary>
    private static string DecodeUnicodeEscapes(string text, int position)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }
            if (Peek(text, i + 1) == '\\')
            {
                result.Append('\\');
                i++;
                continue;
            }
            var digits = Peek(text, i + 1) == '+' ? 6 : 4;
            var offset = digits == 6 ? 2 : 1;
            if (i + offset + digits > text.Length ||
                !int.TryParse(text.AsSpan(i + offset, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var codePoint) ||
                codePoint > 0x10FFFF)
                throw new SqlLexerException("The SQL has an invalid Unicode escape in a U&\"...\" identifier", position);
            result.Append(char.ConvertFromUtf32(codePoint));
            i += offset + digits - 1;
        }
        return result.ToString();
    }

    /// <summary>$$...$$ or $tag$...$tag$; the tag follows identifier rules but may not contain '$'.</summary>
    private static bool TryReadDollarQuote(string sql, int start, out int end)
    {
        end = start;
        var i = start + 1;
        if (i < sql.Length && sql[i] != '$')
        {
            if (!IsIdentifierStart(sql[i]))
                return false;
            while (i < sql.Length && (IsIdentifierStart(sql[i]) || char.IsAsciiDigit(sql[i])))
                i++;
            if (i >= sql.Length || sql[i] != '$')
                return false;
        }
        if (i >= sql.Length)
            return false;
        var delimiter = sql[start..(i + 1)];
        var close = sql.IndexOf(delimiter, i + 1, StringComparison.Ordinal);
        if (close < 0)
            throw new SqlLexerException($"The SQL has a {delimiter}-quoted string that is never closed", start);
        end = close + delimiter.Length;
        return true;
    }

    private static int ReadNumber(string sql, int start, List<SqlToken> tokens)
    {
        // Strictly decimal: PostgreSQL 15 reads "1into" as the number 1 followed by the keyword INTO.
        var i = start;
        while (i < sql.Length && char.IsAsciiDigit(sql[i]))
            i++;
        if (Peek(sql, i) == '.' && Peek(sql, i + 1) != '.')
        {
            i++;
            while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                i++;
        }
        if (Peek(sql, i) is 'e' or 'E')
        {
            var exponent = i + 1;
            if (Peek(sql, exponent) is '+' or '-')
                exponent++;
            if (char.IsAsciiDigit(Peek(sql, exponent)))
            {
                i = exponent;
                while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                    i++;
            }
        }
        tokens.Add(new SqlToken(SqlTokenKind.Number, sql[start..i], start));
        return i;
    }
}

using System.Globalization;

namespace NlAnalytics.Core.Offline;

/// <summary>Quoting and literal helpers for the SQL the offline writer emits.</summary>
internal static class SqlText
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check", "collate", "column",
        "constraint", "create", "current_date", "current_role", "current_time", "current_timestamp", "current_user", "default", "deferrable",
        "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
        "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only",
        "or", "order", "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric", "table", "then", "to",
        "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where", "window", "with", "authorization", "binary",
        "collation", "concurrently", "cross", "current_schema", "freeze", "full", "ilike", "inner", "is", "isnull", "join", "left", "like",
        "natural", "notnull", "outer", "overlaps", "right", "similar", "tablesample", "verbose", "between", "bigint", "bit", "boolean", "char",
        "character", "coalesce", "dec", "decimal", "exists", "extract", "float", "greatest", "grouping", "inout", "int", "integer", "interval",
        "least", "national", "nchar", "none", "normalize", "nullif", "numeric", "out", "overlay", "position", "precision", "real", "row",
        "setof", "smallint", "substring", "time", "timestamp", "treat", "trim", "values", "varchar", "xmlattributes", "xmlconcat", "xmlelement",
        "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
    };

    public static bool IsReserved(string word) => Reserved.Contains(word);

    public static string Ident(string name) =>
        name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') && !Reserved.Contains(name)
            ? name
            : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => $"DATE '{date:yyyy-MM-dd}'";

    /// <summary>A result column alias: lowercase snake_case of the given words.</summary>
    public static string Alias(string words)
    {
        var folded = string.Join('_', TextNormalizer.Words(words.Replace('_', ' ')));
        if (folded.Length == 0) folded = "value";
        if (char.IsDigit(folded[0])) folded = "_" + folded;
        return Ident(folded.Length > 60 ? folded[..60] : folded);
    }
}

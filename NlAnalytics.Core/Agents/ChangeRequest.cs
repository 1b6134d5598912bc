using System.Text.RegularExpressions;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Recognises a question that asks to change data ("delete all orders", "update the price", "supprime
/// les commandes"), in English and French, so it is refused plainly instead of answered with a listing.
/// It reads only closed-class words: an imperative verb of changing, at the start of the request (after
/// "please", "can you" and the like), followed by a determiner or a quantifier. No database nouns, so it
/// holds for any schema. Verbs that also steer an analysis ("remove the filter", "change the chart",
/// "add a column", "create a chart") are left out on purpose.
/// </summary>
public static partial class ChangeRequest
{
    public const string Refusal =
        "This assistant only reads data: it cannot delete, change or add anything in the database. Ask a question about the data instead, for example how many rows there are or how a figure changed over time.";

    public static bool IsChangeRequest(string question) =>
        !string.IsNullOrWhiteSpace(question) && (English().IsMatch(question) || French().IsMatch(question));

    [GeneratedRegex("""
        ^\W*(?:(?:please|kindly|now|then|and|ok|okay)\W+|(?:can|could|would|will)\s+you\s+(?:please\s+)?|i\s+(?:want|need|would\s+like)\s+(?:you\s+)?to\s+|i'?d\s+like\s+(?:you\s+)?to\s+|let'?s\s+|go\s+ahead\s+and\s+)*
        (?:delete|drop|truncate|erase|wipe|purge|update|modify|insert|alter|overwrite)
        \s+(?:the|all|every|each|this|that|these|those|a|an|my|our|your|any|some|everything|everyone|them|it|\d+)\b
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex English();

    [GeneratedRegex("""
        ^\W*(?:(?:s'il\s+(?:te|vous)\s+pla[iî]t|merci\s+de|veuillez|peux-tu|peux\s+tu|pouvez-vous|pouvez\s+vous|je\s+(?:veux|voudrais|souhaite)|et|puis|maintenant)\W+)*
        (?:supprim|effac|modifi|ins[eè]r|vid|d[eé]trui|met(?:s|tez|tre)?\s+[aà]\s+jour)\w*
        \s+(?:le|la|les|l'|tous|toutes|tout|chaque|ce|cet|cette|ces|un|une|des|du|mon|ma|mes|notre|nos|\d+)
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex French();
}

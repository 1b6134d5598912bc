using System.Text;
using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Semantics;

/// <summary>What a vector stands for: a table's name, a column's name, a comment, an indexed value, or a table's whole description.</summary>
public enum VocabularyKind { Table, Column, Comment, Value, TableDocument }

/// <summary>One text of a catalog that gets a vector, and where in the catalog it comes from.</summary>
/// <param name="Table">The table's qualified name.</param>
/// <param name="Column">The column's name, for columns, column comments and values.</param>
/// <param name="Value">The indexed value as stored, for values.</param>
public sealed record VocabularyEntry(VocabularyKind Kind, string Table, string? Column, string? Value, string Text);

/// <summary>
/// The texts of a catalog that are embedded: names read as words ("signup_date" as "signup date"), the first
/// clause of each comment, the value index, and one description per table for retrieval. Short texts for
/// short question phrases: a single word is closer to "signup date" than to a long sentence containing it.
/// </summary>
public static class CatalogVocabulary
{
    /// <summary>Texts longer than this are cut: the model reads 512 word pieces at most and cuts silently.</summary>
    private const int MaxDocumentCharacters = 1200;

    public static IReadOnlyList<VocabularyEntry> Of(DatabaseCatalog catalog)
    {
        var entries = new List<VocabularyEntry>();
        foreach (var table in catalog.Tables)
        {
            var tableWords = Words(table.Name);
            entries.Add(new VocabularyEntry(VocabularyKind.Table, table.QualifiedName, null, null, tableWords));
            if (FirstClause(table.Comment) is { } tableComment)
                entries.Add(new VocabularyEntry(VocabularyKind.Comment, table.QualifiedName, null, null, tableComment));
            var document = new StringBuilder(tableWords);
            if (!string.IsNullOrWhiteSpace(table.Comment))
                document.Append(": ").Append(table.Comment.Trim());
            document.Append(". Columns: ");
            foreach (var column in table.Columns)
            {
                var columnWords = Words(column.Name);
                if (document.Length < MaxDocumentCharacters)
                    document.Append(columnWords).Append(", ");
                // A bare key ("customer id") names its table's rows, not something to measure or group by.
                if (column.DistinctValues is null && IsKeyName(column.Name, column.IsPrimaryKey))
                    continue;
                entries.Add(new VocabularyEntry(VocabularyKind.Column, table.QualifiedName, column.Name, null, columnWords));
                if (FirstClause(column.Comment) is { } columnComment)
                    entries.Add(new VocabularyEntry(VocabularyKind.Comment, table.QualifiedName, column.Name, null, columnComment));
                foreach (var value in column.DistinctValues ?? [])
                {
                    if (value.Any(char.IsLetter))
                        entries.Add(new VocabularyEntry(VocabularyKind.Value, table.QualifiedName, column.Name, value, value.Trim()));
                }
            }
            var text = document.ToString().TrimEnd(',', ' ');
            entries.Add(new VocabularyEntry(VocabularyKind.TableDocument, table.QualifiedName, null, null,
                text.Length > MaxDocumentCharacters ? text[..MaxDocumentCharacters] : text));
        }
        return entries;
    }

    /// <summary>An identifier as words: split on underscores, digits and camelCase humps, lower case ("OrderLines" → "order lines").</summary>
    public static string Words(string identifier)
    {
        var text = new StringBuilder(identifier.Length + 4);
        var previous = '\0';
        foreach (var c in identifier)
        {
            if (!char.IsLetterOrDigit(c))
            {
                if (text.Length > 0 && text[^1] != ' ')
                    text.Append(' ');
                previous = '\0';
                continue;
            }
            if (previous != '\0' && (char.IsLower(previous) && char.IsUpper(c) || char.IsDigit(previous) != char.IsDigit(c)) && text[^1] != ' ')
                text.Append(' ');
            text.Append(char.ToLowerInvariant(c));
            previous = c;
        }
        return text.ToString().Trim();
    }

    private static bool IsKeyName(string name, bool primaryKey) =>
        primaryKey || name.EndsWith("_id", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Id", StringComparison.Ordinal)
        || string.Equals(name, "id", StringComparison.OrdinalIgnoreCase);

    /// <summary>A comment's first clause ("Date the store opened"), which says what the thing is; the rest explains.</summary>
    private static string? FirstClause(string? comment)
    {
        if (string.IsNullOrWhiteSpace(comment))
            return null;
        var clause = comment.Split(['.', ';', ':', '('], 2)[0].Trim();
        return clause.Length is >= 3 and <= 200 ? clause : null;
    }
}

using System.Text.RegularExpressions;
using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Knowledge;

/// <summary>
/// Writes a source's glossary into its catalog's comments, in the forms the offline analyst and retrieval already read,
/// so a term is grounded by the same mechanism as a comment the database itself carries:
/// a column meaning becomes "Also called turnover, CA." on the column; an aggregate of one column ("SUM(net_amount)")
/// becomes "turnover or CA is SUM(net_amount)." (a defined measure); a filter "status = 'cancelled'" on a column whose
/// values are indexed becomes "cancelled (void)." (a value code). Any other filter or expression only gets a note on its
/// table ("Glossary: ..."): retrieval finds the table by it and the LLM reads the glossary itself, while the offline
/// analyst, which cannot apply free SQL honestly, does not pretend to understand the word.
/// </summary>
internal static partial class GlossaryAnnotation
{
    [GeneratedRegex(@"^\s*(sum|avg|count|min|max)\s*\(\s*(distinct\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SingleColumnAggregate();

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'([^']*)'\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValueFilter();

    public static DatabaseCatalog Apply(DatabaseCatalog catalog, IReadOnlyList<GlossaryTerm> glossary)
    {
        var tableNotes = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var columnNotes = new Dictionary<(string Table, string Column), List<string>>();
        foreach (var term in glossary)
        {
            if (catalog.Find(term.Table) is not { } table)
                continue;
            var names = term.Names.Select(n => n.Replace('.', ' ').Replace(';', ' ').Replace(':', ' ').Replace('(', ' ').Replace(')', ' ').Trim()).Where(n => n.Length > 0).ToList();
            switch (term.Kind)
            {
                case MeaningKind.Column when table.Column(term.Meaning) is { } column:
                    Note(columnNotes, (table.QualifiedName, column.Name), $"Also called {string.Join(", ", names)}.");
                    break;
                case MeaningKind.Expression when SingleColumnAggregate().Match(term.Meaning) is { Success: true } aggregate
                                                 && table.Column(aggregate.Groups[3].Value) is { IsNumeric: true } measure:
                    Note(columnNotes, (table.QualifiedName, measure.Name),
                        $"{string.Join(" or ", names)} is {aggregate.Groups[1].Value.ToUpperInvariant()}({aggregate.Groups[2].Value}{measure.Name}).");
                    break;
                case MeaningKind.Filter when ValueFilter().Match(term.Meaning) is { Success: true } filter
                                             && table.Column(filter.Groups[1].Value) is { DistinctValues: { } values } coded
                                             && values.Contains(filter.Groups[2].Value, StringComparer.Ordinal):
                    foreach (var name in names)
                        Note(columnNotes, (table.QualifiedName, coded.Name), $"{filter.Groups[2].Value} ({name}).");
                    break;
                default:
                    Note(tableNotes, table.QualifiedName, $"Glossary: {string.Join(", ", names)} means {term.MeaningText}.");
                    break;
            }
        }
        if (tableNotes.Count == 0 && columnNotes.Count == 0)
            return catalog;

        var tables = catalog.Tables.Select(t =>
        {
            var columns = t.Columns.Select(c => columnNotes.TryGetValue((t.QualifiedName, c.Name), out var notes) ? c with { Comment = Join(c.Comment, notes) } : c).ToList();
            // A table without a comment gets its own name first: the first clause of a table's comment names its rows.
            return t with { Comment = tableNotes.TryGetValue(t.QualifiedName, out var notes) ? Join(t.Comment ?? t.Name.Replace('_', ' '), notes) : t.Comment, Columns = columns };
        }).ToList();
        return catalog with { Tables = tables };
    }

    private static void Note<TKey>(Dictionary<TKey, List<string>> notes, TKey key, string note) where TKey : notnull
    {
        if (!notes.TryGetValue(key, out var list))
            notes[key] = list = [];
        list.Add(note);
    }

    /// <summary>The notes as sentences after the comment, so the sentence-start patterns of the offline index find them.</summary>
    private static string Join(string? comment, List<string> notes)
    {
        var text = string.Join(" ", notes);
        if (string.IsNullOrWhiteSpace(comment))
            return text;
        var trimmed = comment.TrimEnd();
        return trimmed.EndsWith('.') ? $"{trimmed} {text}" : $"{trimmed}. {text}";
    }
}

using System.Text;

namespace NlAnalytics.Core.Catalog;

/// <summary>The words of a database identifier, as written: snake_case, kebab-case and camelCase ("ArtistId" is Artist, Id; "CustomerID" is Customer, ID).</summary>
public static class IdentifierWords
{
    public static List<string> Split(string identifier)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < identifier.Length; i++)
        {
            var c = identifier[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                continue;
            }
            if (char.IsUpper(c) && current.Length > 0 && (char.IsLower(current[^1]) || (i + 1 < identifier.Length && char.IsLower(identifier[i + 1]))))
                Flush();
            current.Append(c);
        }
        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0) words.Add(current.ToString());
            current.Clear();
        }
    }
}

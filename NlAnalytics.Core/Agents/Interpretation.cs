using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// How a writer read the question, shown above the numbers so a reader can check it at a glance:
/// what was counted or measured, the filters (and which of them came from earlier questions of the
/// thread), the grouping, the words it did not use (a warning) and the spellings it corrected.
/// Stored with the answer.
/// </summary>
public sealed partial record Interpretation
{
    /// <summary>The full reading.</summary>
    [JsonConstructor]
    public Interpretation(
        string Summary,
        IReadOnlyList<string> Filters,
        IReadOnlyList<string> InheritedFilters,
        IReadOnlyList<string> Grouping,
        IReadOnlyList<string> Ignored,
        IReadOnlyList<string> Corrections)
    {
        this.Summary = Summary;
        this.Filters = Filters ?? [];
        this.InheritedFilters = InheritedFilters ?? [];
        this.Grouping = Grouping ?? [];
        this.Ignored = Ignored ?? [];
        this.Corrections = Corrections ?? [];
    }

    /// <summary>
    /// From a one-sentence interpretation, as writers gave it before this record existed: a trailing
    /// "(ignoring 'a', 'b')" becomes <see cref="Ignored"/>, the rest is the <see cref="Summary"/>.
    /// </summary>
    public Interpretation(string text)
        : this(WithoutIgnored(text ?? ""), [], [], [], IgnoredWords(text ?? ""), [])
    {
    }

    /// <summary>What was counted or measured, in a sentence.</summary>
    public string Summary { get; init; }

    /// <summary>Filters the question itself asked for ("year = 2021").</summary>
    public IReadOnlyList<string> Filters { get; init; }

    /// <summary>Filters carried over from earlier questions of the thread (a follow-up's context).</summary>
    public IReadOnlyList<string> InheritedFilters { get; init; }

    public IReadOnlyList<string> Grouping { get; init; }

    /// <summary>Words of the question that the answer does not use: shown as a warning.</summary>
    public IReadOnlyList<string> Ignored { get; init; }

    /// <summary>Spellings read as something else ("revnue -> revenue").</summary>
    public IReadOnlyList<string> Corrections { get; init; }

    /// <summary>Lets writers that produce one sentence hand it over as it is.</summary>
    public static implicit operator Interpretation(string text) => new(text);

    /// <summary>Everything on one line, for logs, the CLI and evaluation reports.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Summary);
        void Part(string label, IReadOnlyList<string> items)
        {
            if (items.Count > 0)
                text.Append(text.Length > 0 ? "; " : "").Append(label).Append(": ").Append(string.Join(", ", items));
        }
        Part("filters", Filters);
        Part("from earlier questions", InheritedFilters);
        Part("grouped by", Grouping);
        Part("ignored", Ignored);
        Part("read as", Corrections);
        return text.ToString();
    }

    private static string WithoutIgnored(string text) => IgnoringClause().Replace(text, "").Trim();

    private static IReadOnlyList<string> IgnoredWords(string text) =>
        IgnoringClause().Match(text) is { Success: true } match
            ? [.. QuotedWord().Matches(match.Groups["words"].Value).Select(w => w.Groups["word"].Value)]
            : [];

    [GeneratedRegex(@"\s*\(ignoring (?<words>'[^)]*')\)")]
    private static partial Regex IgnoringClause();

    [GeneratedRegex(@"'(?<word>[^']*)'")]
    private static partial Regex QuotedWord();
}

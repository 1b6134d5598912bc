using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace NlAnalytics.Core.Knowledge;

/// <summary>One passage of a document: the heading it is under (Markdown), its text and its place in the document.</summary>
public sealed record PassageText(int Ordinal, string? Heading, string Text)
{
    /// <summary>What is embedded: the heading says what the passage is about as much as its own words.</summary>
    public string ForEncoding => Heading is null ? Text : $"{Heading}. {Text}";
}

/// <summary>
/// The text of an uploaded document (Markdown, plain text or PDF) and its passages: split at headings and blank lines,
/// each at most a bound of characters, a long paragraph at sentence ends, with a small overlap between passages of one
/// section so a thought cut between two is whole in one of them.
/// </summary>
public static partial class DocumentText
{
    public const string Markdown = "Markdown";
    public const string PlainText = "Text";
    public const string Pdf = "Pdf";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [GeneratedRegex(@"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")]
    private static partial Regex MarkdownHeading();

    [GeneratedRegex(@"(?<=[.!?;:])\s+")]
    private static partial Regex SentenceEnd();

    /// <summary>The format a file name says (Markdown, Text or Pdf), or null for any other kind of file.</summary>
    public static string? FormatOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".md" or ".markdown" => Markdown,
        ".txt" or ".text" => PlainText,
        ".pdf" => Pdf,
        _ => null,
    };

    /// <summary>The document's text; a <see cref="DocumentException"/> naming the problem when it has none or cannot be read.</summary>
    public static string Extract(string fileName, string format, byte[] content)
    {
        if (content.Length == 0)
            throw new DocumentException($"'{fileName}' is empty.");
        var text = format == Pdf ? ExtractPdf(fileName, content) : Decode(fileName, content);
        text = text.ReplaceLineEndings("\n").Trim();
        if (text.Length == 0)
            throw new DocumentException(format == Pdf
                ? $"'{fileName}' has no text to read (a scanned PDF holds only images of pages: it needs OCR first)."
                : $"'{fileName}' holds only blank space.");
        return text;
    }

    private static string Decode(string fileName, byte[] content)
    {
        if (content.AsSpan().StartsWith("%PDF-"u8))
            throw new DocumentException($"'{fileName}' is a PDF: upload it with the .pdf extension.");
        if (content.AsSpan().IndexOf((byte)0) >= 0)
            throw new DocumentException($"'{fileName}' is not text (it holds NUL bytes: UTF-16 or a binary file). Save it as UTF-8 text.");
        var start = content.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(content, start, content.Length - start);
        }
        catch (DecoderFallbackException)
        {
            // Not UTF-8: the other encoding text files of this kind come in (as for CSV uploads).
            return Encoding.Latin1.GetString(content);
        }
    }

    private static string ExtractPdf(string fileName, byte[] content)
    {
        if (!content.AsSpan().StartsWith("%PDF-"u8))
            throw new DocumentException($"'{fileName}' is not a PDF (it does not start with %PDF-).");
        try
        {
            using var document = PdfDocument.Open(content);
            var pages = new List<string>(document.NumberOfPages);
            foreach (var page in document.GetPages())
                pages.Add(ContentOrderTextExtractor.GetText(page));
            // Each page its own block: a passage never runs on from a page's last line into the next page's header.
            return string.Join("\n\n", pages.Select(p => p.Trim()).Where(p => p.Length > 0));
        }
        catch (Exception e) when (e is not OperationCanceledException and not DocumentException)
        {
            throw new DocumentException($"'{fileName}' cannot be read as a PDF ({e.GetType().Name}: it may be damaged or encrypted).");
        }
    }

    /// <summary>The passages of <paramref name="text"/>, in order. Markdown headings start a new passage and head those under them.</summary>
    public static IReadOnlyList<PassageText> Split(string text, string format, int maxCharacters, int overlapCharacters)
    {
        var passages = new List<PassageText>();
        string? heading = null;
        var current = new StringBuilder();
        // Whether the passage being built holds text beyond what it repeats of the previous one.
        var fresh = false;

        void Flush(bool sectionEnds)
        {
            if (fresh)
            {
                var body = current.ToString().Trim();
                passages.Add(new PassageText(passages.Count, heading, body));
                current.Clear();
                if (!sectionEnds)
                    current.Append(Tail(body, overlapCharacters));
            }
            else if (sectionEnds)
                current.Clear();
            fresh = false;
        }

        void Append(string piece, string separator)
        {
            if (current.Length > 0)
                current.Append(separator);
            current.Append(piece);
            fresh = true;
        }

        void Add(string block)
        {
            if (current.Length + 2 + block.Length <= maxCharacters)
            {
                Append(block, "\n\n");
                return;
            }
            if (fresh)
                Flush(sectionEnds: false);
            if (current.Length + 2 + block.Length <= maxCharacters)
            {
                Append(block, "\n\n");
                return;
            }
            // A paragraph longer than a passage: by sentences, and a sentence longer than that at a space.
            foreach (var piece in Pieces(block, Math.Max(50, maxCharacters - overlapCharacters - 2)))
            {
                if (current.Length + 1 + piece.Length > maxCharacters && fresh)
                    Flush(sectionEnds: false);
                Append(piece, " ");
            }
        }

        foreach (var block in Blocks(text))
        {
            if (format == Markdown && MarkdownHeading().Match(block) is { Success: true } h && !block.Contains('\n', StringComparison.Ordinal))
            {
                Flush(sectionEnds: true);
                heading = h.Groups[2].Value.Trim();
                continue;
            }
            Add(block);
        }
        Flush(sectionEnds: true);
        return passages;
    }

    /// <summary>Paragraphs (text between blank lines), with a Markdown heading line always a block of its own.</summary>
    private static IEnumerable<string> Blocks(string text)
    {
        var block = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd();
            var isHeading = MarkdownHeading().IsMatch(line);
            if (line.Trim().Length == 0 || isHeading)
            {
                if (block.Length > 0)
                    yield return block.ToString();
                block.Clear();
                if (isHeading)
                    yield return line.Trim();
                continue;
            }
            if (block.Length > 0)
                block.Append('\n');
            block.Append(line);
        }
        if (block.Length > 0)
            yield return block.ToString();
    }

    private static IEnumerable<string> Pieces(string paragraph, int max)
    {
        foreach (var sentence in SentenceEnd().Split(paragraph))
        {
            var rest = sentence.Trim();
            while (rest.Length > max)
            {
                var cut = rest.LastIndexOf(' ', max);
                if (cut < max / 2)
                    cut = max;
                yield return rest[..cut].Trim();
                rest = rest[cut..].Trim();
            }
            if (rest.Length > 0)
                yield return rest;
        }
    }

    /// <summary>The last sentences of a passage within <paramref name="max"/> characters (its last words when a sentence is longer); nothing of a short passage.</summary>
    private static string Tail(string passage, int max)
    {
        if (max == 0 || passage.Length <= max)
            return "";
        var start = passage.Length - max;
        var sentence = SentenceEnd().Match(passage, start);
        if (sentence.Success)
            return passage[(sentence.Index + sentence.Length)..].Trim();
        var space = passage.IndexOf(' ', start);
        return space < 0 ? "" : passage[(space + 1)..].Trim();
    }

    internal static string Describe(string format, long bytes, int passages) =>
        string.Create(CultureInfo.InvariantCulture, $"{format}, {bytes:N0} bytes, {passages} passage(s)");
}

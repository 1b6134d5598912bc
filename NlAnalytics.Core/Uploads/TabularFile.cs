using System.Globalization;
using System.Text;
using MiniExcelLibs;
using nietras.SeparatedValues;

namespace NlAnalytics.Core.Uploads;

/// <summary>An upload that cannot become a table; <see cref="Line"/> names the file's line (1 = the header) when one is at fault.</summary>
public sealed class UploadException(string message, int? line = null) : Exception(message)
{
    public int? Line { get; } = line;
}

/// <summary>One data row of a file: its line in the file (the header is line 1) and its cells, blank cells as null.</summary>
public readonly record struct TabularRow(int Line, string?[] Cells);

/// <summary>
/// A CSV (comma, semicolon, tab or pipe, detected from the header; UTF-8 or Latin-1) or the first sheet of an XLSX
/// file, read as a header and rows of text cells. Reading twice (types, then load) re-reads the file, so a 100 MB
/// upload is never held in memory.
/// </summary>
public sealed class TabularFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _path;

    private TabularFile(string path, TabularFormat format, Encoding? encoding, IReadOnlyList<string> header, char? separator)
    {
        _path = path;
        Format = format;
        Encoding = encoding;
        Header = header;
        Separator = separator;
    }

    public TabularFormat Format { get; }

    /// <summary>The text encoding of a CSV (null for XLSX).</summary>
    public Encoding? Encoding { get; }

    /// <summary>The header cells as written in the file (trimmed).</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The CSV separator found in the header (null for XLSX).</summary>
    public char? Separator { get; }

    /// <summary>Opens a file saved on disk; <paramref name="fileName"/> (as the user named it) decides CSV or XLSX.</summary>
    public static TabularFile Open(string path, string fileName)
    {
        var info = new FileInfo(path);
        if (info.Length == 0)
            throw new UploadException("The file is empty.");
        return IsXlsx(fileName) ? OpenXlsx(path) : OpenCsv(path);
    }

    public static bool IsXlsx(string fileName) => fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every data row, in file order. Throws <see cref="UploadException"/> naming the line of a ragged row.</summary>
    public IEnumerable<TabularRow> Rows() => Format == TabularFormat.Xlsx ? XlsxRows() : CsvRows();

    private static TabularFile OpenCsv(string path)
    {
        var encoding = DetectEncoding(path);
        using var reader = OpenSep(path, encoding);
        var header = reader.Header.ColNames.Select(n => n.Trim()).ToList();
        if (header.Count == 0 || header.All(string.IsNullOrEmpty))
            throw new UploadException("The file has no header row: its first line must name the columns.", 1);
        return new TabularFile(path, TabularFormat.Csv, encoding, header, reader.Spec.Sep.Separator);
    }

    private IEnumerable<TabularRow> CsvRows()
    {
        using var reader = OpenSep(_path, Encoding!);
        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (row.ColCount == 1 && row[0].Span.Trim().IsEmpty)
                continue; // a blank line (often the last one)
            if (row.ColCount != Header.Count)
                throw new UploadException(
                    $"Line {line.ToString(CultureInfo.InvariantCulture)} has {row.ColCount} fields, but the header has {Header.Count}. Check that line for a missing or extra separator ('{Separator}') or an unclosed quote.", line);
            var cells = new string?[row.ColCount];
            for (var i = 0; i < cells.Length; i++)
            {
                var text = row[i].ToString();
                cells[i] = text.Length == 0 ? null : text;
            }
            yield return new TabularRow(line, cells);
        }
    }

    private static SepReader OpenSep(string path, Encoding encoding)
    {
        try
        {
            return Sep.Reader(o => o with { Unescape = true, Trim = SepTrim.All, DisableColCountCheck = true })
                .From(new StreamReader(path, encoding, detectEncodingFromByteOrderMarks: true));
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
        {
            throw new UploadException($"The first line cannot be read as a CSV header: {ex.Message}", 1);
        }
    }

    /// <summary>UTF-8 when every byte sequence is valid UTF-8, else Latin-1; NUL bytes mean UTF-16 or a binary file, which are refused.</summary>
    private static Encoding DetectEncoding(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[64 * 1024];
        var decoder = StrictUtf8.GetDecoder();
        var chars = new char[StrictUtf8.GetMaxCharCount(buffer.Length)];
        var utf8 = true;
        var line = 1;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var nul = Array.IndexOf(buffer, (byte)0, 0, read);
            if (nul >= 0)
            {
                var at = line + buffer.AsSpan(0, nul).Count((byte)'\n');
                throw new UploadException(
                    $"Line {at.ToString(CultureInfo.InvariantCulture)} holds a NUL byte: the file is UTF-16 or not text. Save it as CSV in UTF-8 (or Latin-1) and upload it again.", at);
            }
            line += buffer.AsSpan(0, read).Count((byte)'\n');
            if (!utf8)
                continue;
            try
            {
                decoder.GetChars(buffer, 0, read, chars, 0, flush: false);
            }
            catch (DecoderFallbackException)
            {
                utf8 = false;
            }
        }
        return utf8 ? StrictUtf8 : Encoding.Latin1;
    }

    private static TabularFile OpenXlsx(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var header = MiniExcel.GetColumns(stream, useHeaderRow: true, excelType: ExcelType.XLSX)?.Select(h => h?.Trim() ?? "").ToList() ?? [];
            if (header.Count == 0 || header.All(string.IsNullOrEmpty))
                throw new UploadException("The sheet has no header row: its first row must name the columns.", 1);
            return new TabularFile(path, TabularFormat.Xlsx, null, header, null);
        }
        catch (Exception ex) when (ex is not UploadException and (InvalidDataException or IOException or InvalidOperationException or System.Xml.XmlException))
        {
            throw new UploadException($"The file is not a readable XLSX workbook ({ex.Message}).");
        }
    }

    private IEnumerable<TabularRow> XlsxRows()
    {
        using var stream = File.OpenRead(_path);
        var line = 1;
        foreach (IDictionary<string, object?> row in MiniExcel.Query(stream, useHeaderRow: true, excelType: ExcelType.XLSX))
        {
            line++;
            var values = row.Values.ToArray();
            var cells = new string?[Header.Count];
            for (var i = 0; i < cells.Length && i < values.Length; i++)
                cells[i] = CellText(values[i]);
            if (values.Length > Header.Count && values.Skip(Header.Count).Any(v => CellText(v) is not null))
                throw new UploadException($"Row {line.ToString(CultureInfo.InvariantCulture)} has values beyond the {Header.Count} named columns; give those columns a header.", line);
            if (cells.All(c => c is null))
                continue;
            yield return new TabularRow(line, cells);
        }
    }

    private static string? CellText(object? value) => value switch
    {
        null => null,
        DateTime d when d.TimeOfDay == TimeSpan.Zero => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture) is { Length: > 0 } s ? s : null,
        _ => value.ToString() is { Length: > 0 } s ? s.Trim() is { Length: > 0 } t ? t : null : null,
    };
}

public enum TabularFormat { Csv, Xlsx }

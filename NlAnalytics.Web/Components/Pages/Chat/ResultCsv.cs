using System.Text;
using System.Text.Json;
using CsvHelper;
using NlAnalytics.Core.Conversations;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>The whole stored (capped) result as CSV: header row, invariant numbers, ISO dates.</summary>
public static class ResultCsv
{
    public static byte[] Write(ResultSnapshot result)
    {
        using var buffer = new MemoryStream();
        // The BOM lets spreadsheets read UTF-8; text that starts like a formula (=, +, -, @) is escaped so opening the file runs nothing.
        var options = CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape };
        using (var csv = CsvWriter.Create(buffer, options, leaveOpen: true))
        {
            foreach (var column in result.Columns)
                csv.WriteField(column.Name);
            csv.EndRecord();
            foreach (var row in result.Rows)
            {
                foreach (var value in row)
                {
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
                        csv.WriteField(number, "G");
                    else
                        csv.WriteField(value.ValueKind switch
                        {
                            JsonValueKind.Null or JsonValueKind.Undefined => "",
                            JsonValueKind.String => value.GetString() ?? "",
                            _ => value.GetRawText(),
                        });
                }
                csv.EndRecord();
            }
            csv.Flush();
        }
        return buffer.ToArray();
    }

    /// <summary>"total-sales-by-month.csv" from the question.</summary>
    public static string FileName(string question, string extension)
    {
        var words = new StringBuilder();
        foreach (var c in question.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
                words.Append(c);
            else if (words.Length > 0 && words[^1] != '-')
                words.Append('-');
            if (words.Length >= 60)
                break;
        }
        var name = words.ToString().Trim('-');
        return (name.Length == 0 ? "result" : name) + "." + extension;
    }
}

using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace NlAnalytics.Tests.Knowledge;

/// <summary>Documents made by the tests themselves.</summary>
internal static class DocumentFiles
{
    /// <summary>A one-page PDF with a title line and a body line, written with PdfPig's builder (Helvetica, real text operators).</summary>
    public static byte[] Pdf(string title, string body)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(PageSize.A4);
        page.AddText(title, 16, new PdfPoint(40, 780), font);
        page.AddText(body, 11, new PdfPoint(40, 740), font);
        return builder.Build();
    }
}

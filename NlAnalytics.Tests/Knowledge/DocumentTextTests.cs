using NlAnalytics.Core.Knowledge;

namespace NlAnalytics.Tests.Knowledge;

/// <summary>How a document becomes passages: headings start them, a size bound cuts them, a little of one is repeated in the next.</summary>
public sealed class DocumentTextTests
{
    [Fact]
    public void Markdown_headings_start_a_passage_and_head_the_paragraphs_under_them()
    {
        var passages = DocumentText.Split("# Handbook\n\nIntro line.\n\n## Refunds\n\nWithin 30 days.\nFull amount.\n\n## Plants\n\nWater on Tuesday.", DocumentText.Markdown, 900, 150);

        Assert.Equal(
            ["Handbook|Intro line.", "Refunds|Within 30 days.\nFull amount.", "Plants|Water on Tuesday."],
            passages.Select(p => $"{p.Heading}|{p.Text}"));
        Assert.Equal([0, 1, 2], passages.Select(p => p.Ordinal));
        Assert.Equal("Refunds. Within 30 days.\nFull amount.", passages[1].ForEncoding);
    }

    [Fact]
    public void A_long_text_is_cut_at_sentence_ends_within_the_bound_and_the_next_passage_repeats_the_last_sentence()
    {
        // 40 numbered sentences of 30 characters each: about 1,200 characters, so two passages at a bound of 700.
        var sentences = Enumerable.Range(1, 40).Select(i => $"Sentence number {i:00} is here ok.").ToList();
        var passages = DocumentText.Split(string.Join(" ", sentences), DocumentText.PlainText, 700, 60);

        Assert.True(passages.Count >= 2, string.Join(" || ", passages.Select(p => p.Text)));
        Assert.All(passages, p => Assert.True(p.Text.Length <= 700, $"{p.Text.Length} characters"));
        Assert.All(passages, p => Assert.EndsWith("ok.", p.Text));
        // Every sentence is in some passage, and the first passage's last sentence opens the second.
        Assert.All(sentences, s => Assert.Contains(passages, p => p.Text.Contains(s, StringComparison.Ordinal)));
        var last = passages[0].Text[(passages[0].Text.LastIndexOf("Sentence", StringComparison.Ordinal))..];
        Assert.StartsWith(last, passages[1].Text);
        Assert.Null(passages[0].Heading);
    }

    [Fact]
    public void A_pdf_written_by_pdfpig_is_read_back_as_text_and_a_damaged_one_is_refused_with_its_name()
    {
        var text = DocumentText.Extract("calendar.pdf", DocumentText.Pdf, DocumentFiles.Pdf("Fiscal calendar", "The fiscal year starts on the first of April."));

        Assert.Contains("Fiscal calendar", text);
        Assert.Contains("The fiscal year starts on the first of April.", text);
        var damaged = Assert.Throws<DocumentException>(() => DocumentText.Extract("torn.pdf", DocumentText.Pdf, "%PDF-1.4\ngarbage"u8.ToArray()));
        Assert.Contains("'torn.pdf' cannot be read as a PDF", damaged.Message);
        Assert.Null(DocumentText.FormatOf("deck.pptx"));
        Assert.Equal(DocumentText.Markdown, DocumentText.FormatOf("README.MD"));
    }

    [Fact]
    public void Latin1_text_is_read_as_latin1_and_a_file_with_nul_bytes_is_not_text()
    {
        Assert.Equal("Année fiscale", DocumentText.Extract("fr.txt", DocumentText.PlainText, System.Text.Encoding.Latin1.GetBytes("Année fiscale")));
        Assert.Throws<DocumentException>(() => DocumentText.Extract("u16.txt", DocumentText.PlainText, System.Text.Encoding.Unicode.GetBytes("Year")));
    }
}

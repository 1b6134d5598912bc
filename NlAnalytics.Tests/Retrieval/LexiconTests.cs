using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Tests.Retrieval;

public sealed class LexiconTests
{
    [Theory]
    [InlineData("order_lines", new[] { "order", "lines" })]
    [InlineData("customerID", new[] { "customer", "id" })]
    [InlineData("loyaltyTier2024", new[] { "loyalty", "tier", "2024" })]
    [InlineData("Île-de-France", new[] { "ile", "de", "france" })]
    [InlineData("What's the revenue?", new[] { "what", "s", "the", "revenue" })]
    public void Identifiers_and_sentences_split_into_the_same_kind_of_words(string text, string[] expected)
    {
        Assert.Equal(expected, Lexicon.Words(text));
    }

    [Theory]
    [InlineData("categories", "category")]
    [InlineData("category", "category")]
    [InlineData("stores", "stor")]
    [InlineData("store", "stor")]
    [InlineData("addresses", "address")]
    [InlineData("status", "status")]
    [InlineData("shipping", "ship")]
    [InlineData("shipped", "ship")]
    [InlineData("released", "releas")]
    [InlineData("release", "releas")]
    [InlineData("cities", "city")]
    [InlineData("bought", "buy")]
    public void Plurals_and_inflections_meet_their_base_form(string word, string stem)
    {
        Assert.Equal(stem, Lexicon.Stem(word));
    }
}

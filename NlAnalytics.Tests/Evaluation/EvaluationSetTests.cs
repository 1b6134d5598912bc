using NlAnalytics.Core.Evaluation;

namespace NlAnalytics.Tests.Evaluation;

public sealed class EvaluationSetTests
{
    [Fact]
    public void A_set_reads_every_field_and_skips_blank_lines()
    {
        const string text = """
            {"id": "q1", "question": "How many stores?", "sql": "SELECT count(*) FROM sales.stores", "tier": "easy", "tags": ["count", "count"]}

            {"id": "q2", "question": "and in Paris?", "sql": "SELECT count(*) FROM sales.stores WHERE city = 'Paris'", "tier": "Medium", "followup_of": "q1"}
            """;

        var set = EvaluationSet.Parse(text, "demo.jsonl");

        Assert.Equal(2, set.Cases.Count);
        var first = set.Cases[0];
        Assert.Equal(("q1", "How many stores?", "easy", 1), (first.Id, first.Question, first.Tier, first.LineNumber));
        Assert.Equal(["count"], first.Tags);
        Assert.Null(first.FollowupOf);
        var second = set.Cases[1];
        Assert.Equal(("medium", "q1", 3), (second.Tier, second.FollowupOf, second.LineNumber));
        Assert.Empty(second.Tags);
    }

    [Theory]
    [InlineData("{\"id\": \"q1\", \"question\": \"x\"", "demo.jsonl:2: not a JSON object")]
    [InlineData("[1, 2]", "demo.jsonl:2: expected a JSON object")]
    [InlineData("{\"id\": \"q1\", \"question\": \"x\"}", "demo.jsonl:2: missing required \"sql\"")]
    [InlineData("{\"id\": \"q1\", \"question\": \"  \", \"sql\": \"SELECT 1\"}", "demo.jsonl:2: \"question\" must be a non-empty string")]
    [InlineData("{\"id\": 7, \"question\": \"x\", \"sql\": \"SELECT 1\"}", "demo.jsonl:2: \"id\" must be a non-empty string")]
    [InlineData("{\"id\": \"q1\", \"question\": \"x\", \"sql\": \"SELECT 1\", \"tier\": \"expert\"}", "demo.jsonl:2: tier \"expert\" is not one of easy, medium, hard")]
    [InlineData("{\"id\": \"q1\", \"question\": \"x\", \"sql\": \"SELECT 1\", \"tags\": \"count\"}", "demo.jsonl:2: \"tags\" must be an array")]
    [InlineData("{\"id\": \"q0\", \"question\": \"x\", \"sql\": \"SELECT 1\"}", "demo.jsonl:2: id \"q0\" is already used on line 1")]
    [InlineData("{\"id\": \"q1\", \"question\": \"x\", \"sql\": \"SELECT 1\", \"followup_of\": \"q9\"}", "demo.jsonl:2: followup_of \"q9\" does not name a question on an earlier line")]
    public void A_malformed_line_is_reported_with_file_line_and_problem(string badLine, string expected)
    {
        var text = "{\"id\": \"q0\", \"question\": \"How many?\", \"sql\": \"SELECT 1\"}\n" + badLine + "\n";

        var error = Assert.Throws<EvaluationSetFormatException>(() => EvaluationSet.Parse(text, "demo.jsonl"));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void A_follow_up_must_come_after_the_question_it_follows()
    {
        const string text = """
            {"id": "q2", "question": "and in 2021?", "sql": "SELECT 2", "followup_of": "q1"}
            {"id": "q1", "question": "How many?", "sql": "SELECT 1"}
            """;

        var error = Assert.Throws<EvaluationSetFormatException>(() => EvaluationSet.Parse(text, "chains.jsonl"));

        Assert.Contains("chains.jsonl:1:", error.Message);
        Assert.Contains("earlier line", error.Message);
    }

    [Fact]
    public void An_empty_file_is_an_error_not_a_perfect_score()
    {
        var error = Assert.Throws<EvaluationSetFormatException>(() => EvaluationSet.Parse("\n\n", "empty.jsonl"));

        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public async Task A_missing_file_is_named_in_the_error()
    {
        var error = await Assert.ThrowsAsync<EvaluationSetFormatException>(() => EvaluationSet.LoadAsync("/nonexistent/set.jsonl", CancellationToken.None));

        Assert.Contains("/nonexistent/set.jsonl", error.Message);
    }
}

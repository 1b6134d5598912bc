using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Retrieval;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Tests.Semantics;

namespace NlAnalytics.Tests.Retrieval;

public sealed class SchemaRetrieverTests(HrDatabase database) : IClassFixture<HrDatabase>
{
    private readonly SchemaRetriever _retriever = HrDatabase.NewRetriever();

    private async Task<IReadOnlyList<RetrievedTable>> RankAsync(string question, int topK = 4) =>
        (await _retriever.RetrieveAsync(database.Catalog, question, topK, CancellationToken.None)).Tables;

    [Theory]
    [InlineData("How many employees were hired each year?", "hr.employees")]
    [InlineData("Total salary paid per month", "payroll.salary_payments")]
    [InlineData("Which departments are in Geneva?", "hr.departments")]
    [InlineData("Number of sign-ins to the intranet per day", "audit.login_events")]
    [InlineData("What is the budget of each project?", "hr.projects")]
    public async Task The_table_a_question_is_about_comes_first(string question, string expected)
    {
        var tables = await RankAsync(question);

        Assert.Equal(expected, tables[0].QualifiedName);
    }

    [Fact]
    public async Task A_value_named_in_the_question_pulls_in_the_table_that_holds_it_and_says_so()
    {
        var tables = await RankAsync("How many sick days were taken?");

        var leave = Assert.Single(tables, t => t.QualifiedName == "hr.leave_requests");
        Assert.Same(leave, tables[0]);
        Assert.Contains("column leave_type holds 'sick'", leave.Reason);
    }

    [Fact]
    public async Task Values_read_from_small_lookup_tables_are_matched_too()
    {
        var tables = await RankAsync("Who works on Apollo?");

        var projects = Assert.Single(tables, t => t.QualifiedName == "hr.projects");
        Assert.Contains("column title holds 'Apollo'", projects.Reason);
    }

    [Fact]
    public async Task The_join_table_between_two_matches_comes_along_with_its_key_as_the_reason()
    {
        var tables = await RankAsync("Which employees are assigned to the Zephyr project?");

        Assert.Contains(tables, t => t.QualifiedName == "hr.employees");
        Assert.Contains(tables, t => t.QualifiedName == "hr.projects");
        var join = Assert.Single(tables, t => t.QualifiedName == "hr.project_assignments");
        Assert.Contains("references hr.projects", join.Reason);
    }

    [Fact]
    public async Task Tables_on_the_key_path_between_matches_are_included_so_the_query_can_join()
    {
        // salary_payments -> employees -> departments: employees is never mentioned.
        var tables = await RankAsync("Salary payments for the Engineering department", topK: 5);

        Assert.Contains(tables, t => t.QualifiedName == "payroll.salary_payments");
        var departments = Assert.Single(tables, t => t.QualifiedName == "hr.departments");
        Assert.Contains("column name holds 'Engineering'", departments.Reason);
        var employees = Assert.Single(tables, t => t.QualifiedName == "hr.employees");
        Assert.Contains("joins", employees.Reason);
    }

    [Theory]
    [InlineData("How many staff do we have?", "hr.employees")]
    [InlineData("What did we pay in wages last month?", "payroll.salary_payments")]
    public async Task A_word_no_table_spells_reaches_the_table_it_means_through_the_sentence_encoder(string question, string expected)
    {
        // No word list says that staff are employees (ADR 0037): the local MiniLM encoder does.
        using var semantics = CountingEncoder.Semantics(CountingEncoder.Shared);
        Assert.NotNull(await semantics.WhenReadyAsync(database.Catalog, CancellationToken.None));
        var retriever = new SchemaRetriever(new SchemaPromptBuilder(Options.Create(new RetrievalOptions())), Options.Create(new RetrievalOptions()),
            NullLogger<SchemaRetriever>.Instance, semantics: semantics);

        var tables = (await retriever.RetrieveAsync(database.Catalog, question, 4, CancellationToken.None)).Tables;

        Assert.Equal(expected, tables[0].QualifiedName);
    }

    [Fact]
    public async Task The_prompt_describes_only_the_selected_tables_with_keys_comments_and_values()
    {
        var result = await _retriever.RetrieveAsync(database.Catalog, "How many sick days were taken?", 1, CancellationToken.None);

        Assert.Equal("hr.leave_requests", Assert.Single(result.Tables).QualifiedName);
        Assert.Contains("CREATE TABLE hr.leave_requests (", result.SchemaPrompt);
        Assert.Contains("-- hr.leave_requests: Absences requested by employees", result.SchemaPrompt);
        Assert.Contains("leave_type text NOT NULL,  -- values: 'parental', 'sick', 'vacation'", result.SchemaPrompt);
        Assert.Contains("FOREIGN KEY (employee_id) REFERENCES hr.employees (employee_id)", result.SchemaPrompt);
        Assert.DoesNotContain("CREATE TABLE hr.employees", result.SchemaPrompt);
        Assert.Single(result.SchemaPrompt.Split('\n'), line => line.StartsWith("CREATE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_question_that_matches_nothing_selects_nothing_rather_than_guessing()
    {
        var tables = await RankAsync("What is the meaning of life?");

        Assert.Empty(tables);
    }

    [Fact]
    public async Task A_schema_smaller_than_the_budget_is_given_whole()
    {
        var tables = await RankAsync("How many sick days were taken?", topK: 20);

        Assert.Equal(database.Catalog.Tables.Count, tables.Count);
        Assert.Equal("hr.leave_requests", tables[0].QualifiedName);
    }

    [Fact]
    public async Task The_index_is_built_once_per_catalog_instance()
    {
        var first = _retriever.IndexFor(database.Catalog);
        await RankAsync("employees");

        Assert.Same(first, _retriever.IndexFor(database.Catalog));
        Assert.NotSame(first, _retriever.IndexFor(database.Catalog with { LoadedAt = DateTimeOffset.UnixEpoch }));
    }

    [Fact]
    public async Task Administrator_descriptions_are_searched_and_shown_in_the_prompt()
    {
        var options = new RetrievalOptions
        {
            Descriptions = new() { ["hr"] = new() { ["audit.login_events"] = "Use this for questions about attendance and presence" } },
        };
        var retriever = HrDatabase.NewRetriever(options: options);

        var result = await retriever.RetrieveAsync(database.Catalog, "Attendance last week", 1, CancellationToken.None);

        var table = Assert.Single(result.Tables);
        Assert.Equal("audit.login_events", table.QualifiedName);
        Assert.Contains("description mentions 'attendance'", table.Reason);
        Assert.Contains("Use this for questions about attendance and presence", result.SchemaPrompt);
    }

    [Fact]
    public async Task Embeddings_fused_by_rank_find_a_table_no_word_of_the_question_names()
    {
        var retriever = HrDatabase.NewRetriever(new ConceptEmbeddings());

        var result = await retriever.RetrieveAsync(database.Catalog, "Who was away?", 3, CancellationToken.None);

        Assert.Equal("hr.leave_requests", result.Tables[0].QualifiedName);
        Assert.Contains("close in meaning to the question (embedding rank 1)", result.Tables[0].Reason);
        Assert.Empty(await RankAsync("Who was away?"));
    }

    [Fact]
    public async Task An_embedding_provider_that_is_not_configured_is_not_called()
    {
        var retriever = HrDatabase.NewRetriever(new UnconfiguredEmbeddings());

        var result = await retriever.RetrieveAsync(database.Catalog, "How many sick days were taken?", 3, CancellationToken.None);

        Assert.Equal("hr.leave_requests", result.Tables[0].QualifiedName);
        Assert.DoesNotContain(result.Tables, t => t.Reason.Contains("embedding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_embedding_provider_leaves_word_retrieval_working()
    {
        var retriever = HrDatabase.NewRetriever(new FailingEmbeddings());

        var result = await retriever.RetrieveAsync(database.Catalog, "How many sick days were taken?", 3, CancellationToken.None);

        Assert.Equal("hr.leave_requests", result.Tables[0].QualifiedName);
    }

    /// <summary>
    /// A stand-in embedding model with a three-concept vocabulary: absence, money, people. Real models
    /// place "away from work" near "absences"; this one does so by construction.
    /// </summary>
    private sealed class ConceptEmbeddings : IEmbeddingProvider
    {
        public bool IsConfigured => true;

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<float[]>>([.. texts.Select(Embed)]);

        private static float[] Embed(string text)
        {
            var lower = text.ToLowerInvariant();
            return
            [
                lower.Contains("absence") || lower.Contains("away") ? 1f : 0f,
                lower.Contains("salary") || lower.Contains("budget") ? 1f : 0f,
                lower.Contains("employee") || lower.Contains("who") ? 0.3f : 0.01f,
            ];
        }
    }

    private sealed class UnconfiguredEmbeddings : IEmbeddingProvider
    {
        public bool IsConfigured => false;

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("an unconfigured provider must not be called");
    }

    private sealed class FailingEmbeddings : IEmbeddingProvider
    {
        public bool IsConfigured => true;

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            throw new HttpRequestException("503 Service Unavailable");
    }
}

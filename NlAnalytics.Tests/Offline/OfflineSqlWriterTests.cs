using NlAnalytics.Core.Agents;

namespace NlAnalytics.Tests.Offline;

/// <summary>
/// The offline writer on a library database it has never seen: every answer is checked by running the
/// generated SQL on PostgreSQL and comparing its rows with those of a hand-written query. What a question
/// composes to is tested without the calibration (<see cref="LibraryDatabase.ComposeAsync"/>); declines and
/// confidence with it (<see cref="LibraryDatabase.AskAsync"/>).
/// </summary>
[Collection(LibraryCollection.Name)]
public sealed class OfflineSqlWriterTests(LibraryDatabase library)
{
    private async Task<SqlDraft> AssertMeansAsync(string question, string expectedSql, bool ordered = false, params (string, string?)[] history)
    {
        var draft = await library.ComposeAsync(question, history);
        Assert.True(draft.Sql is not null, $"declined \"{question}\": {draft.Interpretation}");
        var expected = await library.RowsAsync(expectedSql);
        var actual = await library.RowsAsync(draft.Sql!);
        if (!ordered)
        {
            expected.Sort(StringComparer.Ordinal);
            actual.Sort(StringComparer.Ordinal);
        }
        Assert.True(expected.SequenceEqual(actual),
            $"\"{question}\"\n{draft.Interpretation}\n{draft.Sql}\nexpected: {string.Join(" ; ", expected.Take(12))}\nactual:   {string.Join(" ; ", actual.Take(12))}");
        return draft;
    }

    [Fact]
    public Task How_many_counts_the_rows_of_the_named_table() =>
        AssertMeansAsync("How many books are there?", "SELECT count(*) FROM library.books");

    [Fact]
    public async Task A_word_equal_to_an_indexed_value_becomes_a_filter_on_its_column()
    {
        var draft = await AssertMeansAsync("How many poetry books?", "SELECT count(*) FROM library.books WHERE genre = 'poetry'");
        Assert.Contains("genre = 'poetry'", draft.Interpretation.ToString());
        Assert.True(draft.Confidence >= 0.7);
    }

    [Fact]
    public Task Total_sums_the_numeric_column_the_question_names() =>
        AssertMeansAsync("What is the total fee of all loans?", "SELECT sum(fee) FROM library.loans");

    [Fact]
    public Task Average_averages_the_named_column() =>
        AssertMeansAsync("Average price of books", "SELECT avg(price) FROM library.books");

    [Fact]
    public Task Highest_without_an_entity_is_a_maximum() =>
        AssertMeansAsync("What is the highest price?", "SELECT max(price) FROM library.books");

    [Fact]
    public Task Minimum_takes_the_smallest_value() =>
        AssertMeansAsync("minimum number of pages", "SELECT min(pages) FROM library.books");

    // The talks last 1800-5400 seconds: an answer in seconds differs from the one in minutes or hours asked for.
    [Theory]
    [InlineData("average talk duration in minutes", "SELECT avg(duration_seconds) / 60.0 FROM library.talks")]
    [InlineData("total duration of talks in hours by topic", "SELECT topic, sum(duration_seconds) / 3600.0 FROM library.talks GROUP BY topic")]
    public async Task A_unit_no_comparison_takes_is_the_unit_the_measure_is_shown_in(string question, string expectedSql)
    {
        var draft = await AssertMeansAsync(question, expectedSql);
        Assert.DoesNotContain("ignoring", draft.Interpretation.ToString());
    }

    [Fact]
    public Task Distinct_counts_different_values_of_a_text_column() =>
        AssertMeansAsync("How many distinct genres are there?", "SELECT count(DISTINCT genre) FROM library.books");

    [Theory]
    [InlineData("Number of loans by day of the week")]
    [InlineData("loans per weekday")]
    [InlineData("Nombre de loans par jour de la semaine")]
    public async Task By_weekday_groups_the_dates_by_day_of_the_week_in_calendar_order(string question)
    {
        var draft = await AssertMeansAsync(question,
            "SELECT to_char(loan_date, 'FMDay'), count(*) FROM library.loans GROUP BY 1 ORDER BY min(EXTRACT(ISODOW FROM loan_date))", ordered: true);
        Assert.Contains("ISODOW", draft.Sql);
    }

    [Fact]
    public Task Per_groups_by_a_column() =>
        AssertMeansAsync("Number of books per genre", "SELECT genre, count(*) FROM library.books GROUP BY genre");

    [Fact]
    public Task Grouping_by_another_table_joins_along_foreign_keys() =>
        AssertMeansAsync("Number of loans by author", """
            SELECT a.name, count(*) FROM library.loans l JOIN library.books b ON b.book_id = l.book_id
            JOIN library.authors a ON a.author_id = b.author_id GROUP BY a.author_id, a.name
            """);

    [Fact]
    public Task A_filter_value_in_a_distant_table_is_joined_in() =>
        AssertMeansAsync("How many loans for authors from Italy?", """
            SELECT count(*) FROM library.loans l JOIN library.books b ON b.book_id = l.book_id
            JOIN library.authors a ON a.author_id = b.author_id WHERE a.country = 'Italy'
            """);

    [Fact]
    public Task More_than_compares_the_column_named_after_the_number() =>
        AssertMeansAsync("How many books have more than 300 pages?", "SELECT count(*) FROM library.books WHERE pages > 300");

    [Fact]
    public Task Between_two_numbers_is_an_inclusive_range() =>
        AssertMeansAsync("How many books with between 200 and 300 pages?", "SELECT count(*) FROM library.books WHERE pages BETWEEN 200 AND 300");

    [Fact]
    public Task A_price_under_a_number_is_a_less_than_comparison() =>
        AssertMeansAsync("how many books with a price under 20", "SELECT count(*) FROM library.books WHERE price < 20");

    [Fact]
    public Task Not_in_negates_a_value_filter() =>
        AssertMeansAsync("How many members not in Lyon?", "SELECT count(*) FROM library.members WHERE city <> 'Lyon'");

    [Fact]
    public Task Excluding_negates_a_value_filter_inside_a_grouping() =>
        AssertMeansAsync("Number of books by genre excluding poetry", "SELECT genre, count(*) FROM library.books WHERE genre <> 'poetry' GROUP BY genre");

    [Fact]
    public Task A_year_filters_an_integer_year_column() =>
        AssertMeansAsync("How many books were published in 2010?", "SELECT count(*) FROM library.books WHERE published_year = 2010");

    [Fact]
    public Task A_year_filters_a_date_column_on_the_whole_year()
    {
        var year = DateTime.Today.Year - 1;
        return AssertMeansAsync($"How many loans in {year}?", $"SELECT count(*) FROM library.loans WHERE extract(year FROM loan_date) = {year}");
    }

    [Fact]
    public Task A_month_and_year_filter_that_month()
    {
        var year = DateTime.Today.Year - 1;
        return AssertMeansAsync($"How many loans in March {year}?", $"SELECT count(*) FROM library.loans WHERE loan_date >= DATE '{year}-03-01' AND loan_date < DATE '{year}-04-01'");
    }

    [Fact]
    public Task A_quarter_and_year_filter_that_quarter()
    {
        var year = DateTime.Today.Year - 1;
        return AssertMeansAsync($"Total fee in Q2 {year}", $"SELECT sum(fee) FROM library.loans WHERE extract(quarter FROM loan_date) = 2 AND extract(year FROM loan_date) = {year}");
    }

    [Fact]
    public Task Last_30_days_is_relative_to_the_current_date() =>
        AssertMeansAsync("How many loans in the last 30 days?", "SELECT count(*) FROM library.loans WHERE loan_date >= CURRENT_DATE - 30");

    [Fact]
    public Task Last_year_is_the_previous_calendar_year() =>
        AssertMeansAsync("How many loans last year?", "SELECT count(*) FROM library.loans WHERE extract(year FROM loan_date) = extract(year FROM CURRENT_DATE) - 1");

    [Fact]
    public Task This_year_starts_on_the_first_of_january() =>
        AssertMeansAsync("Total fee this year", "SELECT sum(fee) FROM library.loans WHERE loan_date >= date_trunc('year', CURRENT_DATE)");

    [Fact]
    public Task Since_a_year_includes_that_year_onwards() =>
        AssertMeansAsync("How many members joined since 2020?", "SELECT count(*) FROM library.members WHERE joined_on >= DATE '2020-01-01'");

    [Fact]
    public Task From_one_year_to_another_is_inclusive_on_a_year_column() =>
        AssertMeansAsync("Total visitors from 2016 to 2018", "SELECT sum(visitors) FROM library.visit_stats WHERE year BETWEEN 2016 AND 2018");

    [Fact]
    public async Task Per_month_is_a_time_series_on_the_date_column()
    {
        var draft = await AssertMeansAsync("Number of loans per month", "SELECT date_trunc('month', loan_date)::date, count(*) FROM library.loans GROUP BY 1 ORDER BY 1", ordered: true);
        Assert.Equal("line", draft.PreferredChart);
    }

    [Theory]
    [InlineData("number of loans by book author")]
    [InlineData("which book authors have the most loans")]
    [InlineData("top 3 book authors by number of loans")]
    public async Task A_table_noun_before_a_related_table_noun_names_the_head_the_rows_are_grouped_by(string question)
    {
        // "book author" is the author of the book: loans are grouped by authors, which books point to.
        var draft = await library.ComposeAsync(question, []);
        Assert.True(draft.Sql is not null, $"declined \"{question}\": {draft.Interpretation}");
        Assert.Contains("authors", draft.Sql);
        var byAuthor = await library.RowsAsync(
            "SELECT a.name, count(*) FROM library.loans l JOIN library.books b ON b.book_id = l.book_id JOIN library.authors a ON a.author_id = b.author_id GROUP BY a.author_id, a.name");
        var actual = await library.RowsAsync(draft.Sql!);
        Assert.True(actual.Count > 0 && actual.All(byAuthor.Contains), $"{draft.Sql}\nactual: {string.Join(" ; ", actual)}\nby author: {string.Join(" ; ", byAuthor)}");
    }

    [Fact]
    public Task A_table_noun_before_one_of_its_columns_names_that_column() =>
        AssertMeansAsync("number of loans by member city",
            "SELECT m.city, count(*) FROM library.loans l JOIN library.members m ON m.member_id = l.member_id GROUP BY m.city");

    [Theory]
    [InlineData("trend of loans by month")]
    [InlineData("monthly trend in the number of loans")]
    [InlineData("number of loans over time, per month")]
    public async Task A_trend_asked_by_a_named_period_is_one_series_on_that_period(string question)
    {
        var draft = await AssertMeansAsync(question, "SELECT date_trunc('month', loan_date)::date, count(*) FROM library.loans GROUP BY 1 ORDER BY 1", ordered: true);
        Assert.Equal("line", draft.PreferredChart);
    }

    [Fact]
    public Task Per_year_on_an_integer_year_column_groups_by_that_column() =>
        AssertMeansAsync("visitors per year", "SELECT year, sum(visitors) FROM library.visit_stats GROUP BY year ORDER BY year", ordered: true);

    [Fact]
    public Task Weekly_groups_by_week() =>
        AssertMeansAsync("weekly number of loans in the last 60 days", "SELECT date_trunc('week', loan_date)::date, count(*) FROM library.loans WHERE loan_date >= CURRENT_DATE - 60 GROUP BY 1 ORDER BY 1", ordered: true);

    [Fact]
    public async Task Top_n_ranks_the_entity_by_the_measure()
    {
        var draft = await library.ComposeAsync("Top 3 authors by number of loans");
        Assert.NotNull(draft.Sql);
        var rows = await library.RowsAsync(draft.Sql!);
        var expected = await library.RowsAsync("""
            SELECT count(*) FROM library.loans l JOIN library.books b USING (book_id) GROUP BY b.author_id ORDER BY 1 DESC LIMIT 3
            """);
        Assert.Equal(expected, rows.Select(r => r.Split(" | ")[1]).ToList());
    }

    [Fact]
    public Task Which_with_fewest_takes_the_bottom_one() =>
        AssertMeansAsync("Which genre has the fewest books?", "SELECT genre, count(*) FROM library.books GROUP BY genre ORDER BY 2, 1 LIMIT 1");

    [Fact]
    public Task Which_with_most_takes_the_top_one() =>
        AssertMeansAsync("Which city has the most members?", "SELECT city, count(*) FROM library.members GROUP BY city ORDER BY 2 DESC LIMIT 1");

    [Fact]
    public Task Which_entity_has_the_highest_value_ranks_entities() =>
        AssertMeansAsync("Which book has the highest price?", "SELECT title, price FROM library.books ORDER BY price DESC LIMIT 1");

    [Fact]
    public Task Bottom_n_orders_ascending() =>
        AssertMeansAsync("Bottom 2 cities by total visitors", "SELECT city, sum(visitors) FROM library.visit_stats GROUP BY city ORDER BY 2 LIMIT 2", ordered: true);

    [Fact]
    public async Task Share_of_a_value_is_a_percentage_and_says_of_what()
    {
        var draft = await AssertMeansAsync("Share of female members", "SELECT 100.0 * count(*) FILTER (WHERE gender = 'female') / count(*) FROM library.members");
        Assert.StartsWith("Share (%) of members where gender = 'female'", draft.Interpretation.ToString());
    }

    // "women" and "ville" have no hand-written entry (the lexicons hold no nouns of any database): a word nothing
    // grounds is said to be left out, and the draft stays under the Hybrid threshold so the model is asked. So are words
    // the parser read but could place nowhere (a month with no year or preposition beside it, a table named that the SQL
    // does not read): the SQL would answer another question.
    [Theory]
    [InlineData("How many women members live in Oslo?", "women")]
    [InlineData("Nombre de membres par ville", "ville")]
    [InlineData("December loans 2021", "december")]
    [InlineData("Total fee for the authors", "authors")]
    public async Task A_word_left_out_or_placed_nowhere_is_named_and_never_confident(string question, string word)
    {
        var draft = await library.AskAsync(question);
        // Declined with a clarifying question (calibrated) or answered "ignoring 'word'": either way the word is named.
        Assert.Contains($"'{word}'", draft.Interpretation.ToString());
        Assert.True(draft.Confidence < new AnalystOptions().HybridThreshold, $"{draft.Confidence}: {draft.Interpretation}");
    }

    [Fact]
    public async Task A_table_named_for_a_value_it_holds_is_placed_by_that_value()
    {
        var draft = await AssertMeansAsync("How many loans for members in Oslo?", """
            SELECT count(*) FROM library.loans l JOIN library.members m USING (member_id) WHERE m.city = 'Oslo'
            """);
        Assert.DoesNotContain("ignoring", draft.Interpretation.ToString());
    }

    [Fact]
    public async Task Compared_years_side_by_side_are_the_comparison_asked_for()
    {
        var draft = await AssertMeansAsync("Compare loans in 2020 and 2021", """
            SELECT EXTRACT(YEAR FROM loan_date)::int, count(*) FROM library.loans
            WHERE EXTRACT(YEAR FROM loan_date) IN (2020, 2021) GROUP BY 1
            """);
        Assert.DoesNotContain("ignoring", draft.Interpretation.ToString());
    }

    [Fact]
    public Task Percentage_by_group_is_each_groups_share_of_the_total() =>
        AssertMeansAsync("Percentage of books by genre", "SELECT genre, count(*), 100.0 * count(*) / sum(count(*)) OVER () FROM library.books GROUP BY genre");

    [Fact]
    public Task Ratio_of_two_values_divides_their_counts() =>
        AssertMeansAsync("Ratio of female to male members", "SELECT count(*) FILTER (WHERE gender = 'female')::numeric / count(*) FILTER (WHERE gender = 'male') FROM library.members");

    [Fact]
    public Task Growth_between_two_years_compares_both_periods() =>
        AssertMeansAsync("Growth of visitors between 2016 and 2020", """
            SELECT sum(visitors) FILTER (WHERE year = 2016), sum(visitors) FILTER (WHERE year = 2020),
                   sum(visitors) FILTER (WHERE year = 2020) - sum(visitors) FILTER (WHERE year = 2016),
                   100.0 * (sum(visitors) FILTER (WHERE year = 2020) - sum(visitors) FILTER (WHERE year = 2016)) / sum(visitors) FILTER (WHERE year = 2016)
            FROM library.visit_stats
            """);

    [Fact]
    public Task Which_entities_have_more_than_n_related_rows_groups_with_having() =>
        AssertMeansAsync("Which authors have more than 7 books?", """
            SELECT a.name, count(*) FROM library.books b JOIN library.authors a USING (author_id) GROUP BY a.author_id, a.name HAVING count(*) > 7
            """);

    [Fact]
    public Task A_condition_on_a_total_of_another_table_becomes_having() =>
        AssertMeansAsync("Which cities had more than 1500 visitors in 2018?", "SELECT city, sum(visitors) FROM library.visit_stats WHERE year = 2018 GROUP BY city HAVING sum(visitors) > 1500");

    [Fact]
    public Task Counting_entities_with_a_related_count_condition_uses_a_subquery() =>
        AssertMeansAsync("How many members have more than 20 loans?", "SELECT count(*) FROM (SELECT member_id FROM library.loans GROUP BY member_id HAVING count(*) > 20) t");

    [Fact]
    public Task Average_per_entity_divides_the_total_by_the_number_of_entities() =>
        AssertMeansAsync("Average fee per member", "SELECT sum(fee) / count(DISTINCT member_id) FROM library.loans");

    [Fact]
    public Task Counting_an_entity_named_with_another_table_counts_distinct_entities_of_that_table() =>
        AssertMeansAsync("How many distinct members with loans in the last 30 days?", "SELECT count(DISTINCT member_id) FROM library.loans WHERE loan_date >= CURRENT_DATE - 30");

    [Fact]
    public Task Which_period_ranks_time_buckets() =>
        AssertMeansAsync("Which year had the fewest visitors?", "SELECT year, sum(visitors) FROM library.visit_stats GROUP BY year ORDER BY 2 LIMIT 1");

    [Fact]
    public Task Year_over_year_growth_adds_the_change_from_the_previous_period() =>
        AssertMeansAsync("Year-over-year growth of visitors", """
            SELECT year, sum(visitors), sum(visitors) - lag(sum(visitors)) OVER (ORDER BY year),
                   100.0 * (sum(visitors) - lag(sum(visitors)) OVER (ORDER BY year)) / lag(sum(visitors)) OVER (ORDER BY year)
            FROM library.visit_stats GROUP BY year ORDER BY year
            """, ordered: true);

    [Fact]
    public Task Cumulative_adds_a_running_total() =>
        AssertMeansAsync("Cumulative visitors by year", "SELECT year, sum(visitors), sum(sum(visitors)) OVER (ORDER BY year) FROM library.visit_stats GROUP BY year ORDER BY year", ordered: true);

    [Fact]
    public Task When_asks_for_the_earliest_date() =>
        AssertMeansAsync("When did the first member join?", "SELECT min(joined_on) FROM library.members");

    [Fact]
    public async Task A_growth_that_cannot_be_computed_is_not_answered_confidently()
    {
        var draft = await library.AskAsync("How did the fee change?");
        Assert.True(draft.Sql is null || draft.Confidence < 0.6, $"{draft.Confidence}: {draft.Interpretation}");
    }

    [Fact]
    public Task Without_a_related_table_keeps_rows_that_have_none() =>
        AssertMeansAsync("Which books have no loans?", "SELECT b.title, b.genre, b.pages, b.price, b.published_year FROM library.books b WHERE NOT EXISTS (SELECT 1 FROM library.loans l WHERE l.book_id = b.book_id)");

    [Fact]
    public async Task How_many_sums_a_column_that_already_holds_a_count()
    {
        var draft = await AssertMeansAsync("How many visitors in Oslo in 2019?", "SELECT sum(visitors) FROM library.visit_stats WHERE city = 'Oslo' AND year = 2019");
        Assert.Contains("city = 'Oslo'", draft.Interpretation.ToString());
        Assert.Contains("year = 2019", draft.Interpretation.ToString());
    }

    [Fact]
    public Task Listing_returns_the_matching_rows() =>
        AssertMeansAsync("List the members in Oslo", "SELECT full_name, city, gender, joined_on FROM library.members WHERE city = 'Oslo'");

    [Fact]
    public Task A_follow_up_with_another_year_keeps_everything_else() =>
        AssertMeansAsync("and in 2020?", "SELECT sum(visitors) FROM library.visit_stats WHERE city = 'Oslo' AND year = 2020",
            history: ("How many visitors in Oslo in 2019?", null));

    [Fact]
    public async Task A_follow_up_says_which_filter_it_carried_over_from_the_earlier_question()
    {
        var draft = await AssertMeansAsync("and in 2020?", "SELECT sum(visitors) FROM library.visit_stats WHERE city = 'Oslo' AND year = 2020",
            history: ("How many visitors in Oslo in 2019?", null));

        Assert.Contains(draft.Interpretation.InheritedFilters, f => f.Contains("Oslo", StringComparison.Ordinal));
        Assert.DoesNotContain(draft.Interpretation.InheritedFilters, f => f.Contains("2019", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_question_whose_subject_is_an_unknown_word_keeps_none_of_the_earlier_filters()
    {
        // "footfall" is no name in the catalog: read as a follow-up, the question would stay on Oslo and 2019's city filter.
        var draft = await library.ComposeAsync("footfall by city in 2020", ("How many visitors in Oslo in 2019?", null));

        Assert.DoesNotContain("Oslo", draft.Sql ?? "");
        Assert.Empty(draft.Interpretation.InheritedFilters);
    }

    [Theory]
    [InlineData("enrolment", "enrollments")]
    [InlineData("instalments", "installment")]
    public void British_and_american_spellings_of_a_word_share_a_stem(string british, string american) =>
        Assert.Equal(NlAnalytics.Core.Offline.TextNormalizer.Stem(american), NlAnalytics.Core.Offline.TextNormalizer.Stem(british));

    [Fact]
    public void A_word_that_merely_ends_like_it_keeps_its_stem() =>
        Assert.Equal("element", NlAnalytics.Core.Offline.TextNormalizer.Stem("elements"));

    [Fact]
    public Task A_follow_up_naming_another_value_replaces_the_filter_on_that_column() =>
        AssertMeansAsync("what about Porto?", "SELECT sum(visitors) FROM library.visit_stats WHERE city = 'Porto' AND year = 2019",
            history: ("How many visitors in Oslo in 2019?", null));

    [Fact]
    public Task Follow_ups_chain_through_the_whole_thread() =>
        AssertMeansAsync("what about Porto?", "SELECT sum(visitors) FROM library.visit_stats WHERE city = 'Porto' AND year = 2021",
            history: [("How many visitors in Oslo in 2019?", null), ("and in 2021?", null)]);

    [Fact]
    public Task Only_female_adds_a_filter_to_the_previous_question() =>
        AssertMeansAsync("only female", "SELECT city, count(*) FROM library.members WHERE gender = 'female' GROUP BY city",
            history: ("How many members by city?", null));

    [Fact]
    public Task Top_n_instead_changes_only_the_limit() =>
        AssertMeansAsync("top 2 instead", "SELECT city, sum(visitors) FROM library.visit_stats GROUP BY city ORDER BY 2 DESC LIMIT 2", ordered: true,
            history: ("Top 3 cities by visitors", null));

    [Fact]
    public async Task As_a_line_chart_changes_only_the_chart()
    {
        var draft = await AssertMeansAsync("as a line chart", "SELECT genre, count(*) FROM library.books GROUP BY genre",
            history: ("Number of books per genre", null));
        Assert.Equal("line", draft.PreferredChart);
    }

    [Fact]
    public Task Only_for_the_top_n_restricts_to_the_best_entities() =>
        AssertMeansAsync("only for the top 2 cities", """
            SELECT year, sum(visitors) FROM library.visit_stats
            WHERE city IN (SELECT city FROM library.visit_stats GROUP BY city ORDER BY sum(visitors) DESC LIMIT 2)
            GROUP BY year ORDER BY year
            """, ordered: true, history: ("visitors per year", null));

    [Fact]
    public Task Only_for_the_top_n_joins_the_ranked_table_when_the_first_question_did_not_need_it() =>
        AssertMeansAsync("only for the top 3 members", """
            SELECT date_trunc('month', l.loan_date)::date AS month, sum(l.fee) FROM library.loans l
            WHERE l.member_id IN (SELECT member_id FROM library.loans GROUP BY member_id ORDER BY sum(fee) DESC, member_id LIMIT 3)
            GROUP BY 1 ORDER BY 1
            """, ordered: true, history: ("total fees by month", null));

    [Fact]
    public Task French_questions_are_understood() =>
        AssertMeansAsync("Combien de genres différents ?", "SELECT count(DISTINCT genre) FROM library.books");

    [Fact]
    public async Task A_french_noun_an_english_schema_does_not_spell_is_declined_with_what_it_can_answer()
    {
        // No hand-written list translates the nouns of a database (ADR 0037): "livres" is the glossary's or the LLM's.
        var draft = await library.AskAsync("Combien de livres en 2010 ?");

        Assert.Null(draft.Sql);
        Assert.Contains("Questions I can answer include", draft.Interpretation.ToString());
    }

    [Fact]
    public Task French_grouping_is_understood() =>
        AssertMeansAsync("Nombre de membres par city", "SELECT city, count(*) FROM library.members GROUP BY city");

    [Fact]
    public async Task Nonsense_is_declined_with_questions_that_can_be_answered()
    {
        var draft = await library.AskAsync("What is the meaning of life?");
        Assert.Null(draft.Sql);
        Assert.Equal(0, draft.Confidence);
        Assert.Contains("can't answer", draft.Interpretation.ToString());
        Assert.NotEmpty(draft.Suggestions);
        foreach (var suggestion in draft.Suggestions)
        {
            var answer = await library.AskAsync(suggestion);
            Assert.True(answer.Sql is not null, $"suggestion \"{suggestion}\" is declined");
            await library.RowsAsync(answer.Sql!);
        }
    }

    [Fact]
    public async Task A_question_about_something_the_database_does_not_hold_is_declined()
    {
        var draft = await library.AskAsync("How many spaceships launched from Mars last decade?");
        Assert.Null(draft.Sql);
        Assert.NotEmpty(draft.Suggestions);
    }

    [Fact]
    public async Task A_follow_up_without_a_thread_is_declined()
    {
        var draft = await library.AskAsync("as a line chart");
        Assert.Null(draft.Sql);
    }

    [Fact]
    public async Task One_unknown_word_lowers_confidence_below_the_hybrid_threshold()
    {
        var draft = await library.AskAsync("How many overdue books?");
        Assert.True(draft.Sql is null || draft.Confidence < 0.6, $"{draft.Confidence}: {draft.Interpretation}");
    }

    [Fact]
    public async Task A_word_left_out_is_either_asked_about_or_answered_under_the_hybrid_threshold()
    {
        var draft = await library.AskAsync("How many mystery books by glorious authors?");

        if (draft.Sql is null)
        {
            Assert.Contains("'glorious'", draft.Interpretation.ToString());
            Assert.Contains("Did you mean 'glorious' as a value of", draft.Interpretation.ToString());
            Assert.InRange(draft.Suggestions.Count, 2, 3);
        }
        else
        {
            Assert.True(draft.Confidence < new AnalystOptions().HybridThreshold, $"{draft.Confidence}: {draft.Interpretation}");
            Assert.Contains("glorious", draft.Interpretation.Ignored);
        }
    }

    [Fact]
    public async Task A_decline_offers_two_or_three_answerable_questions_from_what_was_grounded()
    {
        var draft = await library.AskAsync("Which members have a zygomorphic flurry?");

        Assert.Null(draft.Sql);
        Assert.InRange(draft.Suggestions.Count, 2, 3);
        Assert.Contains(draft.Suggestions, s => s.Contains("members", StringComparison.OrdinalIgnoreCase));
        foreach (var suggestion in draft.Suggestions)
            Assert.True((await library.AskAsync(suggestion)).Sql is not null, $"suggestion \"{suggestion}\" is declined");
    }

    // The question grounded the fee and 2021 and failed on the rest: what it offers keeps both, one answerable question at a
    // time, before anything about the loans table in general.
    [Fact]
    public async Task A_decline_offers_the_grounded_measure_with_the_grounded_period_first()
    {
        var draft = await library.AskAsync("Total fee of zygomorphic flurries in 2021");

        Assert.Null(draft.Sql);
        Assert.InRange(draft.Suggestions.Count, 2, 3);
        Assert.Equal("Total fee in 2021", draft.Suggestions[0]);
        Assert.All(draft.Suggestions, s => Assert.Contains("fee", s, StringComparison.OrdinalIgnoreCase));
        foreach (var suggestion in draft.Suggestions)
            Assert.True((await library.AskAsync(suggestion)).Sql is not null, $"suggestion \"{suggestion}\" is declined");
        await AssertMeansAsync(draft.Suggestions[0], "SELECT sum(fee) FROM library.loans WHERE loan_date >= '2021-01-01' AND loan_date < '2022-01-01'");
    }

    [Fact]
    public async Task A_follow_up_of_a_question_that_left_a_word_out_still_counts_that_word_as_left_out()
    {
        var draft = await library.AskAsync("and in 2019?", ("How many glorious books were published in 2018?", null));

        if (draft.Sql is null)
        {
            Assert.Contains("'glorious'", draft.Interpretation.ToString());
        }
        else
        {
            Assert.Contains("glorious", draft.Interpretation.Ignored);
            Assert.True(draft.Confidence < new AnalystOptions().HybridThreshold, $"{draft.Confidence}: {draft.Interpretation}");
        }
        var composed = await library.ComposeAsync("and in 2019?", ("How many glorious books were published in 2018?", null));
        Assert.Contains("glorious", composed.Interpretation.Ignored);
    }
}

using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Tests.Evaluation;

public sealed class ResultComparerTests
{
    private static QueryResult Result(string[] columns, params object?[][] rows) =>
        new(columns.Select(c => new ResultColumn(c, "text")).ToList(), rows, false, TimeSpan.Zero);

    [Fact]
    public void Rows_in_another_order_match_when_the_gold_sql_has_no_order_by()
    {
        var gold = Result(["city", "n"], ["Paris", 3L], ["Lyon", 2L]);
        var generated = Result(["city", "n"], ["Lyon", 2L], ["Paris", 3L]);

        Assert.True(ResultComparer.Compare(gold, generated, orderMatters: false).Match);
    }

    [Fact]
    public void Rows_in_another_order_do_not_match_when_the_gold_sql_orders_them()
    {
        var gold = Result(["city", "n"], ["Paris", 3L], ["Lyon", 2L]);
        var generated = Result(["city", "n"], ["Lyon", 2L], ["Paris", 3L]);

        var outcome = ResultComparer.Compare(gold, generated, orderMatters: true);

        Assert.False(outcome.Match);
        Assert.Contains("order", outcome.Reason);
    }

    [Theory]
    [InlineData("SELECT a FROM t ORDER BY a", true)]
    [InlineData("select a from t order\n  by a desc limit 5", true)]
    [InlineData("SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 3) s", false)]
    [InlineData("SELECT a, rank() OVER (ORDER BY b) FROM t", false)]
    [InlineData("SELECT string_agg(a, ',' ORDER BY a) FROM t", false)]
    [InlineData("SELECT 'order by' AS x FROM t -- ORDER BY x", false)]
    [InlineData("SELECT \"order\" FROM t /* ORDER BY 1 */", false)]
    [InlineData("WITH s AS (SELECT a FROM t ORDER BY a) SELECT a FROM s ORDER BY a", true)]
    public void Only_a_top_level_order_by_makes_row_order_matter(string sql, bool expected) =>
        Assert.Equal(expected, ResultComparer.HasTopLevelOrderBy(sql));

    [Fact]
    public void Columns_in_another_order_and_with_other_names_match()
    {
        var gold = Result(["region", "revenue"], ["Romandie", 10.5m], ["Lombardy", 7.25m]);
        var generated = Result(["total", "name"], [7.25m, "Lombardy"], [10.5m, "Romandie"]);

        Assert.True(ResultComparer.Compare(gold, generated, orderMatters: false).Match);
    }

    [Fact]
    public void Extra_generated_columns_are_tolerated_but_a_missing_gold_column_is_not()
    {
        var gold = Result(["region", "revenue"], ["Romandie", 10.5m], ["Lombardy", 7.25m]);
        var extra = Result(["region_id", "region", "orders", "revenue"], [1L, "Romandie", 4L, 10.5m], [2L, "Lombardy", 3L, 7.25m]);
        var missing = Result(["region"], ["Romandie"], ["Lombardy"]);

        Assert.True(ResultComparer.Compare(gold, extra, orderMatters: false).Match);
        var outcome = ResultComparer.Compare(gold, missing, orderMatters: false);
        Assert.False(outcome.Match);
        Assert.Contains("column", outcome.Reason);
    }

    [Fact]
    public void Numbers_match_within_a_small_relative_tolerance_across_types()
    {
        var gold = Result(["share"], [33.333333333m], [12L]);
        var close = Result(["share"], [33.3333334d], [12.0d]);
        var far = Result(["share"], [33.3d], [12.0d]);
        var slightlyOff = Result(["share"], [33.333333333m], [12.01d]);

        Assert.True(ResultComparer.Compare(gold, close, orderMatters: false).Match);
        Assert.False(ResultComparer.Compare(gold, far, orderMatters: false).Match);
        Assert.False(ResultComparer.Compare(gold, slightlyOff, orderMatters: false).Match);
    }

    [Fact]
    public void Nulls_match_only_nulls()
    {
        var gold = Result(["campaign", "orders"], [null, 5L], ["spring", 3L]);
        var same = Result(["campaign", "orders"], ["spring", 3L], [null, 5L]);
        var zero = Result(["campaign", "orders"], ["spring", 3L], ["", 5L]);

        Assert.True(ResultComparer.Compare(gold, same, orderMatters: false).Match);
        Assert.False(ResultComparer.Compare(gold, zero, orderMatters: false).Match);
    }

    [Fact]
    public void Duplicate_rows_count_as_many_times_as_they_appear()
    {
        var gold = Result(["g"], ["a"], ["a"], ["b"]);
        var otherMultiset = Result(["g"], ["a"], ["b"], ["b"]);
        var sameMultiset = Result(["g"], ["b"], ["a"], ["a"]);

        Assert.False(ResultComparer.Compare(gold, otherMultiset, orderMatters: false).Match);
        Assert.True(ResultComparer.Compare(gold, sameMultiset, orderMatters: false).Match);
    }

    [Fact]
    public void A_different_row_count_never_matches()
    {
        var gold = Result(["n"], [1L], [2L]);
        var generated = Result(["n"], [1L], [2L], [3L]);

        var outcome = ResultComparer.Compare(gold, generated, orderMatters: false);

        Assert.False(outcome.Match);
        Assert.Contains("row count", outcome.Reason);
    }

    [Fact]
    public void Columns_that_match_one_by_one_but_pair_up_differently_do_not_match()
    {
        var gold = Result(["city", "n"], ["Paris", 3L], ["Lyon", 2L]);
        var swapped = Result(["city", "n"], ["Paris", 2L], ["Lyon", 3L]);

        Assert.False(ResultComparer.Compare(gold, swapped, orderMatters: false).Match);
    }

    [Fact]
    public void Two_gold_columns_with_the_same_values_find_their_own_generated_columns()
    {
        var gold = Result(["a", "b"], [1L, 2L], [2L, 1L]);
        var generated = Result(["b", "a"], [2L, 1L], [1L, 2L]);

        Assert.True(ResultComparer.Compare(gold, generated, orderMatters: false).Match);
    }

    [Fact]
    public void Dates_timestamps_at_midnight_and_iso_date_strings_are_the_same_day()
    {
        var gold = Result(["month", "n"], [new DateOnly(2021, 3, 1), 4L]);
        var timestamp = Result(["month", "n"], [new DateTime(2021, 3, 1), 4L]);
        var text = Result(["month", "n"], ["2021-03-01", 4L]);
        var otherDay = Result(["month", "n"], [new DateTime(2021, 3, 2), 4L]);

        Assert.True(ResultComparer.Compare(gold, timestamp, orderMatters: true).Match);
        Assert.True(ResultComparer.Compare(gold, text, orderMatters: true).Match);
        Assert.False(ResultComparer.Compare(gold, otherDay, orderMatters: true).Match);
    }

    [Fact]
    public void Strings_are_compared_without_case_or_surrounding_spaces()
    {
        var gold = Result(["gender"], ["female"]);

        Assert.True(ResultComparer.Compare(gold, Result(["g"], [" Female "]), orderMatters: false).Match);
        Assert.False(ResultComparer.Compare(gold, Result(["g"], ["male"]), orderMatters: false).Match);
    }

    [Fact]
    public void A_number_does_not_equal_its_text()
    {
        var gold = Result(["year"], [2021L]);

        Assert.False(ResultComparer.Compare(gold, Result(["year"], ["2021"]), orderMatters: false).Match);
    }

    [Fact]
    public void Two_empty_results_match()
    {
        Assert.True(ResultComparer.Compare(Result(["a"]), Result(["b", "c"]), orderMatters: true).Match);
    }
}

using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Core.Evaluation;

/// <summary>
/// A clock whose "now" is midnight (UTC) of a fixed day, so a benchmark with relative periods ("last month")
/// gives the same figures whatever the calendar says. Timestamps for measuring durations stay real.
/// A measurement device of the harness only: the product never runs on it.
/// </summary>
public sealed class PinnedTimeProvider(DateOnly today) : TimeProvider
{
    public DateOnly Today { get; } = today;

    public override DateTimeOffset GetUtcNow() => new(Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}

/// <summary>
/// Rewrites SQL so that "today" is a fixed day: CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIMESTAMP, now() and
/// the other clock functions become literals of that day at midnight. Works on tokens (the lexer the SQL
/// gate uses), so the same words inside string literals, comments or quoted identifiers are never touched.
/// </summary>
public static class PinnedDateSql
{
    private static readonly HashSet<string> TimestampFunctions = new(StringComparer.Ordinal)
    {
        "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp",
    };

    public static string Rewrite(string sql, DateOnly today)
    {
        List<SqlToken> tokens;
        try
        {
            tokens = SqlLexer.Tokenize(sql);
        }
        catch (SqlLexerException)
        {
            // Unlexable SQL fails at the gate with its own message; leave it as it is.
            return sql;
        }
        var day = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var result = new StringBuilder(sql.Length + 32);
        var copied = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind != SqlTokenKind.Word || (i > 0 && tokens[i - 1].IsPunctuation('.') && !IsCatalogQualifier(tokens, i)))
                continue;
            var (replacement, end) = token.Text switch
            {
                "current_date" => ($"DATE '{day}'", End(token)),
                "current_timestamp" => ($"TIMESTAMPTZ '{day} 00:00:00'", EndWithPrecision(tokens, i)),
                "localtimestamp" => ($"TIMESTAMP '{day} 00:00:00'", EndWithPrecision(tokens, i)),
                "current_time" => ("TIMETZ '00:00:00'", EndWithPrecision(tokens, i)),
                "localtime" => ("TIME '00:00:00'", EndWithPrecision(tokens, i)),
                _ when TimestampFunctions.Contains(token.Text) && IsEmptyCall(tokens, i) => ($"TIMESTAMPTZ '{day} 00:00:00'", tokens[i + 2].Position + 1),
                _ => ((string?)null, 0),
            };
            if (replacement is null)
                continue;
            var start = IsCatalogQualifier(tokens, i) ? tokens[i - 2].Position : token.Position;
            result.Append(sql, copied, start - copied).Append(replacement);
            copied = end;
        }
        return copied == 0 ? sql : result.Append(sql, copied, sql.Length - copied).ToString();
    }

    private static int End(SqlToken token) => token.Position + token.Text.Length;

    /// <summary>CURRENT_TIMESTAMP(3) and friends take an optional precision in parentheses.</summary>
    private static int EndWithPrecision(List<SqlToken> tokens, int i)
    {
        if (i + 3 < tokens.Count && tokens[i + 1].IsPunctuation('(') && tokens[i + 2].Kind == SqlTokenKind.Number && tokens[i + 3].IsPunctuation(')'))
            return tokens[i + 3].Position + 1;
        return End(tokens[i]);
    }

    private static bool IsEmptyCall(List<SqlToken> tokens, int i) =>
        i + 2 < tokens.Count && tokens[i + 1].IsPunctuation('(') && tokens[i + 2].IsPunctuation(')');

    /// <summary>pg_catalog.now() is the same function; any other qualifier names something else.</summary>
    private static bool IsCatalogQualifier(List<SqlToken> tokens, int i) =>
        i >= 2 && tokens[i - 1].IsPunctuation('.') && tokens[i - 2].IsWord("pg_catalog");
}

/// <summary>Runs every statement with "today" pinned (see <see cref="PinnedDateSql"/>), for gold and generated SQL alike.</summary>
public sealed class PinnedDateSqlExecutor(ISqlExecutor inner, DateOnly today) : ISqlExecutor
{
    public DateOnly Today { get; } = today;

    public Task<QueryResult> ExecuteAsync(DataSource source, string sql, QueryLimits limits, CancellationToken cancellationToken) =>
        inner.ExecuteAsync(source, PinnedDateSql.Rewrite(sql, Today), limits, cancellationToken);
}

public static class PinnedTodayServiceCollectionExtensions
{
    /// <summary>
    /// Pins "today" for everything these services run: the TimeProvider every component (the analyst
    /// included) is given, and the SQL executor, which rewrites the clock functions of every statement.
    /// Call after the other registrations; only evaluation hosts call it.
    /// </summary>
    public static IServiceCollection PinToday(this IServiceCollection services, DateOnly today)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(new PinnedTimeProvider(today));
        services.RemoveAll<ISqlExecutor>();
        services.TryAddSingleton<SqlExecutor>();
        services.AddSingleton<ISqlExecutor>(provider => new PinnedDateSqlExecutor(provider.GetRequiredService<SqlExecutor>(), today));
        return services;
    }
}

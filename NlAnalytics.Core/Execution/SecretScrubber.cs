using System.Text.RegularExpressions;
using Npgsql;

namespace NlAnalytics.Core.Execution;

/// <summary>
/// Removes anything that looks like a credential from text that leaves the executor (error messages go to
/// the SQL writer, the transcript and the logs). Database errors can echo connection strings, for example
/// from dblink, and analysts' SQL can contain them.
/// </summary>
internal static partial class SecretScrubber
{
    private const string Hidden = "***";

    public static string Scrub(string text, string? connectionString = null)
    {
        if (string.IsNullOrEmpty(text))
            return text;

        var scrubbed = text;
        var password = TryGetPassword(connectionString);
        if (password is { Length: >= 4 })
            scrubbed = scrubbed.Replace(password, Hidden, StringComparison.Ordinal);

        scrubbed = UriWithCredentials().Replace(scrubbed, "${scheme}://" + Hidden + "@");
        scrubbed = KeyValueRun().Replace(scrubbed, match => LooksLikeConnectionString(match.Value) ? "[connection string removed] " : match.Value);
        scrubbed = SecretAssignment().Replace(scrubbed, "${key}=" + Hidden);
        scrubbed = ApiKeyLike().Replace(scrubbed, Hidden);
        return scrubbed;
    }

    private static readonly HashSet<string> ConnectionKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "hostaddr", "server", "port", "user", "username", "user id", "uid", "dbname", "database", "password", "pwd", "sslmode", "passfile",
    };

    private static bool LooksLikeConnectionString(string run)
    {
        var known = 0;
        foreach (Match pair in KeyOfPair().Matches(run))
        {
            var key = pair.Groups["key"].Value.Trim();
            // "the host" in prose still counts as host.
            var lastWord = key.Contains(' ', StringComparison.Ordinal) && !ConnectionKeywords.Contains(key) ? key[(key.LastIndexOf(' ') + 1)..] : key;
            if (ConnectionKeywords.Contains(key) || ConnectionKeywords.Contains(lastWord))
                known++;
        }
        return known >= 2;
    }

    private static string? TryGetPassword(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
            return null;
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString).Password;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    // postgresql://user:secret@host/db
    [GeneratedRegex(@"(?<scheme>[a-z][a-z0-9+.\-]*)://[^\s/@'""]+@", RegexOptions.IgnoreCase)]
    private static partial Regex UriWithCredentials();

    // A run of two or more key=value pairs (libpq "host=x user=y", ADO.NET "Host=x;Username=y").
    [GeneratedRegex(@"(?:\b[A-Za-z][A-Za-z ]{0,24}?\s*=\s*[^\s;'""=]+[;\s]*){2,}")]
    private static partial Regex KeyValueRun();

    [GeneratedRegex(@"(?<key>[A-Za-z][A-Za-z ]{0,24}?)\s*=")]
    private static partial Regex KeyOfPair();

    [GeneratedRegex(@"\b(?<key>password|passwd|pwd|secret|api[_\-]?key|access[_\-]?token|token)\s*[=:]\s*[^\s;,'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex SecretAssignment();

    // OpenAI-style and similar bearer keys.
    [GeneratedRegex(@"\b(sk|pk|rk)-[A-Za-z0-9_\-]{16,}\b")]
    private static partial Regex ApiKeyLike();
}

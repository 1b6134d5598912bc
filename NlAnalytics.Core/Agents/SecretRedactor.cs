using Microsoft.Extensions.Configuration;
using NlAnalytics.Core.Data;
using Npgsql;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Replaces known secrets (the data source's connection strings and passwords, the LLM API key) with
/// "[redacted]". Prompts are built without secrets in the first place; this is the second line, for
/// text the team does not write itself: database error messages, model replies, stored data.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "[redacted]";

    // Short values ("x", "postgres") would mangle ordinary text and are not worth hiding from a prompt.
    private const int MinimumSecretLength = 6;

    private readonly string[] _secrets;

    public SecretRedactor(IEnumerable<string?> secrets) =>
        _secrets = secrets
            .Where(s => !string.IsNullOrWhiteSpace(s) && s.Length >= MinimumSecretLength)
            .Select(s => s!)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length)
            .ToArray();

    public static SecretRedactor None { get; } = new([]);

    /// <summary>The secrets of one data source plus the configured LLM key.</summary>
    public static SecretRedactor For(DataSource source, IConfiguration? configuration)
    {
        var secrets = new List<string?> { configuration?["Llm:ApiKey"] };
        foreach (var connectionString in new[] { source.QueryConnectionString, source.AdminConnectionString })
        {
            if (string.IsNullOrEmpty(connectionString))
                continue;
            secrets.Add(connectionString);
            try
            {
                secrets.Add(new NpgsqlConnectionStringBuilder(connectionString).Password);
            }
            catch (ArgumentException)
            {
                // Not parseable as a connection string: the whole string is still masked.
            }
        }
        return new SecretRedactor(secrets);
    }

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return text ?? "";
        foreach (var secret in _secrets)
            if (text.Contains(secret, StringComparison.Ordinal))
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
        return text;
    }
}

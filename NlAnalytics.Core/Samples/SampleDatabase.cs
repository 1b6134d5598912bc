using System.Security.Cryptography;
using System.Text;

namespace NlAnalytics.Core.Samples;

/// <summary>
/// A public sample database the app can load into a database of its own (scripts and licences in
/// benchmarks/datasets, embedded in this assembly): which script, the lines to skip before it, and whether
/// to drop its foreign keys after loading, as most real databases declare none.
/// </summary>
public sealed record SampleDatabase(string Name, string DisplayName, string Script, int SkipLines, bool DropForeignKeys)
{
    /// <summary>Both samples load into schema public.</summary>
    public static readonly IReadOnlyList<string> Schemas = ["public"];

    /// <summary>Chinook 1.4.5 (MIT); its first 28 lines drop, create and connect to a database of their own.</summary>
    public static readonly SampleDatabase Chinook = new("chinook", "Chinook (digital media store)", "chinook.sql", 28, false);

    /// <summary>Northwind (Ms-PL), with its foreign keys.</summary>
    public static readonly SampleDatabase Northwind = new("northwind", "Northwind (food trading)", "northwind.sql", 0, false);

    /// <summary>Northwind without a single declared foreign key.</summary>
    public static readonly SampleDatabase NorthwindWithoutForeignKeys = new("northwind_nofk", "Northwind without foreign keys", "northwind.sql", 0, true);

    /// <summary>Chinook without its foreign keys: the development side of join-key inference (Northwind is locked-only).</summary>
    public static readonly SampleDatabase ChinookWithoutForeignKeys = new("chinook_nofk", "Chinook without foreign keys", "chinook.sql", 28, true);

    public static readonly IReadOnlyList<SampleDatabase> All = [Chinook, Northwind, NorthwindWithoutForeignKeys, ChinookWithoutForeignKeys];

    public static SampleDatabase? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The script as it runs: skipped lines and psql meta-commands (lines starting with a backslash) removed.</summary>
    public PreparedScript Prepare()
    {
        using var stream = typeof(SampleDatabase).Assembly.GetManifestResourceStream(ResourcePrefix + Script)
            ?? throw new InvalidOperationException($"The sample script {Script} is not embedded in {typeof(SampleDatabase).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = new StringBuilder();
        var ignored = new List<string>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            if (++number <= SkipLines)
                continue;
            if (line.TrimStart().StartsWith('\\'))
            {
                // psql's own commands (\c, \set, \echo...) are not SQL; the database is already the right one.
                ignored.Add(line.Trim());
                continue;
            }
            sql.Append(line).Append('\n');
        }
        var text = sql.ToString();
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{text}\n-- drop foreign keys: {DropForeignKeys}")))[..16].ToLowerInvariant();
        return new PreparedScript(text, ignored, fingerprint);
    }

    internal const string ResourcePrefix = "NlAnalytics.Samples.";
}

/// <summary>A sample's SQL ready to run, the psql meta-commands left out, and a fingerprint of both that the load stamp records.</summary>
public sealed record PreparedScript(string Sql, IReadOnlyList<string> IgnoredMetaCommands, string Fingerprint);

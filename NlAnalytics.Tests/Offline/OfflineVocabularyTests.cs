using System.Text.RegularExpressions;

namespace NlAnalytics.Tests.Offline;

public sealed class OfflineVocabularyTests
{
    // The demo warehouse's identifiers and some of its values: the offline writer must work from the catalog alone.
    private static readonly string[] DemoNames =
    [
        "regions", "stores", "categories", "products", "customers", "marketing_campaigns", "orders", "order_lines", "returns",
        "faculties", "enrollments", "artists", "genres", "songs", "net_amount", "unit_price", "unit_cost", "faculty_code",
        "order_date", "release_year", "duration_seconds", "loyalty_tier", "store_type", "payment_method", "refund_amount",
        "launched_on", "opened_on", "signup_date", "birth_date", "nationality", "streams", "students", "HEC", "FBM", "FTSR",
        "Lausanne", "Romandie", "flagship", "twint", "Swiss",
    ];

    [Fact]
    public void The_offline_writer_source_names_nothing_of_the_demo_database()
    {
        var folder = FindOfflineSourceFolder();
        var offenders = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.cs"))
        {
            var text = File.ReadAllText(file);
            foreach (var name in DemoNames)
                if (Regex.IsMatch(text, $@"\b{Regex.Escape(name)}\b", RegexOptions.IgnoreCase))
                    offenders.Add($"{Path.GetFileName(file)}: {name}");
        }
        Assert.Empty(offenders);
    }

    private static string FindOfflineSourceFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "NlAnalytics.Core", "Offline");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("NlAnalytics.Core/Offline not found above the test output folder");
    }
}

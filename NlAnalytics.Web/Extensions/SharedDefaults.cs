namespace NlAnalytics.Web.Extensions;

public static class SharedDefaults
{
    /// <summary>
    /// Loads the repository-root appsettings.Development.json (shared by the web app, its CLI verbs and the
    /// tests) underneath every other configuration source, so appsettings.json, environment variables and
    /// the command line still override it.
    /// </summary>
    public static WebApplicationBuilder AddSharedDefaults(this WebApplicationBuilder builder)
    {
        var file = FindUpwards(builder.Environment.ContentRootPath, "appsettings.Development.json")
                   ?? FindUpwards(AppContext.BaseDirectory, "appsettings.Development.json");
        if (file is not null)
        {
            var sources = (IList<IConfigurationSource>)builder.Configuration.Sources;
            var shared = new ConfigurationBuilder().AddJsonFile(file, optional: true, reloadOnChange: false).Sources[0];
            sources.Insert(0, shared);
            // Relative folders in the shared file (EmbeddedPostgres:DataDirectory) are relative to the repository root.
            var root = Path.GetDirectoryName(file)!;
            var dataDirectory = builder.Configuration["EmbeddedPostgres:DataDirectory"];
            if (dataDirectory is not null && !Path.IsPathRooted(dataDirectory))
                builder.Configuration["EmbeddedPostgres:DataDirectory"] = Path.Combine(root, dataDirectory);
        }
        return builder;
    }

    /// <summary>
    /// The repository root (the folder with NlAnalytics.sln) when running from a checkout, else null. The CLI
    /// resolves relative paths against it: <c>dotnet run --project</c> starts the app in the project folder.
    /// </summary>
    public static string? RepositoryRoot(IHostEnvironment environment) =>
        Path.GetDirectoryName(FindUpwards(environment.ContentRootPath, "appsettings.Development.json")
                              ?? FindUpwards(AppContext.BaseDirectory, "appsettings.Development.json") ?? "") is { Length: > 0 } root ? root : null;

    private static string? FindUpwards(string start, string fileName)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, fileName);
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "NlAnalytics.sln")))
                return candidate;
        }
        return null;
    }
}

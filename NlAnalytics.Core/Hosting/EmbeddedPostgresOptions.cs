namespace NlAnalytics.Core.Hosting;

/// <summary>Where and how the app runs its own PostgreSQL cluster when no connection string is configured.</summary>
public sealed class EmbeddedPostgresOptions
{
    public const string SectionName = "EmbeddedPostgres";

    /// <summary>Folder holding the cluster (pgdata/), its log and the generated superuser password. Reused across starts.</summary>
    public string DataDirectory { get; set; } = ".data/postgres";

    /// <summary>TCP port on 127.0.0.1. 0 picks a free port (tests); the app default is fixed so the data folder can be reused.</summary>
    public int Port { get; set; } = 54329;

    /// <summary>Folder containing initdb, pg_ctl and postgres. Empty: PATH, then /usr/lib/postgresql/*/bin (newest first).</summary>
    public string? BinDirectory { get; set; }

    /// <summary>OS user that runs the server when this process is root (PostgreSQL refuses to run as root).</summary>
    public string RootRunAsUser { get; set; } = "postgres";

    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Start the server with settings for analytics sized to this machine (<see cref="PostgresTuning"/>); false: PostgreSQL's defaults.</summary>
    public bool Tune { get; set; } = true;
}

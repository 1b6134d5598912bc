using System.ComponentModel.DataAnnotations;

namespace NlAnalytics.Core.Demo;

/// <summary>How the demo warehouse is generated. The same Seed, Scale and EndDate always give the same data.</summary>
public sealed class DemoWarehouseOptions
{
    public const string SectionName = "Demo";

    public int Seed { get; set; } = 20261121;

    /// <summary>1.0 gives about 50,000 customers and over a million order lines; tests use about 0.01.</summary>
    [Range(0.001, 20.0)]
    public double Scale { get; set; } = 1.0;

    /// <summary>Last day of sales activity. Null means today according to the injected TimeProvider.</summary>
    public DateOnly? EndDate { get; set; }

    /// <summary>
    /// The login role analyst SQL runs as on the demo database. Roles are cluster-wide and each start sets the
    /// role's password, so two apps (or test hosts) sharing one PostgreSQL server need different names.
    /// </summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "Demo:ReaderRole must be a lower-case PostgreSQL identifier.")]
    public string ReaderRole { get; set; } = Hosting.DemoWarehouseStartup.ReaderRole;
}

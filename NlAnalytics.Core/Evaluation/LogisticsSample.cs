using Npgsql;
using NpgsqlTypes;

namespace NlAnalytics.Core.Evaluation;

/// <summary>
/// A small logistics database for the generality benchmark (benchmarks/second-schema.jsonl): schema
/// <c>lgx</c> with <c>tbl_</c> prefixes and abbreviated column names, explained only by comments, so an
/// analyst tuned on the demo's plain snake_case cannot lean on names. Deterministic: the same seed and
/// end date always give the same rows. Shipments cover the two years ending at the end date.
/// </summary>
public static class LogisticsSample
{
    public const string SchemaName = "lgx";

    private static readonly (string Code, string Name, string City, string Country)[] Warehouses =
    [
        ("GVA1", "Geneva Airport Hub", "Geneva", "CH"), ("ZRH1", "Zurich North", "Zurich", "CH"), ("BSL1", "Basel Rhine Port", "Basel", "CH"),
        ("LYS1", "Lyon Saint-Exupéry", "Lyon", "FR"), ("CDG1", "Paris Roissy", "Paris", "FR"), ("MUC1", "Munich East", "Munich", "DE"),
        ("HAM1", "Hamburg Harbour", "Hamburg", "DE"), ("MXP1", "Milan Malpensa", "Milan", "IT"), ("VIE1", "Vienna South", "Vienna", "AT"),
        ("RTM1", "Rotterdam Maasvlakte", "Rotterdam", "NL"),
    ];

    private static readonly (string Name, string Mode, string Country)[] Carriers =
    [
        ("Alpina Freight", "road", "CH"), ("Helvetic Rail Cargo", "rail", "CH"), ("EuroRoad Express", "road", "DE"),
        ("SkyBridge Air", "air", "NL"), ("Rhone Logistique", "road", "FR"), ("Adriatic Sea Lines", "sea", "IT"),
        ("Danube Rail", "rail", "AT"), ("Nordic Air Cargo", "air", "DE"),
    ];

    private static readonly string[] Industries = ["retail", "pharma", "auto", "food", "tech"];
    private static readonly string[] Countries = ["CH", "FR", "DE", "IT", "AT", "NL"];
    private static readonly Dictionary<string, string[]> CitiesByCountry = new()
    {
        ["CH"] = ["Geneva", "Zurich", "Basel", "Lausanne", "Bern"], ["FR"] = ["Paris", "Lyon", "Marseille"], ["DE"] = ["Munich", "Hamburg", "Berlin"],
        ["IT"] = ["Milan", "Turin", "Rome"], ["AT"] = ["Vienna", "Graz"], ["NL"] = ["Rotterdam", "Amsterdam"],
    };
    private static readonly string[] AccountWords = ["Alpen", "Lac", "Nova", "Vita", "Stella", "Ferro", "Blue", "Orion", "Helix", "Terra", "Pico", "Summit"];
    private static readonly string[] AccountSuffixes = ["AG", "SA", "GmbH", "SpA", "BV", "Sàrl"];
    private static readonly string[] Roles = ["picker", "driver", "supervisor", "clerk"];
    private static readonly string[] FirstNames = ["Anna", "Luca", "Marie", "Jonas", "Sofia", "Noah", "Elena", "David", "Chloé", "Matteo", "Lea", "Felix"];
    private static readonly string[] LastNames = ["Meier", "Rossi", "Dubois", "Müller", "Bianchi", "Martin", "Schneider", "Keller", "Bernard", "Weber"];

    private const int AccountCount = 120;
    private const int ShipmentCount = 6000;
    private const int EmployeeCount = 180;

    /// <summary>Drops and recreates schema <c>lgx</c> in the database and fills it; needs a role that may create schemas.</summary>
    public static async Task CreateAsync(string connectionString, DateOnly endDate, int seed, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var ddl = new NpgsqlCommand(Ddl, connection, transaction))
            await ddl.ExecuteNonQueryAsync(cancellationToken);

        var random = new Random(seed);
        var start = endDate.AddYears(-2).AddDays(1);

        await CopyAsync(connection, "tbl_whse (whse_id, whse_cd, whse_nm, city_nm, ctry_cd, cap_plt, open_dt)", Warehouses.Select((w, i) =>
            new object?[] { i + 1, w.Code, w.Name, w.City, w.Country, 2000 + random.Next(0, 40) * 250, new DateOnly(2005 + random.Next(0, 17), 1 + random.Next(12), 1) }),
            [NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Char, NpgsqlDbType.Integer, NpgsqlDbType.Date], cancellationToken);

        await CopyAsync(connection, "tbl_carr (carr_id, carr_nm, mode_cd, hq_ctry_cd)", Carriers.Select((c, i) => new object?[] { i + 1, c.Name, c.Mode, c.Country }),
            [NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Char], cancellationToken);

        var accounts = Enumerable.Range(1, AccountCount).Select(i => new object?[]
        {
            i,
            $"{AccountWords[random.Next(AccountWords.Length)]}{AccountWords[random.Next(AccountWords.Length)].ToLowerInvariant()} {AccountSuffixes[random.Next(AccountSuffixes.Length)]} #{i}",
            Industries[random.Next(Industries.Length)],
            Countries[random.Next(Countries.Length)],
            random.NextDouble() switch { < 0.2 => "A", < 0.55 => "B", _ => "C" },
            start.AddDays(-random.Next(0, 3000)),
        }).ToList();
        await CopyAsync(connection, "tbl_acct (acct_id, acct_nm, ind_cd, ctry_cd, tier_cd, since_dt)", accounts,
            [NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Char, NpgsqlDbType.Char, NpgsqlDbType.Date], cancellationToken);

        var days = endDate.DayNumber - start.DayNumber + 1;
        var shipments = new List<object?[]>(ShipmentCount);
        var incidents = new List<object?[]>();
        for (var id = 1; id <= ShipmentCount; id++)
        {
            // Volume grows over the period: later days are picked more often.
            var shipDate = start.AddDays((int)(days * Math.Sqrt(random.NextDouble())));
            var carrier = 1 + random.Next(Carriers.Length);
            var mode = Carriers[carrier - 1].Mode;
            var promisedDays = mode switch { "air" => 2, "road" => 4, "rail" => 6, _ => 14 };
            var country = Countries[random.Next(Countries.Length)];
            var city = CitiesByCountry[country][random.Next(CitiesByCountry[country].Length)];
            var weight = Math.Round((decimal)(5 + Math.Pow(random.NextDouble(), 2) * 2500), 2);
            var freight = Math.Round(weight * (mode == "air" ? 4.2m : mode == "road" ? 0.9m : 0.6m) + 35m, 2);
            var age = endDate.DayNumber - shipDate.DayNumber;
            var roll = random.NextDouble();
            var delay = roll < 0.75 ? random.Next(-1, 1) : random.Next(1, 6);
            var status = roll > 0.985 ? "lost" : roll > 0.965 ? "rtn" : age < promisedDays + Math.Max(delay, 0) ? "transit" : "dlv";
            DateOnly? delivered = status is "dlv" or "rtn" ? shipDate.AddDays(Math.Max(1, promisedDays + delay)) : null;
            shipments.Add([id, 1 + random.Next(AccountCount), 1 + random.Next(Warehouses.Length), carrier, shipDate, shipDate.AddDays(promisedDays),
                delivered, city, country, weight, 1 + random.Next(0, 40), freight, status]);

            if (status == "lost" || random.NextDouble() < 0.05)
            {
                var type = status == "lost" ? "lost" : delay > 2 ? "delay" : random.NextDouble() < 0.6 ? "dmg" : "addr";
                decimal? claim = type is "dmg" or "lost" ? Math.Round(freight * (decimal)(1 + random.NextDouble() * 4), 2) : null;
                incidents.Add([incidents.Count + 1, id, shipDate.AddDays(random.Next(0, promisedDays + 1)), type, claim]);
            }
        }
        await CopyAsync(connection,
            "tbl_shpmt (shpmt_id, acct_id, whse_id, carr_id, ship_dt, prom_dt, dlv_dt, dest_city_nm, dest_ctry_cd, wgt_kg, pkg_cnt, frt_amt, stat_cd)", shipments,
            [NpgsqlDbType.Bigint, NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.Date, NpgsqlDbType.Date, NpgsqlDbType.Date,
             NpgsqlDbType.Text, NpgsqlDbType.Char, NpgsqlDbType.Numeric, NpgsqlDbType.Integer, NpgsqlDbType.Numeric, NpgsqlDbType.Text], cancellationToken);
        await CopyAsync(connection, "tbl_incdt (incdt_id, shpmt_id, incdt_dt, typ_cd, clm_amt)", incidents,
            [NpgsqlDbType.Integer, NpgsqlDbType.Bigint, NpgsqlDbType.Date, NpgsqlDbType.Text, NpgsqlDbType.Numeric], cancellationToken);

        var employees = Enumerable.Range(1, EmployeeCount).Select(i =>
        {
            var role = Roles[random.Next(Roles.Length)];
            return new object?[]
            {
                i, 1 + random.Next(Warehouses.Length), $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}", role,
                endDate.AddDays(-random.Next(30, 4000)),
                Math.Round(role switch { "supervisor" => 38m, "driver" => 31m, "clerk" => 29m, _ => 26m } + (decimal)random.NextDouble() * 6m, 2),
                random.NextDouble() > 0.1,
            };
        }).ToList();
        await CopyAsync(connection, "tbl_emp (emp_id, whse_id, full_nm, role_cd, hire_dt, hrly_rt, actv_flg)", employees,
            [NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Date, NpgsqlDbType.Numeric, NpgsqlDbType.Boolean], cancellationToken);

        await using (var analyze = new NpgsqlCommand("ANALYZE lgx.tbl_whse, lgx.tbl_carr, lgx.tbl_acct, lgx.tbl_shpmt, lgx.tbl_incdt, lgx.tbl_emp", connection, transaction))
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string target, IEnumerable<object?[]> rows, NpgsqlDbType[] types, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {SchemaName}.{target} FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken);
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is null)
                    await importer.WriteNullAsync(cancellationToken);
                else
                    await importer.WriteAsync(row[i], types[i], cancellationToken);
            }
        }
        await importer.CompleteAsync(cancellationToken);
    }

    private const string Ddl = """
        DROP SCHEMA IF EXISTS lgx CASCADE;
        CREATE SCHEMA lgx;
        COMMENT ON SCHEMA lgx IS 'Logistics operations: warehouses, carriers, customer accounts, shipments, incidents and staff.';

        CREATE TABLE lgx.tbl_whse (
            whse_id int PRIMARY KEY, whse_cd text NOT NULL UNIQUE, whse_nm text NOT NULL, city_nm text NOT NULL,
            ctry_cd char(2) NOT NULL, cap_plt int NOT NULL, open_dt date NOT NULL);
        COMMENT ON TABLE lgx.tbl_whse IS 'Warehouses (distribution centres / depots) shipments leave from.';
        COMMENT ON COLUMN lgx.tbl_whse.whse_id IS 'Warehouse id.';
        COMMENT ON COLUMN lgx.tbl_whse.whse_cd IS 'Short warehouse code, e.g. GVA1.';
        COMMENT ON COLUMN lgx.tbl_whse.whse_nm IS 'Warehouse name.';
        COMMENT ON COLUMN lgx.tbl_whse.city_nm IS 'City where the warehouse is.';
        COMMENT ON COLUMN lgx.tbl_whse.ctry_cd IS 'Country of the warehouse, ISO 3166 alpha-2 code (CH Switzerland, FR France, DE Germany, IT Italy, AT Austria, NL Netherlands).';
        COMMENT ON COLUMN lgx.tbl_whse.cap_plt IS 'Storage capacity in pallets.';
        COMMENT ON COLUMN lgx.tbl_whse.open_dt IS 'Date the warehouse opened.';

        CREATE TABLE lgx.tbl_carr (carr_id int PRIMARY KEY, carr_nm text NOT NULL, mode_cd text NOT NULL, hq_ctry_cd char(2) NOT NULL);
        COMMENT ON TABLE lgx.tbl_carr IS 'Carriers (transport companies, hauliers) that move shipments.';
        COMMENT ON COLUMN lgx.tbl_carr.carr_id IS 'Carrier id.';
        COMMENT ON COLUMN lgx.tbl_carr.carr_nm IS 'Carrier name.';
        COMMENT ON COLUMN lgx.tbl_carr.mode_cd IS 'Transport mode: road (truck), rail (train), air, sea (ship).';
        COMMENT ON COLUMN lgx.tbl_carr.hq_ctry_cd IS 'Country of the carrier''s headquarters, ISO alpha-2 code.';

        CREATE TABLE lgx.tbl_acct (
            acct_id int PRIMARY KEY, acct_nm text NOT NULL, ind_cd text NOT NULL, ctry_cd char(2) NOT NULL, tier_cd char(1) NOT NULL, since_dt date NOT NULL);
        COMMENT ON TABLE lgx.tbl_acct IS 'Customer accounts (shippers, clients) that book shipments.';
        COMMENT ON COLUMN lgx.tbl_acct.acct_id IS 'Customer account id.';
        COMMENT ON COLUMN lgx.tbl_acct.acct_nm IS 'Customer (company) name.';
        COMMENT ON COLUMN lgx.tbl_acct.ind_cd IS 'Industry of the customer: retail, pharma, auto (automotive), food, tech.';
        COMMENT ON COLUMN lgx.tbl_acct.ctry_cd IS 'Customer country, ISO alpha-2 code.';
        COMMENT ON COLUMN lgx.tbl_acct.tier_cd IS 'Account tier: A (key account), B, C (small).';
        COMMENT ON COLUMN lgx.tbl_acct.since_dt IS 'Date the customer became a client.';

        CREATE TABLE lgx.tbl_shpmt (
            shpmt_id bigint PRIMARY KEY,
            acct_id int NOT NULL REFERENCES lgx.tbl_acct, whse_id int NOT NULL REFERENCES lgx.tbl_whse, carr_id int NOT NULL REFERENCES lgx.tbl_carr,
            ship_dt date NOT NULL, prom_dt date NOT NULL, dlv_dt date,
            dest_city_nm text NOT NULL, dest_ctry_cd char(2) NOT NULL,
            wgt_kg numeric(10,2) NOT NULL, pkg_cnt int NOT NULL, frt_amt numeric(10,2) NOT NULL, stat_cd text NOT NULL);
        COMMENT ON TABLE lgx.tbl_shpmt IS 'Shipments (consignments, deliveries): one row per shipment sent from a warehouse by a carrier for a customer.';
        COMMENT ON COLUMN lgx.tbl_shpmt.shpmt_id IS 'Shipment id.';
        COMMENT ON COLUMN lgx.tbl_shpmt.acct_id IS 'Customer account that booked the shipment.';
        COMMENT ON COLUMN lgx.tbl_shpmt.whse_id IS 'Origin warehouse the shipment left from.';
        COMMENT ON COLUMN lgx.tbl_shpmt.carr_id IS 'Carrier that transports the shipment.';
        COMMENT ON COLUMN lgx.tbl_shpmt.ship_dt IS 'Ship date: day the shipment left the warehouse.';
        COMMENT ON COLUMN lgx.tbl_shpmt.prom_dt IS 'Promised delivery date.';
        COMMENT ON COLUMN lgx.tbl_shpmt.dlv_dt IS 'Actual delivery date; null while in transit or when lost. Late when after prom_dt.';
        COMMENT ON COLUMN lgx.tbl_shpmt.dest_city_nm IS 'Destination city.';
        COMMENT ON COLUMN lgx.tbl_shpmt.dest_ctry_cd IS 'Destination country, ISO alpha-2 code.';
        COMMENT ON COLUMN lgx.tbl_shpmt.wgt_kg IS 'Gross weight in kilograms.';
        COMMENT ON COLUMN lgx.tbl_shpmt.pkg_cnt IS 'Number of packages (parcels) in the shipment.';
        COMMENT ON COLUMN lgx.tbl_shpmt.frt_amt IS 'Freight charge billed to the customer, in CHF (revenue).';
        COMMENT ON COLUMN lgx.tbl_shpmt.stat_cd IS 'Status: dlv (delivered), transit (in transit), lost, rtn (returned to sender).';

        CREATE TABLE lgx.tbl_incdt (
            incdt_id int PRIMARY KEY, shpmt_id bigint NOT NULL REFERENCES lgx.tbl_shpmt, incdt_dt date NOT NULL, typ_cd text NOT NULL, clm_amt numeric(10,2));
        COMMENT ON TABLE lgx.tbl_incdt IS 'Incidents (problems, exceptions) reported on shipments, with any insurance claim.';
        COMMENT ON COLUMN lgx.tbl_incdt.incdt_id IS 'Incident id.';
        COMMENT ON COLUMN lgx.tbl_incdt.shpmt_id IS 'Shipment the incident concerns.';
        COMMENT ON COLUMN lgx.tbl_incdt.incdt_dt IS 'Date the incident was reported.';
        COMMENT ON COLUMN lgx.tbl_incdt.typ_cd IS 'Incident type: dmg (damage), delay, lost, addr (address problem).';
        COMMENT ON COLUMN lgx.tbl_incdt.clm_amt IS 'Claim amount in CHF; null when no claim was made.';

        CREATE TABLE lgx.tbl_emp (
            emp_id int PRIMARY KEY, whse_id int NOT NULL REFERENCES lgx.tbl_whse, full_nm text NOT NULL, role_cd text NOT NULL,
            hire_dt date NOT NULL, hrly_rt numeric(6,2) NOT NULL, actv_flg boolean NOT NULL);
        COMMENT ON TABLE lgx.tbl_emp IS 'Employees (staff) working at the warehouses.';
        COMMENT ON COLUMN lgx.tbl_emp.emp_id IS 'Employee id.';
        COMMENT ON COLUMN lgx.tbl_emp.whse_id IS 'Warehouse the employee works at.';
        COMMENT ON COLUMN lgx.tbl_emp.full_nm IS 'Employee full name.';
        COMMENT ON COLUMN lgx.tbl_emp.role_cd IS 'Job role: picker, driver, supervisor, clerk.';
        COMMENT ON COLUMN lgx.tbl_emp.hire_dt IS 'Hire date.';
        COMMENT ON COLUMN lgx.tbl_emp.hrly_rt IS 'Hourly wage in CHF.';
        COMMENT ON COLUMN lgx.tbl_emp.actv_flg IS 'True while the employee is still employed.';

        CREATE INDEX ON lgx.tbl_shpmt (ship_dt);
        CREATE INDEX ON lgx.tbl_incdt (shpmt_id);
        """;
}

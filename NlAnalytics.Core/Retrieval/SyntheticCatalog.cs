using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Retrieval;

/// <summary>A generated catalog and questions about it, for measuring retrieval at sizes no test database has.</summary>
public sealed record SyntheticCatalog(DatabaseCatalog Catalog, IReadOnlyList<SyntheticQuestion> Questions);

/// <summary>A generated question and the table it was written about.</summary>
public sealed record SyntheticQuestion(string Question, string Table);

/// <summary>
/// Deterministic enterprise-looking catalogs: business domains (sales, hr, finance, ...) copied per
/// business unit, each with entity tables, staging/history/summary variants, keys between entities,
/// comments on everything and categorical columns with values. Same seed and size, same catalog.
/// </summary>
public static class SyntheticCatalogGenerator
{
    private sealed record Entity(string Plural, string Singular, string[] Measures, string[] Categories);

    private static readonly (string Domain, Entity[] Entities)[] Domains =
    [
        ("sales", [E("customers", "customer", ["lifetime_value", "credit_limit"], ["segment", "country"]),
                   E("orders", "order", ["order_total", "shipping_fee"], ["channel", "status"]),
                   E("order_items", "order item", ["quantity", "line_amount"], ["status"]),
                   E("invoices", "invoice", ["amount_due", "tax_amount"], ["status", "currency"]),
                   E("payments", "payment", ["amount_paid"], ["payment_method"]),
                   E("sales_reps", "sales rep", ["quota"], ["region"]),
                   E("quotes", "quote", ["quoted_amount"], ["status"]),
                   E("price_lists", "price list", ["list_price"], ["currency"])]),
        ("hr", [E("employees", "employee", ["salary", "bonus"], ["gender", "contract_type"]),
                E("departments", "department", ["budget"], ["division"]),
                E("positions", "position", ["grade"], ["job_family"]),
                E("absences", "absence", ["days_absent"], ["absence_type"]),
                E("trainings", "training", ["hours", "cost"], ["delivery_mode"]),
                E("performance_reviews", "performance review", ["rating"], ["review_cycle"]),
                E("job_applications", "job application", ["expected_salary"], ["stage", "source"]),
                E("benefits", "benefit", ["monthly_cost"], ["benefit_type"])]),
        ("finance", [E("accounts", "account", ["opening_balance"], ["account_type"]),
                     E("ledger_entries", "ledger entry", ["debit", "credit"], ["entry_type"]),
                     E("budgets", "budget", ["planned_amount"], ["scenario"]),
                     E("cost_centers", "cost center", ["annual_budget"], ["business_area"]),
                     E("expenses", "expense", ["expense_amount"], ["expense_category", "status"]),
                     E("exchange_rates", "exchange rate", ["rate"], ["currency"]),
                     E("fiscal_periods", "fiscal period", ["working_days"], ["period_type"])]),
        ("inventory", [E("warehouses", "warehouse", ["capacity"], ["country"]),
                       E("products", "product", ["unit_cost", "weight_kg"], ["product_line", "brand"]),
                       E("suppliers", "supplier", ["lead_time_days"], ["country", "rating_band"]),
                       E("stock_levels", "stock level", ["on_hand", "reserved"], ["condition"]),
                       E("purchase_orders", "purchase order", ["order_value"], ["status"]),
                       E("stock_movements", "stock movement", ["quantity"], ["movement_type"]),
                       E("reorder_rules", "reorder rule", ["min_quantity", "max_quantity"], ["policy"])]),
        ("marketing", [E("campaigns", "campaign", ["budget", "spend"], ["channel", "objective"]),
                       E("leads", "lead", ["score"], ["lead_source", "status"]),
                       E("email_sends", "email send", ["opens", "clicks"], ["template"]),
                       E("ad_impressions", "ad impression", ["cost"], ["device", "placement"]),
                       E("landing_pages", "landing page", ["bounce_rate"], ["page_type"]),
                       E("conversions", "conversion", ["conversion_value"], ["conversion_type"]),
                       E("web_sessions", "web session", ["duration_seconds", "page_views"], ["browser", "device"])]),
        ("support", [E("tickets", "ticket", ["resolution_hours"], ["priority", "status"]),
                     E("agents", "agent", ["tickets_per_day"], ["team", "language"]),
                     E("ticket_comments", "ticket comment", ["word_count"], ["visibility"]),
                     E("sla_policies", "SLA policy", ["response_minutes"], ["tier"]),
                     E("satisfaction_surveys", "satisfaction survey", ["score"], ["survey_channel"]),
                     E("knowledge_articles", "knowledge article", ["views"], ["topic"]),
                     E("call_logs", "call log", ["duration_seconds"], ["call_direction", "outcome"])]),
        ("logistics", [E("carriers", "carrier", ["on_time_rate"], ["carrier_type"]),
                       E("shipments", "shipment", ["weight_kg", "freight_cost"], ["service_level", "status"]),
                       E("routes", "route", ["distance_km"], ["route_type"]),
                       E("vehicles", "vehicle", ["payload_kg"], ["fuel_type"]),
                       E("drivers", "driver", ["hours_driven"], ["license_class"]),
                       E("depots", "depot", ["dock_doors"], ["country"]),
                       E("tracking_events", "tracking event", ["delay_minutes"], ["event_type"])]),
        ("education", [E("students", "student", ["credits_earned"], ["gender", "nationality"]),
                       E("courses", "course", ["ects_credits"], ["level", "language"]),
                       E("teachers", "teacher", ["teaching_hours"], ["rank"]),
                       E("enrollments", "enrollment", ["final_grade"], ["status"]),
                       E("exams", "exam", ["max_points"], ["exam_type"]),
                       E("classrooms", "classroom", ["seats"], ["building"]),
                       E("scholarships", "scholarship", ["amount"], ["funding_body"])]),
        ("health", [E("patients", "patient", ["age_years"], ["gender", "insurance_type"]),
                    E("doctors", "doctor", ["years_experience"], ["specialty"]),
                    E("appointments", "appointment", ["duration_minutes", "fee"], ["appointment_type", "status"]),
                    E("prescriptions", "prescription", ["dosage_mg"], ["drug_class"]),
                    E("diagnoses", "diagnosis", ["severity_score"], ["icd_chapter"]),
                    E("admissions", "admission", ["length_of_stay"], ["ward", "admission_type"]),
                    E("lab_results", "lab result", ["result_value"], ["test_type", "flag"])]),
        ("media", [E("artists", "artist", ["followers"], ["country"]),
                   E("albums", "album", ["track_count"], ["album_type"]),
                   E("tracks", "track", ["duration_seconds", "play_count"], ["explicit_rating"]),
                   E("playlists", "playlist", ["subscribers"], ["mood"]),
                   E("listeners", "listener", ["minutes_listened"], ["plan", "country"]),
                   E("podcasts", "podcast", ["episodes"], ["category"]),
                   E("concerts", "concert", ["tickets_sold", "ticket_price"], ["venue_type"])]),
        ("manufacturing", [E("machines", "machine", ["uptime_hours"], ["machine_type"]),
                           E("work_orders", "work order", ["planned_units", "produced_units"], ["status"]),
                           E("production_lines", "production line", ["capacity_per_hour"], ["plant"]),
                           E("defects", "defect", ["defect_count"], ["defect_type", "severity"]),
                           E("maintenance_jobs", "maintenance job", ["downtime_minutes", "cost"], ["job_type"]),
                           E("bill_of_materials", "bill of materials line", ["quantity_per_unit"], ["component_type"])]),
        ("real_estate", [E("properties", "property", ["floor_area_m2", "purchase_price"], ["property_type", "city"]),
                         E("leases", "lease", ["monthly_rent"], ["lease_status"]),
                         E("tenants", "tenant", ["credit_score"], ["tenant_type"]),
                         E("maintenance_requests", "maintenance request", ["repair_cost"], ["trade", "status"]),
                         E("inspections", "inspection", ["score"], ["inspection_type"]),
                         E("utility_readings", "utility reading", ["kwh", "water_m3"], ["meter_type"])]),
    ];

    private static readonly string[] Units = ["emea", "apac", "amer", "ch", "de", "fr", "it", "uk", "us", "nordics", "iberia", "benelux",
        "latam", "mena", "anz", "japan", "india", "canada", "retail", "wholesale", "online", "b2b", "b2c", "legacy", "pilot"];

    private static readonly (string Prefix, string Suffix, string Comment)[] Variants =
    [
        ("", "", "{0}"),
        ("stg_", "", "Staging copy of {1}, loaded nightly before validation"),
        ("", "_history", "Change history of {1}: one row per version"),
        ("", "_daily_summary", "Daily aggregates of {1}"),
        ("", "_archive", "{0} Archived rows older than five years."),
        ("", "_snapshot", "Month-end snapshot of {1}"),
        ("tmp_", "_import", "Raw import of {1} from the legacy system"),
        ("", "_audit", "Audit trail of changes to {1}"),
    ];

    private static readonly Dictionary<string, string[]> CategoryValues = new(StringComparer.Ordinal)
    {
        ["status"] = ["active", "inactive", "pending", "closed", "cancelled"],
        ["country"] = ["Switzerland", "France", "Germany", "Italy", "Austria", "Spain", "Netherlands", "Sweden"],
        ["gender"] = ["female", "male", "other"],
        ["currency"] = ["CHF", "EUR", "USD", "GBP"],
        ["channel"] = ["email", "social", "search", "retail", "partner"],
        ["segment"] = ["consumer", "corporate", "public sector"],
        ["device"] = ["desktop", "mobile", "tablet"],
        ["priority"] = ["low", "medium", "high", "urgent"],
        ["language"] = ["English", "French", "German", "Italian"],
        ["city"] = ["Geneva", "Zurich", "Basel", "Bern", "Lyon", "Munich", "Turin"],
        ["severity"] = ["minor", "major", "critical"],
    };

    private static Entity E(string plural, string singular, string[] measures, string[] categories) => new(plural, singular, measures, categories);

    /// <summary>A catalog of exactly <paramref name="tables"/> tables and <paramref name="questions"/> questions about random ones.</summary>
    public static SyntheticCatalog Generate(int tables, int questions, int seed, DateTimeOffset loadedAt)
    {
        var random = new Random(seed);
        var result = new List<TableInfo>(tables);
        var copy = 0;
        while (result.Count < tables)
        {
            foreach (var (domain, entities) in Domains)
            {
                if (result.Count >= tables)
                    break;
                var unit = copy == 0 ? null : Units[(copy - 1) % Units.Length] + (copy > Units.Length ? $"{(copy - 1) / Units.Length + 1}" : "");
                var schema = unit is null ? domain : $"{domain}_{unit}";
                var variantCount = copy < 2 ? 1 : Math.Min(Variants.Length, 1 + copy % Variants.Length);
                for (var v = 0; v < variantCount && result.Count < tables; v++)
                {
                    for (var e = 0; e < entities.Length && result.Count < tables; e++)
                        result.Add(Table(schema, domain, unit, entities, e, Variants[v], random));
                }
            }
            copy++;
        }

        var catalog = new DatabaseCatalog($"synthetic-{tables}", result, loadedAt);
        var questionList = Enumerable.Range(0, questions).Select(_ => Question(result[random.Next(result.Count)], random)).ToList();
        return new SyntheticCatalog(catalog, questionList);
    }

    private static TableInfo Table(string schema, string domain, string? unit, Entity[] entities, int index,
        (string Prefix, string Suffix, string Comment) variant, Random random)
    {
        var entity = entities[index];
        var name = variant.Prefix + entity.Plural + variant.Suffix;
        var idColumn = Snake(entity.Singular) + "_id";
        var where = unit is null ? $"the {domain.Replace('_', ' ')} domain" : $"the {domain.Replace('_', ' ')} domain, {unit.ToUpperInvariant()} unit";
        var baseComment = $"{Capitalise(entity.Plural.Replace('_', ' '))} of {where}.";
        var comment = string.Format(variant.Comment, baseComment, $"{entity.Plural.Replace('_', ' ')} ({where})");

        var columns = new List<ColumnInfo> { new(idColumn, "bigint", false, true, $"Identifier of the {entity.Singular}") };
        var keys = new List<ForeignKeyInfo>();
        // Entities reference the one before them and the first of their domain: orders -> customers, order items -> orders.
        foreach (var parent in new[] { index - 1, 0 }.Where(p => p >= 0 && p != index).Distinct())
        {
            var target = entities[parent];
            var column = Snake(target.Singular) + "_id";
            columns.Add(new ColumnInfo(column, "bigint", parent != index - 1, false, $"The {target.Singular} this {entity.Singular} belongs to"));
            keys.Add(new ForeignKeyInfo($"{name}_{column}_fkey", [column], schema, variant.Prefix + target.Plural + variant.Suffix, [column]));
        }
        columns.Add(new ColumnInfo("name", "text", true, false, $"Display name of the {entity.Singular}"));
        foreach (var measure in entity.Measures)
            columns.Add(new ColumnInfo(measure, measure.Contains("count", StringComparison.Ordinal) ? "integer" : "numeric(12,2)", true, false,
                $"{Capitalise(measure.Replace('_', ' '))} of the {entity.Singular}"));
        foreach (var category in entity.Categories)
        {
            var values = CategoryValues.GetValueOrDefault(category)
                ?? [.. Enumerable.Range(1, 3 + random.Next(5)).Select(i => $"{category.Replace('_', ' ')} {(char)('a' + i - 1)}")];
            columns.Add(new ColumnInfo(category, "text", true, false, $"{Capitalise(category.Replace('_', ' '))} of the {entity.Singular}", values));
        }
        columns.Add(new ColumnInfo("created_at", "timestamp with time zone", false, false, $"When the {entity.Singular} was recorded"));
        columns.Add(new ColumnInfo("updated_at", "timestamp with time zone", true, false, "Last change"));
        return new TableInfo(schema, name, TableKind.Table, comment, random.NextInt64(0, 5_000_000), columns, keys);
    }

    private static SyntheticQuestion Question(TableInfo table, Random random)
    {
        var subject = table.Name.Replace('_', ' ');
        var measure = table.Columns.Where(c => c.IsNumeric && !c.Name.EndsWith("_id", StringComparison.Ordinal)).Select(c => c.Name.Replace('_', ' ')).FirstOrDefault() ?? "count";
        var category = table.Columns.FirstOrDefault(c => c.DistinctValues is not null);
        var scope = table.Schema.Replace('_', ' ');
        var question = random.Next(3) switch
        {
            0 when category is not null => $"What is the total {measure} of {subject} in {scope} with {category.Name.Replace('_', ' ')} {category.DistinctValues![random.Next(category.DistinctValues.Count)]}?",
            1 => $"How many {subject} were created per month in {scope}?",
            _ => $"Show the average {measure} of {subject} by {category?.Name.Replace('_', ' ') ?? "year"} for {scope}",
        };
        return new SyntheticQuestion(question, table.QualifiedName);
    }

    private static string Snake(string words) => words.ToLowerInvariant().Replace(' ', '_');

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

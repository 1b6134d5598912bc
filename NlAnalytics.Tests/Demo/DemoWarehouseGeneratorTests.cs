using NlAnalytics.Core.Demo;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Demo;

public sealed class DemoWarehouseGeneratorTests(DemoWarehouseFixture demo) : IClassFixture<DemoWarehouseFixture>
{
    private static readonly string[] AllTables =
    [
        "sales.regions", "sales.stores", "sales.categories", "sales.products", "sales.customers", "sales.marketing_campaigns",
        "sales.orders", "sales.order_lines", "sales.returns", "university.faculties", "university.enrollments",
        "music.artists", "music.genres", "music.songs",
    ];

    [Fact]
    public async Task The_same_seed_and_end_date_give_identical_rows_in_another_database_and_another_seed_does_not()
    {
        var same = await TestPostgres.CreateDatabaseAsync("demo_same");
        var other = await TestPostgres.CreateDatabaseAsync("demo_other");
        var generator = DemoWarehouseFixture.NewGenerator();
        await generator.GenerateAsync(same, DemoWarehouseFixture.Options(), null, CancellationToken.None);
        await generator.GenerateAsync(other, DemoWarehouseFixture.Options(seed: DemoWarehouseFixture.Seed + 1), null, CancellationToken.None);

        var original = await ChecksumsAsync(demo.ConnectionString);
        Assert.Equal(original, await ChecksumsAsync(same));

        var different = await ChecksumsAsync(other);
        foreach (var table in new[] { "sales.customers", "sales.products", "sales.orders", "sales.order_lines", "sales.returns", "university.enrollments", "music.songs", "music.artists" })
            Assert.NotEqual(original[table], different[table]);
    }

    [Fact]
    public async Task Every_schema_table_and_column_of_the_demo_has_a_comment()
    {
        var missing = await ListAsync(demo.ConnectionString, """
            SELECT n.nspname || '.' || c.relname || '.' || a.attname
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname IN ('sales', 'university', 'music') AND c.relkind = 'r' AND coalesce(btrim(col_description(c.oid, a.attnum)), '') = ''
            UNION ALL
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('sales', 'university', 'music') AND c.relkind = 'r' AND coalesce(btrim(obj_description(c.oid, 'pg_class')), '') = ''
            UNION ALL
            SELECT nspname FROM pg_namespace WHERE nspname IN ('sales', 'university', 'music') AND coalesce(obj_description(oid, 'pg_namespace'), '') = ''
            """);
        Assert.Empty(missing);
        var tables = await ListAsync(demo.ConnectionString,
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('sales', 'university', 'music') ORDER BY 1");
        Assert.Equal(AllTables.Order(StringComparer.Ordinal), tables);
    }

    [Fact]
    public async Task Fbm_yearly_totals_are_exactly_the_published_figures_and_every_faculty_has_all_four_groups_each_year()
    {
        var totals = await ListAsync(demo.ConnectionString,
            "SELECT year || ':' || sum(students) FROM university.enrollments WHERE faculty_code = 'FBM' GROUP BY year ORDER BY year");
        Assert.Equal(
            ["2011:2604", "2012:2725", "2013:2854", "2014:2969", "2015:3023", "2016:3220", "2017:3368", "2018:3481", "2019:3688", "2020:3983", "2021:4108"],
            totals);
        Assert.Equal(7 * 11 * 4, await ScalarAsync<long>(demo.ConnectionString, "SELECT count(DISTINCT (year, faculty_code, sex, nationality)) FROM university.enrollments"));
        Assert.Equal(["FBM", "FDCA", "FGSE", "FTSR", "HEC", "Lettres", "SSP"], await ListAsync(demo.ConnectionString, "SELECT faculty_code FROM university.faculties ORDER BY 1"));
        Assert.Equal(0L, await ScalarAsync<long>(demo.ConnectionString, "SELECT count(*) FROM university.enrollments WHERE students <= 0"));
    }

    [Fact]
    public async Task Every_table_has_a_primary_key_and_the_documented_foreign_keys_exist_and_hold()
    {
        var withoutPrimaryKey = await ListAsync(demo.ConnectionString, """
            SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('sales', 'university', 'music') AND c.relkind = 'r'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
            """);
        Assert.Empty(withoutPrimaryKey);

        var foreignKeys = await ListAsync(demo.ConnectionString, """
            SELECT conrelid::regclass || '(' || a.attname || ')->' || confrelid::regclass
            FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
            WHERE k.contype = 'f' AND k.convalidated AND connamespace::regnamespace::text IN ('sales', 'university', 'music')
            ORDER BY 1
            """);
        Assert.Equal(
        [
            "music.songs(artist_id)->music.artists", "music.songs(genre_id)->music.genres",
            "sales.order_lines(order_id)->sales.orders", "sales.order_lines(product_id)->sales.products",
            "sales.orders(campaign_id)->sales.marketing_campaigns", "sales.orders(customer_id)->sales.customers", "sales.orders(store_id)->sales.stores",
            "sales.products(category_id)->sales.categories", "sales.returns(order_line_id)->sales.order_lines", "sales.stores(region_id)->sales.regions",
            "university.enrollments(faculty_code)->university.faculties",
        ], foreignKeys);

        // Enforced keys reject what the data must never contain.
        await using var connection = new NpgsqlConnection(demo.ConnectionString);
        await connection.OpenAsync();
        await using var orphan = new NpgsqlCommand("INSERT INTO sales.order_lines VALUES (-1, -1, 1, 1, 1, 0, 1)", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => orphan.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, error.SqlState);
    }

    [Fact]
    public async Task Orders_cover_three_years_ending_at_the_end_date_with_december_peaks_busy_saturdays_and_growth()
    {
        var start = DemoWarehouseFixture.EndDate.AddYears(-3).AddDays(1);
        Assert.Equal(start, await ScalarAsync<DateOnly>(demo.ConnectionString, "SELECT min(order_date) FROM sales.orders"));
        Assert.Equal(DemoWarehouseFixture.EndDate, await ScalarAsync<DateOnly>(demo.ConnectionString, "SELECT max(order_date) FROM sales.orders"));
        Assert.Equal(0L, await ScalarAsync<long>(demo.ConnectionString,
            $"SELECT count(*) FROM generate_series('{start:yyyy-MM-dd}'::date, '{DemoWarehouseFixture.EndDate:yyyy-MM-dd}'::date, '1 day') d WHERE NOT EXISTS (SELECT 1 FROM sales.orders WHERE order_date = d::date)"));

        var december = await ScalarAsync<decimal>(demo.ConnectionString, "SELECT count(*)::numeric / count(DISTINCT order_date) FROM sales.orders WHERE extract(month FROM order_date) = 12");
        var february = await ScalarAsync<decimal>(demo.ConnectionString, "SELECT count(*)::numeric / count(DISTINCT order_date) FROM sales.orders WHERE extract(month FROM order_date) = 2");
        Assert.True(december > 1.5m * february, $"December {december:F1} orders/day vs February {february:F1}");

        var saturday = await ScalarAsync<decimal>(demo.ConnectionString, "SELECT count(*)::numeric / count(DISTINCT order_date) FROM sales.orders WHERE extract(isodow FROM order_date) = 6");
        var tuesday = await ScalarAsync<decimal>(demo.ConnectionString, "SELECT count(*)::numeric / count(DISTINCT order_date) FROM sales.orders WHERE extract(isodow FROM order_date) = 2");
        Assert.True(saturday > 1.3m * tuesday, $"Saturday {saturday:F1} orders/day vs Tuesday {tuesday:F1}");

        var firstYear = await ScalarAsync<decimal>(demo.ConnectionString,
            $"SELECT sum(l.net_amount) FROM sales.order_lines l JOIN sales.orders o USING (order_id) WHERE o.order_date < '{start.AddYears(1):yyyy-MM-dd}'");
        var lastYear = await ScalarAsync<decimal>(demo.ConnectionString,
            $"SELECT sum(l.net_amount) FROM sales.order_lines l JOIN sales.orders o USING (order_id) WHERE o.order_date >= '{start.AddYears(2):yyyy-MM-dd}'");
        Assert.True(lastYear > 1.15m * firstYear, $"revenue last year {lastYear} vs first year {firstYear}");
    }

    [Fact]
    public async Task Sales_rows_are_consistent_with_the_documented_rules()
    {
        var violations = new Dictionary<string, string>
        {
            ["net amount rule"] = "SELECT count(*) FROM sales.order_lines WHERE net_amount <> round(quantity * unit_price * (1 - discount), 2)",
            ["orders before customer signup"] = "SELECT count(*) FROM sales.orders o JOIN sales.customers c USING (customer_id) WHERE o.order_date < c.signup_date",
            ["orders before store opened"] = "SELECT count(*) FROM sales.orders o JOIN sales.stores s USING (store_id) WHERE o.order_date < s.opened_on",
            ["lines before product launch"] = "SELECT count(*) FROM sales.order_lines l JOIN sales.orders o USING (order_id) JOIN sales.products p USING (product_id) WHERE o.order_date < p.launched_on",
            ["returns before the order or after the end"] = $"SELECT count(*) FROM sales.returns r JOIN sales.order_lines l USING (order_line_id) JOIN sales.orders o USING (order_id) WHERE r.return_date <= o.order_date OR r.return_date > '{DemoWarehouseFixture.EndDate:yyyy-MM-dd}' OR r.quantity > l.quantity OR r.refund_amount > l.net_amount OR o.status <> 'completed'",
            ["orders without lines"] = "SELECT count(*) FROM sales.orders o WHERE NOT EXISTS (SELECT 1 FROM sales.order_lines l WHERE l.order_id = o.order_id)",
            ["online orders in a shop"] = "SELECT count(*) FROM sales.orders o JOIN sales.stores s USING (store_id) WHERE (o.channel = 'in-store') <> (s.store_type <> 'online')",
            ["twint outside Switzerland"] = "SELECT count(*) FROM sales.orders o JOIN sales.customers c USING (customer_id) JOIN sales.stores s USING (store_id) JOIN sales.regions r ON r.region_id = s.region_id WHERE o.payment_method = 'twint' AND (CASE WHEN o.channel = 'in-store' THEN r.country ELSE c.country END) <> 'Switzerland'",
            ["codes outside the documented values"] = """
                SELECT (SELECT count(*) FROM sales.customers WHERE gender NOT IN ('female','male') OR segment NOT IN ('consumer','corporate','small business') OR loyalty_tier NOT IN ('bronze','silver','gold','platinum'))
                     + (SELECT count(*) FROM sales.orders WHERE channel NOT IN ('in-store','online','phone') OR payment_method NOT IN ('card','cash','invoice','twint','paypal') OR status NOT IN ('completed','cancelled'))
                     + (SELECT count(*) FROM sales.stores WHERE store_type NOT IN ('flagship','mall','outlet','online'))
                     + (SELECT count(*) FROM sales.marketing_campaigns WHERE channel NOT IN ('email','social','search','tv','display') OR end_date < start_date)
                     + (SELECT count(*) FROM music.genres WHERE name <> lower(name))
                """,
        };
        foreach (var (rule, sql) in violations)
            Assert.True(await ScalarAsync<long>(demo.ConnectionString, sql) == 0, $"rows break the rule: {rule}");

        Assert.Equal(["card", "cash", "invoice", "paypal", "twint"], await ListAsync(demo.ConnectionString, "SELECT DISTINCT payment_method FROM sales.orders ORDER BY 1"));
        Assert.True(await ScalarAsync<long>(demo.ConnectionString, "SELECT count(*) FROM sales.returns") > 0);
        Assert.True(await ScalarAsync<long>(demo.ConnectionString, "SELECT count(*) FROM sales.orders WHERE campaign_id IS NOT NULL") > 0);
    }

    [Fact]
    public async Task The_report_and_the_final_progress_of_each_table_match_the_rows_in_the_database()
    {
        Assert.Equal(AllTables, demo.Report.Tables.Select(t => t.Table));
        foreach (var table in demo.Report.Tables)
        {
            var count = await ScalarAsync<long>(demo.ConnectionString, $"SELECT count(*) FROM {table.Table}");
            Assert.Equal(count, table.Rows);
            var last = demo.ProgressReports.Last(p => p.Table == table.Table);
            Assert.Equal(new DemoLoadProgress(table.Table, count, count), last);
            Assert.True(count > 0, $"{table.Table} is empty");
        }
        // Exact expectations for orders and lines: the first report of a table already announces its final size.
        foreach (var table in new[] { "sales.orders", "sales.order_lines", "sales.customers" })
            Assert.Equal(demo.Report.RowsOf(table), demo.ProgressReports.First(p => p.Table == table).RowsExpected);
        Assert.Equal(demo.Report.Tables.Sum(t => t.Rows), demo.Report.TotalRows);
        Assert.True(demo.Report.RowsPerSecond > 0);
        Assert.InRange(demo.Report.RowsOf("sales.order_lines"), 9_000, 14_000); // about 1.1 million at scale 1
    }

    [Fact]
    public async Task Statistics_are_gathered_so_the_catalog_sees_row_estimates_and_column_stats()
    {
        Assert.Equal(demo.Report.RowsOf("sales.orders"), (long)await ScalarAsync<float>(demo.ConnectionString, "SELECT reltuples FROM pg_class WHERE oid = 'sales.orders'::regclass"));
        Assert.Equal(0L, await ScalarAsync<long>(demo.ConnectionString, """
            SELECT count(*) FROM information_schema.columns c
            WHERE c.table_schema IN ('sales', 'university', 'music')
              AND NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = c.table_schema AND s.tablename = c.table_name AND s.attname = c.column_name)
            """));
    }

    [Fact]
    public async Task Songs_have_a_few_huge_hits_and_every_artist_has_a_country()
    {
        Assert.Equal(1000L, await ScalarAsync<long>(demo.ConnectionString, "SELECT count(*) FROM music.songs"));
        var topTenShare = await ScalarAsync<decimal>(demo.ConnectionString,
            "SELECT sum(streams) FILTER (WHERE rn <= 10)::numeric / sum(streams) FROM (SELECT streams, row_number() OVER (ORDER BY streams DESC) rn FROM music.songs) s");
        var medianToTop = await ScalarAsync<double>(demo.ConnectionString,
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY streams) / max(streams) FROM music.songs");
        Assert.True(topTenShare > 0.02m, $"top ten songs hold {topTenShare:P1} of streams");
        Assert.True(medianToTop < 0.15, $"median song has {medianToTop:P1} of the top song's streams");
        Assert.Equal(0L, await ScalarAsync<long>(demo.ConnectionString, "SELECT count(*) FROM music.artists WHERE coalesce(country, '') = ''"));
        Assert.True(await ScalarAsync<long>(demo.ConnectionString, "SELECT count(DISTINCT country) FROM music.artists") >= 10);
    }

    [Fact]
    public async Task The_stamp_round_trips_and_a_stamped_database_is_not_generated_again()
    {
        var generator = DemoWarehouseFixture.NewGenerator();
        var stamp = await generator.ReadStampAsync(demo.ConnectionString, CancellationToken.None);
        Assert.NotNull(stamp);
        Assert.Equal((DemoWarehouseFixture.Seed, DemoWarehouseFixture.Scale, DemoWarehouseFixture.EndDate, DemoWarehouseGenerator.GeneratorVersion),
            (stamp.Seed, stamp.Scale, stamp.EndDate, stamp.GeneratorVersion));
        Assert.Equal(demo.Report.Stamp, stamp);
        Assert.True(stamp.Satisfies(DemoWarehouseFixture.Options()));
        Assert.True(stamp.Satisfies(new DemoWarehouseOptions { Seed = DemoWarehouseFixture.Seed, Scale = DemoWarehouseFixture.Scale, EndDate = null }));
        Assert.False(stamp.Satisfies(DemoWarehouseFixture.Options(seed: 1)));

        Assert.Null(await generator.EnsureAsync(demo.ConnectionString, DemoWarehouseFixture.Options(), null, CancellationToken.None));

        var empty = await TestPostgres.CreateDatabaseAsync("demo_empty");
        Assert.Null(await generator.ReadStampAsync(empty, CancellationToken.None));
    }

    [Fact]
    public async Task Without_an_end_date_the_data_ends_today_by_the_time_provider_and_a_new_seed_replaces_the_old_demo()
    {
        var database = await TestPostgres.CreateDatabaseAsync("demo_today");
        var time = new FixedTime(new DateTimeOffset(2024, 2, 29, 15, 0, 0, TimeSpan.Zero));
        var generator = DemoWarehouseFixture.NewGenerator(time);
        await generator.GenerateAsync(database, new DemoWarehouseOptions { Seed = 1, Scale = 0.002 }, null, CancellationToken.None);
        Assert.Equal(new DateOnly(2024, 2, 29), await ScalarAsync<DateOnly>(database, "SELECT max(order_date) FROM sales.orders"));

        var report = await generator.EnsureAsync(database, new DemoWarehouseOptions { Seed = 2, Scale = 0.002 }, null, CancellationToken.None);
        Assert.NotNull(report);
        Assert.Equal(2, (await generator.ReadStampAsync(database, CancellationToken.None))!.Seed);
        Assert.Equal(report.RowsOf("sales.orders"), await ScalarAsync<long>(database, "SELECT count(*) FROM sales.orders"));
    }

    [Fact]
    public async Task A_cancelled_load_leaves_the_previous_demo_untouched()
    {
        var database = await TestPostgres.CreateDatabaseAsync("demo_cancel");
        var generator = DemoWarehouseFixture.NewGenerator();
        await generator.GenerateAsync(database, new DemoWarehouseOptions { Seed = 7, Scale = 0.002, EndDate = DemoWarehouseFixture.EndDate }, null, CancellationToken.None);
        var before = await ChecksumsAsync(database);

        using var cancel = new CancellationTokenSource();
        var progress = new CancelOnTable("sales.order_lines", cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            generator.GenerateAsync(database, new DemoWarehouseOptions { Seed = 8, Scale = 0.002, EndDate = DemoWarehouseFixture.EndDate }, progress, cancel.Token));

        Assert.Equal(before, await ChecksumsAsync(database));
        Assert.Equal(7, (await generator.ReadStampAsync(database, CancellationToken.None))!.Seed);
    }

    private sealed class CancelOnTable(string table, CancellationTokenSource cancel) : IProgress<DemoLoadProgress>
    {
        public void Report(DemoLoadProgress value)
        {
            if (value.Table == table)
                cancel.Cancel();
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    private static async Task<Dictionary<string, string>> ChecksumsAsync(string connectionString)
    {
        var checksums = new Dictionary<string, string>();
        foreach (var table in AllTables)
        {
            // Every demo table's first column is its primary key, so it gives a stable row order.
            var key = await ScalarAsync<string>(connectionString,
                $"SELECT attname FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum = 1");
            checksums[table] = await ScalarAsync<string>(connectionString, $"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.{key})) FROM {table} t");
        }
        return checksums;
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetFieldValue<T>(0);
    }

    private static async Task<List<string>> ListAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
            values.Add(reader.GetString(0));
        return values;
    }
}

using NpgsqlTypes;

namespace NlAnalytics.Core.Demo;

internal sealed record DemoColumn(string Name, string SqlType, NpgsqlDbType CopyType, string Comment, bool Nullable = false);

internal sealed record DemoTable(string Schema, string Name, string Comment, IReadOnlyList<DemoColumn> Columns)
{
    public string QualifiedName => $"{Schema}.{Name}";

    public string CreateSql =>
        $"CREATE TABLE {QualifiedName} (\n    " +
        string.Join(",\n    ", Columns.Select(c => $"{c.Name} {c.SqlType}{(c.Nullable ? "" : " NOT NULL")}")) +
        "\n)";

    /// <summary>FREEZE is allowed because the table was created in the same transaction; it spares a later rewrite of hint bits.</summary>
    public string CopySql => $"COPY {QualifiedName} ({string.Join(", ", Columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY, FREEZE)";
}

/// <summary>
/// The demo warehouse exactly as documented in briefs/demo-schema.md: tables in load order, then the
/// keys and indexes added after loading (building them once over loaded data is much faster than
/// maintaining them row by row).
/// </summary>
internal static class DemoSchema
{
    public static readonly IReadOnlyList<string> Schemas = ["sales", "university", "music"];

    public static readonly IReadOnlyDictionary<string, string> SchemaComments = new Dictionary<string, string>
    {
        ["sales"] = "Retail sales of an electronics, home, sports, fashion and toys chain in Switzerland, France, Italy, Germany and Austria: about three years of daily orders with weekly and yearly seasonality and growth.",
        ["university"] = "Student enrollment statistics shaped like the University of Lausanne (UNIL) figures, 2011 to 2021, by faculty, sex and nationality.",
        ["music"] = "A set of the most streamed songs with their artists, genres and total stream counts.",
    };

    private static DemoColumn Int(string name, string comment, bool nullable = false) => new(name, "integer", NpgsqlDbType.Integer, comment, nullable);
    private static DemoColumn BigInt(string name, string comment) => new(name, "bigint", NpgsqlDbType.Bigint, comment);
    private static DemoColumn Text(string name, string comment) => new(name, "text", NpgsqlDbType.Text, comment);
    private static DemoColumn Date(string name, string comment) => new(name, "date", NpgsqlDbType.Date, comment);
    private static DemoColumn Numeric(string name, int precision, int scale, string comment) => new(name, $"numeric({precision},{scale})", NpgsqlDbType.Numeric, comment);

    public static readonly DemoTable Regions = new("sales", "regions", "Sales regions; every store belongs to one region.",
    [
        Int("region_id", "Identifier of the region."),
        Text("name", "Region name, e.g. Romandie or Île-de-France."),
        Text("country", "Country of the region in English, e.g. Switzerland."),
    ]);

    public static readonly DemoTable Stores = new("sales", "stores", "Physical shops and the web shop that take orders.",
    [
        Int("store_id", "Identifier of the store."),
        Text("name", "Store name."),
        Text("city", "City where the store is; a country's web shop is listed at its head office."),
        Int("region_id", "Region of the store, references sales.regions."),
        Text("store_type", "Kind of store: flagship, mall, outlet or online."),
        Date("opened_on", "Date the store opened; a store has no orders before it."),
    ]);

    public static readonly DemoTable Categories = new("sales", "categories", "Product categories grouped into departments.",
    [
        Int("category_id", "Identifier of the category."),
        Text("name", "Category name, e.g. Laptops."),
        Text("department", "Department the category belongs to, e.g. Electronics."),
    ]);

    public static readonly DemoTable Products = new("sales", "products", "Products sold, with current list price and cost.",
    [
        Int("product_id", "Identifier of the product."),
        Text("name", "Product name."),
        Int("category_id", "Category of the product, references sales.categories."),
        Text("brand", "Brand of the product."),
        Numeric("unit_price", 10, 2, "Current list price per unit in CHF; order lines record the price actually charged at the time."),
        Numeric("unit_cost", 10, 2, "Purchase cost per unit in CHF, used for margin (unit_price - unit_cost)."),
        Date("launched_on", "Date the product went on sale; it has no order lines before it."),
    ]);

    public static readonly DemoTable Customers = new("sales", "customers", "Registered customers.",
    [
        Int("customer_id", "Identifier of the customer."),
        Text("first_name", "Customer first name."),
        Text("last_name", "Customer last name."),
        Text("email", "Customer e-mail address."),
        Text("gender", "Customer gender: female or male."),
        Date("birth_date", "Customer date of birth."),
        Text("city", "City where the customer lives."),
        Text("country", "Country where the customer lives, in English."),
        Text("segment", "Customer segment: consumer, corporate or small business."),
        Text("loyalty_tier", "Loyalty programme tier: bronze, silver, gold or platinum."),
        Date("signup_date", "Date the customer registered; the customer has no orders before it."),
    ]);

    public static readonly DemoTable Campaigns = new("sales", "marketing_campaigns", "Marketing campaigns; orders may be attributed to the campaign that brought them.",
    [
        Int("campaign_id", "Identifier of the campaign."),
        Text("name", "Campaign name, including its year."),
        Text("channel", "Marketing channel: email, social, search, tv or display."),
        Date("start_date", "First day of the campaign."),
        Date("end_date", "Last day of the campaign (inclusive)."),
        Numeric("budget", 12, 2, "Campaign budget in CHF."),
    ]);

    public static readonly DemoTable Orders = new("sales", "orders", "Customer orders (one row per checkout); revenue is in sales.order_lines.",
    [
        BigInt("order_id", "Identifier of the order."),
        Date("order_date", "Date the order was placed; use this for sales over time."),
        Int("customer_id", "Customer who placed the order, references sales.customers."),
        Int("store_id", "Store that took the order, references sales.stores; online and phone orders go to the web shop (store_type online) of the customer's country."),
        Int("campaign_id", "Marketing campaign the order is attributed to, references sales.marketing_campaigns; null when none.", nullable: true),
        Text("channel", "How the order was placed: in-store, online or phone."),
        Text("payment_method", "Payment method: card, cash, invoice, twint or paypal."),
        Text("status", "Order status: completed or cancelled."),
    ]);

    public static readonly DemoTable OrderLines = new("sales", "order_lines", "Lines of an order: one product, its quantity and the amount charged. Sales or revenue is SUM(net_amount).",
    [
        BigInt("order_line_id", "Identifier of the order line."),
        BigInt("order_id", "Order the line belongs to, references sales.orders."),
        Int("product_id", "Product sold, references sales.products."),
        Int("quantity", "Number of units sold."),
        Numeric("unit_price", 10, 2, "Price per unit in CHF charged at the time of the order, before discount."),
        Numeric("discount", 4, 3, "Discount as a fraction, e.g. 0.150 for 15 percent."),
        Numeric("net_amount", 12, 2, "Amount charged in CHF: round(quantity * unit_price * (1 - discount), 2). Revenue = SUM(net_amount)."),
    ]);

    public static readonly DemoTable Returns = new("sales", "returns", "Products returned by customers after purchase.",
    [
        Int("return_id", "Identifier of the return."),
        BigInt("order_line_id", "Order line the returned units come from, references sales.order_lines."),
        Date("return_date", "Date the units were returned."),
        Int("quantity", "Number of units returned."),
        Text("reason", "Reason given for the return."),
        Numeric("refund_amount", 12, 2, "Amount refunded in CHF."),
    ]);

    public static readonly DemoTable Faculties = new("university", "faculties", "Faculties of the university.",
    [
        Text("faculty_code", "Short faculty code: FBM, HEC, FTSR, Lettres, SSP, FDCA or FGSE."),
        Text("name", "Faculty name in English."),
    ]);

    public static readonly DemoTable Enrollments = new("university", "enrollments", "Number of enrolled students per year, faculty, sex and nationality (one row per combination).",
    [
        Int("enrollment_id", "Identifier of the row."),
        Int("year", "Academic year (autumn semester), 2011 to 2021."),
        Text("faculty_code", "Faculty, references university.faculties."),
        Text("sex", "Sex of the students: female or male."),
        Text("nationality", "Nationality group of the students: Swiss or Foreign."),
        Int("students", "Number of students enrolled; total a faculty's year with SUM(students)."),
    ]);

    public static readonly DemoTable Artists = new("music", "artists", "Recording artists and bands.",
    [
        Int("artist_id", "Identifier of the artist."),
        Text("name", "Artist or band name."),
        Text("country", "Country the artist comes from, in English."),
    ]);

    public static readonly DemoTable Genres = new("music", "genres", "Music genres.",
    [
        Int("genre_id", "Identifier of the genre."),
        Text("name", "Genre name in lowercase, e.g. pop or hip hop."),
    ]);

    public static readonly DemoTable Songs = new("music", "songs", "Most streamed songs with their total stream counts.",
    [
        Int("song_id", "Identifier of the song."),
        Text("title", "Song title."),
        Int("artist_id", "Main artist, references music.artists."),
        Int("genre_id", "Genre of the song, references music.genres."),
        Int("release_year", "Year the song was released."),
        Int("duration_seconds", "Length of the song in seconds."),
        new("streams", "bigint", NpgsqlDbType.Bigint, "Total number of streams of the song."),
    ]);

    public static readonly IReadOnlyList<DemoTable> Tables =
        [Regions, Stores, Categories, Products, Customers, Campaigns, Orders, OrderLines, Returns, Faculties, Enrollments, Artists, Genres, Songs];

    public static readonly IReadOnlyList<string> KeysAndIndexes =
    [
        "ALTER TABLE sales.regions ADD PRIMARY KEY (region_id)",
        "ALTER TABLE sales.stores ADD PRIMARY KEY (store_id)",
        "ALTER TABLE sales.categories ADD PRIMARY KEY (category_id)",
        "ALTER TABLE sales.products ADD PRIMARY KEY (product_id)",
        "ALTER TABLE sales.customers ADD PRIMARY KEY (customer_id)",
        "ALTER TABLE sales.marketing_campaigns ADD PRIMARY KEY (campaign_id)",
        "ALTER TABLE sales.orders ADD PRIMARY KEY (order_id)",
        "ALTER TABLE sales.order_lines ADD PRIMARY KEY (order_line_id)",
        "ALTER TABLE sales.returns ADD PRIMARY KEY (return_id)",
        "ALTER TABLE sales.stores ADD FOREIGN KEY (region_id) REFERENCES sales.regions",
        "ALTER TABLE sales.products ADD FOREIGN KEY (category_id) REFERENCES sales.categories",
        "ALTER TABLE sales.orders ADD FOREIGN KEY (customer_id) REFERENCES sales.customers",
        "ALTER TABLE sales.orders ADD FOREIGN KEY (store_id) REFERENCES sales.stores",
        "ALTER TABLE sales.orders ADD FOREIGN KEY (campaign_id) REFERENCES sales.marketing_campaigns",
        "ALTER TABLE sales.order_lines ADD FOREIGN KEY (order_id) REFERENCES sales.orders",
        "ALTER TABLE sales.order_lines ADD FOREIGN KEY (product_id) REFERENCES sales.products",
        "ALTER TABLE sales.returns ADD FOREIGN KEY (order_line_id) REFERENCES sales.order_lines",
        "CREATE INDEX ON sales.orders (order_date)",
        "CREATE INDEX ON sales.orders (customer_id)",
        "CREATE INDEX ON sales.orders (store_id)",
        "CREATE INDEX ON sales.orders (campaign_id) WHERE campaign_id IS NOT NULL",
        "CREATE INDEX ON sales.order_lines (order_id)",
        "CREATE INDEX ON sales.order_lines (product_id)",
        "CREATE INDEX ON sales.returns (order_line_id)",
        "CREATE INDEX ON sales.products (category_id)",
        "CREATE INDEX ON sales.stores (region_id)",
        "ALTER TABLE university.faculties ADD PRIMARY KEY (faculty_code)",
        "ALTER TABLE university.enrollments ADD PRIMARY KEY (enrollment_id)",
        "ALTER TABLE university.enrollments ADD FOREIGN KEY (faculty_code) REFERENCES university.faculties",
        "ALTER TABLE university.enrollments ADD UNIQUE (year, faculty_code, sex, nationality)",
        "ALTER TABLE music.artists ADD PRIMARY KEY (artist_id)",
        "ALTER TABLE music.genres ADD PRIMARY KEY (genre_id)",
        "ALTER TABLE music.songs ADD PRIMARY KEY (song_id)",
        "ALTER TABLE music.songs ADD FOREIGN KEY (artist_id) REFERENCES music.artists",
        "ALTER TABLE music.songs ADD FOREIGN KEY (genre_id) REFERENCES music.genres",
        "CREATE INDEX ON music.songs (artist_id)",
        "CREATE INDEX ON music.songs (genre_id)",
    ];
}

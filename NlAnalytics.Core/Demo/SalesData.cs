using System.Globalization;
using System.Text;
using Bogus;
using Bogus.DataSets;

namespace NlAnalytics.Core.Demo;

internal readonly record struct RegionRow(int RegionId, string Name, string Country);
internal readonly record struct StoreRow(int StoreId, string Name, string City, int RegionId, string StoreType, DateOnly OpenedOn);
internal readonly record struct CategoryRow(int CategoryId, string Name, string Department);
internal readonly record struct ProductRow(int ProductId, string Name, int CategoryId, string Brand, decimal UnitPrice, decimal UnitCost, DateOnly LaunchedOn);
internal readonly record struct CustomerRow(int CustomerId, string FirstName, string LastName, string Email, string Gender, DateOnly BirthDate,
    string City, string Country, string Segment, string LoyaltyTier, DateOnly SignupDate);
internal readonly record struct CampaignRow(int CampaignId, string Name, string Channel, DateOnly StartDate, DateOnly EndDate, decimal Budget);
internal readonly record struct OrderRow(long OrderId, DateOnly OrderDate, int CustomerId, int StoreId, int? CampaignId, string Channel, string PaymentMethod, string Status);
internal readonly record struct OrderLineRow(long OrderLineId, long OrderId, int ProductId, int Quantity, decimal UnitPrice, decimal Discount, decimal NetAmount);
internal readonly record struct ReturnRow(int ReturnId, long OrderLineId, DateOnly ReturnDate, int Quantity, string Reason, decimal RefundAmount);

/// <summary>
/// Deterministic sales data. Small "plans" (stores, products, customers' home region and signup day,
/// campaigns, orders per day) are fixed up front; the large tables are then streamed row by row. Orders
/// are generated twice from the same random stream (once for sales.orders, once to drive its lines),
/// which is cheaper than holding hundreds of thousands of orders in memory.
/// </summary>
internal sealed class SalesData
{
    /// <summary>Orders on an average day at the start of the period at scale 1; about 2.5 lines each gives over a million lines.</summary>
    private const double BaseOrdersPerDay = 305;
    private const int CustomersAtScaleOne = 50_000;
    private const double YearlyGrowth = 0.16;

    private static readonly Region[] RegionList =
    [
        new(1, "Romandie", "Switzerland", "fr", "fr", 0.26, ["Lausanne", "Geneva", "Fribourg", "Neuchâtel", "Sion", "Montreux", "Yverdon-les-Bains", "Nyon"]),
        new(2, "Greater Zurich", "Switzerland", "de", "de_CH", 0.16, ["Zurich", "Winterthur", "Uster"]),
        new(3, "Espace Mittelland", "Switzerland", "de", "de_CH", 0.08, ["Bern", "Biel", "Thun"]),
        new(4, "Northwestern Switzerland", "Switzerland", "de", "de_CH", 0.07, ["Basel", "Aarau", "Liestal"]),
        new(5, "Île-de-France", "France", "fr", "fr", 0.14, ["Paris", "Versailles", "Boulogne-Billancourt"]),
        new(6, "Auvergne-Rhône-Alpes", "France", "fr", "fr", 0.09, ["Lyon", "Grenoble", "Annecy"]),
        new(7, "Lombardy", "Italy", "it", "it", 0.08, ["Milan", "Bergamo", "Monza"]),
        new(8, "Bavaria", "Germany", "de", "de", 0.07, ["Munich", "Nuremberg", "Augsburg"]),
        new(9, "Vienna", "Austria", "de", "de_AT", 0.05, ["Vienna"]),
    ];

    /// <summary>(name, city, region, type, opens during the period). Each country's web shop takes its online and phone orders.</summary>
    private static readonly (string Name, string City, int Region, string Type, bool New)[] StoreList =
    [
        ("Web Shop Switzerland", "Lausanne", 1, "online", false),
        ("Web Shop France", "Paris", 5, "online", false),
        ("Web Shop Italy", "Milan", 7, "online", false),
        ("Web Shop Germany", "Munich", 8, "online", false),
        ("Web Shop Austria", "Vienna", 9, "online", false),
        ("Lausanne Flagship", "Lausanne", 1, "flagship", false),
        ("Lausanne Flon", "Lausanne", 1, "mall", false),
        ("Geneva Rive", "Geneva", 1, "flagship", false),
        ("Geneva Balexert", "Geneva", 1, "mall", false),
        ("Geneva Airport", "Geneva", 1, "mall", true),
        ("Fribourg Centre", "Fribourg", 1, "mall", false),
        ("Neuchâtel Maladière", "Neuchâtel", 1, "mall", false),
        ("Sion Centre", "Sion", 1, "mall", true),
        ("Aubonne Outlet", "Aubonne", 1, "outlet", false),
        ("Zurich Bahnhofstrasse", "Zurich", 2, "flagship", false),
        ("Zurich Sihlcity", "Zurich", 2, "mall", false),
        ("Zurich Airport", "Zurich", 2, "mall", false),
        ("Winterthur Centre", "Winterthur", 2, "mall", false),
        ("Zurich Outlet", "Zurich", 2, "outlet", true),
        ("Bern Marktgasse", "Bern", 3, "flagship", false),
        ("Bern Westside", "Bern", 3, "mall", false),
        ("Biel Centre", "Biel", 3, "mall", false),
        ("Basel Freie Strasse", "Basel", 4, "flagship", false),
        ("Basel St. Jakob", "Basel", 4, "mall", false),
        ("Aarau Centre", "Aarau", 4, "mall", false),
        ("Paris Opéra", "Paris", 5, "flagship", false),
        ("Paris Les Halles", "Paris", 5, "mall", false),
        ("Paris La Défense", "Paris", 5, "mall", false),
        ("Versailles Centre", "Versailles", 5, "mall", true),
        ("Paris Outlet", "Paris", 5, "outlet", false),
        ("Lyon Presqu'île", "Lyon", 6, "flagship", false),
        ("Lyon Part-Dieu", "Lyon", 6, "mall", false),
        ("Grenoble Centre", "Grenoble", 6, "mall", false),
        ("Annecy Centre", "Annecy", 6, "mall", true),
        ("Milan Duomo", "Milan", 7, "flagship", false),
        ("Milan CityLife", "Milan", 7, "mall", false),
        ("Bergamo Oriocenter", "Bergamo", 7, "mall", false),
        ("Milan Outlet", "Milan", 7, "outlet", false),
        ("Munich Marienplatz", "Munich", 8, "flagship", false),
        ("Munich Pasing", "Munich", 8, "mall", false),
        ("Nuremberg Centre", "Nuremberg", 8, "mall", false),
        ("Ingolstadt Village Outlet", "Ingolstadt", 8, "outlet", true),
        ("Vienna Kärntner Strasse", "Vienna", 9, "flagship", false),
        ("Vienna Donauzentrum", "Vienna", 9, "mall", false),
        ("Vienna Outlet", "Vienna", 9, "outlet", false),
    ];

    private static readonly string[] Departments = ["Electronics", "Home & Kitchen", "Sports & Outdoors", "Fashion", "Toys & Games"];

    /// <summary>Share of a department's products sold in each month relative to its best month (rejection sampling weight).</summary>
    private static readonly double[][] DepartmentSeason =
    [
        [0.70, 0.65, 0.70, 0.70, 0.70, 0.70, 0.70, 0.75, 0.80, 0.80, 1.00, 1.00],
        [0.80, 0.80, 0.85, 0.85, 0.80, 0.75, 0.75, 0.80, 0.85, 0.90, 1.00, 1.00],
        [0.55, 0.60, 0.80, 0.95, 1.00, 1.00, 0.95, 0.85, 0.75, 0.60, 0.50, 0.55],
        [0.80, 0.60, 0.70, 0.75, 0.70, 0.60, 0.60, 0.70, 0.90, 1.00, 1.00, 0.95],
        [0.35, 0.30, 0.30, 0.35, 0.30, 0.30, 0.35, 0.35, 0.40, 0.55, 0.85, 1.00],
    ];

    private static readonly double[] DepartmentReturnRate = [0.05, 0.04, 0.06, 0.12, 0.02];

    private static readonly Category[] CategoryList =
    [
        new("Laptops", 0, 1.0, 499, 2999, ["Lenovo", "HP", "Dell", "Apple", "Asus", "Acer"], ["Air", "Pro", "Slim", "Creator", "Gaming", "Book"], ["13", "14", "15", "16"]),
        new("Smartphones", 0, 1.3, 149, 1599, ["Apple", "Samsung", "Google", "Xiaomi", "OnePlus", "Nokia"], ["Phone", "Ultra", "Lite", "Max", "Mini", "Plus"], ["12", "13", "14", "15", "X"]),
        new("Tablets", 0, 0.7, 129, 1499, ["Apple", "Samsung", "Lenovo", "Microsoft", "Amazon"], ["Tab", "Pad", "Note", "Slate"], ["8", "10", "11", "12"]),
        new("Headphones", 0, 1.4, 29, 449, ["Sony", "Bose", "Sennheiser", "JBL", "Apple", "Beats"], ["Wave", "Studio", "Quiet", "Sport", "Buds"], ["100", "300", "500", "700"]),
        new("Televisions", 0, 0.6, 349, 3499, ["Samsung", "LG", "Sony", "Philips", "TCL"], ["OLED", "QLED", "LED", "Neo"], ["43\"", "50\"", "55\"", "65\"", "75\""]),
        new("Cameras", 0, 0.4, 299, 2899, ["Canon", "Nikon", "Sony", "Fujifilm", "Panasonic"], ["Alpha", "Zoom", "Mirrorless", "Compact"], ["Z5", "X100", "R8", "M50"]),
        new("Coffee Machines", 1, 0.8, 99, 1899, ["De'Longhi", "Jura", "Nespresso", "Philips", "Siemens", "Sage"], ["Barista", "Espresso", "Crema", "Latte"], ["E4", "S8", "One", "Pro"]),
        new("Cookware", 1, 0.9, 19, 399, ["Tefal", "WMF", "Le Creuset", "Zwilling", "Kuhn Rikon"], ["Pan Set", "Casserole", "Wok", "Saucepan", "Knife Set"], ["20 cm", "24 cm", "28 cm", "Classic", "Premium"]),
        new("Small Appliances", 1, 1.0, 29, 699, ["Philips", "Braun", "Bosch", "Kenwood", "Dyson", "KitchenAid"], ["Blender", "Toaster", "Kettle", "Food Processor", "Air Fryer", "Vacuum"], ["Compact", "Plus", "Pro", "Max"]),
        new("Lighting", 1, 0.8, 9, 499, ["Philips Hue", "IKEA", "Artemide", "Osram", "Ledvance"], ["Desk Lamp", "Floor Lamp", "Pendant", "Smart Bulb", "Light Strip"], ["White", "Black", "Brass", "Colour"]),
        new("Bedding", 1, 0.7, 19, 449, ["Dormiente", "IKEA", "Hefel", "Billerbeck", "Traumina"], ["Duvet", "Pillow", "Sheet Set", "Mattress Topper"], ["Single", "Double", "Queen", "King"]),
        new("Running Shoes", 2, 1.1, 79, 249, ["Nike", "Adidas", "On", "Asics", "Hoka", "Brooks"], ["Runner", "Trail", "Tempo", "Glide", "Racer"], ["1", "2", "3", "4", "X"]),
        new("Bicycles", 2, 0.35, 499, 5999, ["Trek", "Specialized", "Cube", "Scott", "BMC", "Canyon"], ["Road", "Gravel", "City", "E-Bike", "Mountain"], ["5", "7", "9", "SL"]),
        new("Outdoor Gear", 2, 0.9, 19, 699, ["Mammut", "The North Face", "Patagonia", "Deuter", "Salewa", "Victorinox"], ["Backpack", "Tent", "Sleeping Bag", "Trekking Poles", "Headlamp", "Pocket Knife"], ["20 L", "35 L", "Ultralight", "Expedition"]),
        new("Fitness Equipment", 2, 0.7, 15, 2999, ["Technogym", "Garmin", "Polar", "Kettler", "Domyos"], ["Dumbbell Set", "Yoga Mat", "Rowing Machine", "Sports Watch", "Treadmill"], ["Home", "Pro", "Smart", "Lite"]),
        new("Jackets", 3, 0.9, 59, 499, ["Mammut", "Patagonia", "Columbia", "Levi's", "Tommy Hilfiger"], ["Rain Jacket", "Down Jacket", "Softshell", "Denim Jacket", "Parka"], ["Men", "Women", "Unisex"]),
        new("Watches", 3, 0.6, 49, 2499, ["Swatch", "Tissot", "Casio", "Fossil", "Longines", "Victorinox"], ["Classic", "Chrono", "Diver", "Sport", "Dress"], ["36 mm", "40 mm", "42 mm", "44 mm"]),
        new("Bags", 3, 0.8, 29, 399, ["Freitag", "Samsonite", "Herschel", "Fjällräven", "Longchamp"], ["Backpack", "Tote", "Messenger", "Duffel", "Wallet"], ["S", "M", "L", "Travel"]),
        new("Board Games", 4, 0.9, 9, 89, ["Ravensburger", "Hasbro", "Kosmos", "Asmodee", "Carletto"], ["Strategy Game", "Family Game", "Puzzle 1000", "Card Game", "Party Game"], ["Classic", "Junior", "Deluxe", "Travel"]),
        new("Video Games", 4, 1.0, 19, 599, ["Nintendo", "Sony", "Microsoft", "Ubisoft", "EA"], ["Adventure Game", "Racing Game", "Sports Game", "Party Game", "Console Bundle"], ["Standard", "Deluxe", "Gold", "Collector's"]),
    ];

    private const int ProductsPerCategory = 25;

    private static readonly string[][] ReturnReasons =
    [
        ["defective", "not as described", "changed mind", "damaged in transit", "arrived late"],
        ["defective", "damaged in transit", "changed mind", "not as described"],
        ["wrong size", "defective", "changed mind", "not as described"],
        ["wrong size", "wrong size", "not as described", "changed mind", "defective"],
        ["changed mind", "damaged in transit", "defective"],
    ];

    private static readonly double[] WeekdayFactor = [0.70, 0.88, 0.90, 0.95, 1.00, 1.12, 1.45]; // DayOfWeek order: Sunday first
    private static readonly double[] MonthFactor = [0.82, 0.80, 0.92, 0.95, 0.98, 0.95, 0.88, 0.90, 0.97, 1.02, 1.20, 1.55];
    private static readonly double[] LinesPerOrderWeights = [0.30, 0.27, 0.20, 0.12, 0.07, 0.04];

    private readonly int _seed;
    private readonly StorePlan[] _stores;
    private readonly int[][] _storesByRegion;
    private readonly int[] _webShopByRegion;
    private readonly ProductPlan[] _products;
    private readonly double[] _productCumulative;
    private readonly int[] _productsLaunchedBy;
    private readonly CustomerPlan[] _customers;
    private readonly int[] _customersSignedUpBy;
    private readonly CampaignPlan[] _campaigns;
    private readonly int[][] _activeCampaigns;
    private readonly int[] _ordersPerDay;

    public SalesData(int seed, double scale, DateOnly endDate)
    {
        _seed = seed;
        End = endDate;
        Start = endDate.AddYears(-3).AddDays(1);
        Days = End.DayNumber - Start.DayNumber + 1;

        _stores = PlanStores(new DemoRandom(seed, "sales.stores"));
        _storesByRegion = RegionList.Select(r => Enumerable.Range(0, _stores.Length).Where(s => _stores[s].RegionId == r.Id && _stores[s].Type != "online").ToArray()).ToArray();
        _webShopByRegion = RegionList.Select(r => Array.FindIndex(_stores, s => s.Type == "online" && RegionList[s.RegionId - 1].Country == r.Country)).ToArray();
        _products = PlanProducts(new DemoRandom(seed, "sales.products"));
        _productCumulative = new double[_products.Length];
        for (var i = 0; i < _products.Length; i++)
            _productCumulative[i] = (i > 0 ? _productCumulative[i - 1] : 0) + _products[i].Popularity;
        _productsLaunchedBy = CountByDay(_products.Select(p => p.LaunchDay).ToArray());
        _customers = PlanCustomers(new DemoRandom(seed, "sales.customers.plan"), Math.Max(50, (int)Math.Round(CustomersAtScaleOne * scale)));
        _customersSignedUpBy = CountByDay(_customers.Select(c => c.SignupDay).ToArray());
        _campaigns = PlanCampaigns(new DemoRandom(seed, "sales.marketing_campaigns"));
        _activeCampaigns = Enumerable.Range(0, Days)
            .Select(d => Enumerable.Range(0, _campaigns.Length).Where(c => _campaigns[c].StartDay <= d && d <= _campaigns[c].EndDay).ToArray())
            .ToArray();
        _ordersPerDay = PlanOrdersPerDay(new DemoRandom(seed, "sales.orders.per_day"), scale);
        ExpectedOrders = _ordersPerDay.Sum(n => (long)n);
        var lineCounts = new DemoRandom(seed, "sales.order_lines.count");
        for (long i = 0; i < ExpectedOrders; i++)
            ExpectedOrderLines += lineCounts.PickWeighted(LinesPerOrderWeights) + 1;
    }

    public DateOnly Start { get; }
    public DateOnly End { get; }
    public int Days { get; }
    public long ExpectedOrders { get; }
    public long ExpectedOrderLines { get; }
    public int CustomerCount => _customers.Length;
    public int StoreCount => _stores.Length;
    public int ProductCount => _products.Length;
    public int CampaignCount => _campaigns.Length;
    public static int RegionCount => RegionList.Length;
    public static int CategoryCount => CategoryList.Length;

    private DateOnly DateOf(int day) => Start.AddDays(day);

    public IEnumerable<RegionRow> Regions() => RegionList.Select(r => new RegionRow(r.Id, r.Name, r.Country));

    public IEnumerable<StoreRow> Stores() =>
        _stores.Select((s, i) => new StoreRow(i + 1, s.Name, s.City, s.RegionId, s.Type, DateOf(s.OpenDay)));

    public IEnumerable<CategoryRow> Categories() =>
        CategoryList.Select((c, i) => new CategoryRow(i + 1, c.Name, Departments[c.Department]));

    public IEnumerable<ProductRow> Products() =>
        _products.Select((p, i) => new ProductRow(i + 1, p.Name, p.Category + 1, p.Brand, p.PriceCents / 100m, p.CostCents / 100m, DateOf(p.LaunchDay)));

    public IEnumerable<CampaignRow> Campaigns() =>
        _campaigns.Select((c, i) => new CampaignRow(i + 1, c.Name, c.Channel, DateOf(c.StartDay), DateOf(c.EndDay), c.BudgetCents / 100m));

    public IEnumerable<CustomerRow> Customers()
    {
        var random = new DemoRandom(_seed, "sales.customers");
        // Bogus costs ~15 µs a name, so draw a pool per locale once (from its own seeded Randomizer, so it
        // depends only on our seed) and pick from the pools; Bogus's lists are not much longer than the pools anyway.
        var pools = new NamePools(random);
        var email = new StringBuilder();
        for (var i = 0; i < _customers.Length; i++)
        {
            var plan = _customers[i];
            var region = RegionList[plan.Region];
            // Some customers carry names from elsewhere in the chain's footprint.
            var nameRegion = random.Chance(0.85) ? region : RegionList[random.Next(RegionList.Length)];
            var female = random.Chance(0.51);
            var first = random.Pick(pools.FirstNames(nameRegion.FirstNameLocale, female));
            var last = random.Pick(pools.LastNames(nameRegion.LastNameLocale));
            var city = region.Cities[PickByRank(random, region.Cities.Length)];
            var age = Math.Clamp(45 + 27 * random.Bell(), 18, 88);
            var birth = End.AddDays(-(int)(age * 365.25));
            var id = i + 1;
            email.Clear();
            AppendAscii(email, first).Append('.');
            AppendAscii(email, last).Append(id.ToString(CultureInfo.InvariantCulture)).Append('@').Append(random.Pick(EmailDomains(region.Country)));
            yield return new CustomerRow(id, first, last, email.ToString(), female ? "female" : "male", birth, city, region.Country,
                Segments[plan.Segment], Tiers[plan.Tier], DateOf(plan.SignupDay));
        }
    }

    /// <summary>
    /// Orders in date order. Every call replays the same random stream, so sales.orders and the
    /// generation of sales.order_lines see exactly the same orders.
    /// </summary>
    public IEnumerable<GeneratedOrder> Orders()
    {
        var random = new DemoRandom(_seed, "sales.orders");
        long orderId = 0;
        for (var day = 0; day < Days; day++)
        {
            var date = DateOf(day);
            var progress = day / (double)Days;
            var sunday = date.DayOfWeek == DayOfWeek.Sunday;
            var active = _activeCampaigns[day];
            var blackFriday = active.Any(c => _campaigns[c].IsBlackFriday);
            var eligibleCustomers = _customersSignedUpBy[day];
            for (var n = 0; n < _ordersPerDay[day]; n++)
            {
                orderId++;
                // Long-standing customers order more often: skew the pick towards low (early signup) ids.
                var u = random.NextDouble();
                var customer = Math.Min(eligibleCustomers - 1, (int)(eligibleCustomers * (0.45 * u + 0.55 * u * u)));
                var plan = _customers[customer];
                var business = plan.Segment != 0;

                var roll = random.NextDouble();
                var phoneShare = business ? 0.15 : 0.03;
                var onlineShare = sunday ? 0.75 : 0.22 + 0.12 * progress;
                var channel = roll < phoneShare ? "phone" : roll < phoneShare + onlineShare ? "online" : "in-store";
                var store = channel == "in-store" ? PickStore(random, plan.Region, day) : _webShopByRegion[plan.Region];

                int? campaign = null;
                if (active.Length > 0 && random.Chance(blackFriday ? 0.6 : 0.22))
                    campaign = active[random.Next(active.Length)];

                var swiss = RegionList[_stores[store].RegionId - 1].Country == "Switzerland";
                var payment = PickPayment(random, channel, business, swiss, progress);
                var cancelled = random.Chance(channel == "in-store" ? 0.012 : 0.035);
                yield return new GeneratedOrder(
                    new OrderRow(orderId, date, customer + 1, store + 1, campaign + 1, channel, payment, cancelled ? "cancelled" : "completed"),
                    day, plan.Segment, plan.Tier, _stores[store].Type == "outlet", campaign is { } c ? _campaigns[c].DiscountPermille : 0);
            }
        }
    }

    /// <summary>Lines of the orders from <see cref="Orders"/>; returns of completed lines are appended to <paramref name="returns"/> (a few percent of lines).</summary>
    public IEnumerable<OrderLineRow> OrderLines(List<ReturnRow> returns)
    {
        var random = new DemoRandom(_seed, "sales.order_lines");
        var lineCounts = new DemoRandom(_seed, "sales.order_lines.count");
        var returnRandom = new DemoRandom(_seed, "sales.returns");
        long lineId = 0;
        foreach (var order in Orders())
        {
            var date = order.Row.OrderDate;
            var month = date.Month - 1;
            var yearsBeforeEnd = (Days - 1 - order.Day) / 365.0;
            var winterSale = (date.Month == 12 && date.Day >= 27) || (date.Month == 1 && date.Day <= 10);
            var lines = lineCounts.PickWeighted(LinesPerOrderWeights) + 1;
            var launched = _productsLaunchedBy[order.Day];
            for (var l = 0; l < lines; l++)
            {
                lineId++;
                var productIndex = PickProduct(random, launched, month);
                var product = _products[productIndex];
                var quantity = product.PriceCents < 3000 ? 1 + random.PickWeighted(SmallItemQuantity)
                    : product.PriceCents < 15000 ? (random.Chance(0.2) ? 2 : 1)
                    : (random.Chance(0.06) ? 2 : 1);
                if (order.Segment == 1)
                    quantity *= random.Between(1, 5); // corporate customers buy in bulk
                // List prices rose about 2.5 % a year, so older lines were charged less than today's price.
                var unitCents = (long)Math.Round(product.PriceCents * (1 - 0.025 * yearsBeforeEnd));
                var discountPermille = order.CampaignDiscountPermille > 0 && random.Chance(0.8) ? order.CampaignDiscountPermille
                    : winterSale && random.Chance(0.5) ? 300
                    : order.Outlet && random.Chance(0.7) ? (random.Chance(0.5) ? 300 : 400)
                    : order.Tier >= 2 && random.Chance(0.5) ? 50
                    : random.Chance(0.03) ? 100 : 0;
                // In integers: quantity * unit_price * (1 - discount) is exactly this many thousandths of a cent,
                // and adding half before dividing rounds half away from zero like PostgreSQL's round().
                var netCents = (quantity * unitCents * (1000 - discountPermille) + 500) / 1000;
                yield return new OrderLineRow(lineId, order.Row.OrderId, productIndex + 1, quantity, Fixed(unitCents, 2), Fixed(discountPermille, 3), Fixed(netCents, 2));

                var department = CategoryList[product.Category].Department;
                if (order.Row.Status == "completed" && returnRandom.Chance(DepartmentReturnRate[department]))
                {
                    var returnDate = date.AddDays(returnRandom.Between(2, 30));
                    if (returnDate > End)
                        continue;
                    var returned = quantity == 1 ? 1 : returnRandom.Between(1, quantity);
                    var refundCents = (netCents * returned * 2 + quantity) / (2 * quantity);
                    returns.Add(new ReturnRow(returns.Count + 1, lineId, returnDate, returned, returnRandom.Pick(ReturnReasons[department]), Fixed(refundCents, 2)));
                }
            }
        }
    }

    /// <summary>A non-negative fixed-point number as decimal without a division.</summary>
    private static decimal Fixed(long units, byte scale) => new((int)units, (int)(units >> 32), 0, false, scale);

    private static readonly double[] SmallItemQuantity = [0.6, 0.25, 0.1, 0.05];
    private static readonly string[] Segments = ["consumer", "corporate", "small business"];
    private static readonly string[] Tiers = ["bronze", "silver", "gold", "platinum"];

    private int PickStore(DemoRandom random, int region, int day)
    {
        // Most customers shop in their own region; some while travelling. Every region has a store open from the start.
        var candidates = random.Chance(0.88) ? _storesByRegion[region] : _storesByRegion[random.Next(_storesByRegion.Length)];
        var total = 0.0;
        foreach (var s in candidates)
            total += _stores[s].OpenDay <= day ? _stores[s].Weight : 0;
        var target = random.NextDouble() * total;
        var last = candidates[0];
        foreach (var s in candidates)
        {
            if (_stores[s].OpenDay > day)
                continue;
            last = s;
            target -= _stores[s].Weight;
            if (target < 0)
                return s;
        }
        return last;
    }

    private static string PickPayment(DemoRandom random, string channel, bool business, bool swiss, double progress)
    {
        var twint = swiss ? 0.08 + 0.14 * progress : 0; // TWINT is Swiss-only and keeps gaining ground
        var roll = random.NextDouble();
        return channel switch
        {
            "phone" => roll < 0.6 ? "invoice" : "card",
            "online" when business => roll < 0.6 ? "invoice" : "card",
            "online" => roll < twint ? "twint" : roll < twint + 0.25 ? "paypal" : roll < twint + 0.30 ? "invoice" : "card",
            _ => roll < twint ? "twint" : roll < twint + 0.25 - 0.1 * progress ? "cash" : "card",
        };
    }

    private int PickProduct(DemoRandom random, int launched, int month)
    {
        for (var attempt = 0; ; attempt++)
        {
            var index = random.PickCumulative(_productCumulative, launched);
            var department = CategoryList[_products[index].Category].Department;
            if (attempt == 8 || random.NextDouble() < DepartmentSeason[department][month])
                return index;
        }
    }

    private int[] PlanOrdersPerDay(DemoRandom random, double scale)
    {
        var boosts = new double[Days];
        var counts = new int[Days];
        for (var day = 0; day < Days; day++)
        {
            var date = DateOf(day);
            var boost = 1.0;
            foreach (var c in _activeCampaigns[day])
                boost *= _campaigns[c].IsBlackFriday ? BlackFridayBoost(day - _campaigns[c].StartDay) : 1.08;
            var expected = BaseOrdersPerDay * scale * (1 + YearlyGrowth * day / 365.0)
                * WeekdayFactor[(int)date.DayOfWeek] * SeasonFactor(date) * boost * (1 + 0.08 * random.Bell());
            // At least one order a day keeps every day of the period present, even at tiny test scales.
            counts[day] = Math.Max(1, random.RoundStochastic(expected));
        }
        return counts;
    }

    private static double BlackFridayBoost(int dayOfCampaign) => dayOfCampaign switch { 0 => 2.4, 1 => 1.7, 2 => 1.4, _ => 1.8 };

    private static double SeasonFactor(DateOnly date) => (date.Month, date.Day) switch
    {
        (1, 1) => 0.25,
        (12, 24) => 1.3,
        (12, 25) or (12, 26) => 0.25,
        (12, >= 27) => 1.1,
        (12, var d) => 1.35 + 0.04 * d, // the run-up to Christmas
        var (m, _) => MonthFactor[m - 1],
    };

    private StorePlan[] PlanStores(DemoRandom random) => StoreList.Select(s =>
    {
        var openDay = s.New ? random.Between(60, Days - 120) : -random.Between(200, 5000);
        var weight = s.Type switch { "flagship" => 1.6, "outlet" => 0.7, _ => 1.0 } * random.Between(0.8, 1.2);
        return new StorePlan(s.Name, s.City, s.Region, s.Type, s.Type == "online" ? -random.Between(3000, 4000) : openDay, weight);
    }).ToArray();

    private ProductPlan[] PlanProducts(DemoRandom random)
    {
        var products = new List<(ProductPlan Plan, int Order)>();
        for (var c = 0; c < CategoryList.Length; c++)
        {
            var category = CategoryList[c];
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < ProductsPerCategory; i++)
            {
                string brand, name;
                do
                {
                    brand = random.Pick(category.Brands);
                    name = $"{brand} {random.Pick(category.Series)} {random.Pick(category.Models)}";
                } while (!names.Add(name));
                var u = random.NextDouble();
                var price = category.MinPrice + (category.MaxPrice - category.MinPrice) * u * u * u;
                // Shop prices end in .90, .95 or .00.
                var priceCents = (long)Math.Floor(price) * 100 + random.Pick(PriceEndings);
                var costCents = (long)Math.Round(priceCents * random.Between(0.45, 0.72));
                var launchDay = random.Chance(0.78) ? -random.Between(30, 1500) : random.Between(0, Days - 30);
                var popularity = category.Weight / (1 + 0.35 * random.Next(ProductsPerCategory)) * (price < 100 ? 1.5 : 1.0);
                products.Add((new ProductPlan(name, c, brand, priceCents, costCents, launchDay, popularity), products.Count));
            }
        }
        // Ids follow launch order, so the products on sale at a given day are a prefix of the array.
        return products.OrderBy(p => p.Plan.LaunchDay).ThenBy(p => p.Order).Select(p => p.Plan).ToArray();
    }

    private static readonly int[] PriceEndings = [0, 90, 95];

    private CustomerPlan[] PlanCustomers(DemoRandom random, int count)
    {
        var weights = RegionList.Select(r => r.CustomerWeight).ToArray();
        var customers = new CustomerPlan[count];
        for (var i = 0; i < count; i++)
        {
            // Ids follow signup order: a third signed up before the period, the rest during it.
            var u = (i + 0.5) / count;
            var signupDay = u < 0.35 ? (int)Math.Floor(-1800 + u / 0.35 * 1800) : (int)Math.Floor((u - 0.35) / 0.65 * (Days - 1));
            var segmentRoll = random.NextDouble();
            var segment = segmentRoll < 0.82 ? 0 : segmentRoll < 0.88 ? 1 : 2;
            var tenure = 1 - u;
            var tierRoll = random.NextDouble();
            var tier = tierRoll < 0.02 + 0.06 * tenure ? 3 : tierRoll < 0.10 + 0.18 * tenure ? 2 : tierRoll < 0.40 + 0.15 * tenure ? 1 : 0;
            customers[i] = new CustomerPlan(random.PickWeighted(weights), signupDay, segment, tier);
        }
        return customers;
    }

    private CampaignPlan[] PlanCampaigns(DemoRandom random)
    {
        var campaigns = new List<CampaignPlan>();
        for (var year = Start.Year; year <= End.Year; year++)
        {
            var blackFriday = new DateOnly(year, 11, 22);
            while (blackFriday.DayOfWeek != DayOfWeek.Thursday)
                blackFriday = blackFriday.AddDays(1);
            blackFriday = blackFriday.AddDays(1); // the Friday after the fourth Thursday of November
            (string Name, DateOnly Start, int Length, string Channel, int Discount)[] events =
            [
                ($"New Year Deals {year}", new DateOnly(year, 1, 2), 14, "email", 200),
                ($"Spring Collection {year}", new DateOnly(year, 3, 15), 21, "social", 100),
                ($"Mother's Day {year}", new DateOnly(year, 5, 1), 10, "display", 100),
                ($"Summer Sale {year}", new DateOnly(year, 6, 20), 21, "search", 250),
                ($"Back to School {year}", new DateOnly(year, 8, 12), 21, "social", 150),
                ($"Autumn Brand Campaign {year}", new DateOnly(year, 9, 20), 28, "tv", 50),
                ($"Black Friday {year}", blackFriday, 4, "search", 250),
                ($"Christmas Gifts {year}", new DateOnly(year, 12, 1), 22, "tv", 100),
            ];
            foreach (var e in events)
            {
                var startDay = e.Start.DayNumber - Start.DayNumber;
                var endDay = startDay + e.Length - 1;
                if (endDay < 0 || startDay > Days - 1)
                    continue;
                var budget = e.Channel switch
                {
                    "tv" => random.Between(150_000, 400_000),
                    "search" => random.Between(30_000, 90_000),
                    "social" => random.Between(25_000, 80_000),
                    "display" => random.Between(20_000, 60_000),
                    _ => random.Between(5_000, 15_000),
                };
                campaigns.Add(new CampaignPlan(e.Name, e.Channel, startDay, endDay, budget * 100L, e.Discount, e.Name.StartsWith("Black Friday", StringComparison.Ordinal)));
            }
        }
        return campaigns.ToArray();
    }

    private int[] CountByDay(int[] sortedDays)
    {
        var counts = new int[Days];
        var index = 0;
        for (var day = 0; day < Days; day++)
        {
            while (index < sortedDays.Length && sortedDays[index] <= day)
                index++;
            counts[day] = index;
        }
        return counts;
    }

    private static int PickByRank(DemoRandom random, int count)
    {
        Span<double> weights = stackalloc double[count];
        for (var i = 0; i < count; i++)
            weights[i] = 1.0 / (i + 1);
        var total = 0.0;
        foreach (var w in weights)
            total += w;
        var target = random.NextDouble() * total;
        for (var i = 0; i < count; i++)
        {
            target -= weights[i];
            if (target < 0)
                return i;
        }
        return count - 1;
    }

    private static string[] EmailDomains(string country) => country switch
    {
        "Switzerland" => ["bluewin.ch", "gmail.com", "gmx.ch", "outlook.com", "sunrise.ch"],
        "France" => ["orange.fr", "gmail.com", "free.fr", "laposte.net"],
        "Italy" => ["libero.it", "gmail.com", "virgilio.it"],
        "Germany" => ["gmx.de", "web.de", "gmail.com", "t-online.de"],
        _ => ["gmx.at", "gmail.com", "aon.at"],
    };

    /// <summary>Lowercase ASCII letters of a name for an e-mail address, independent of the current culture.</summary>
    private static StringBuilder AppendAscii(StringBuilder builder, string name)
    {
        foreach (var c in name.Normalize(NormalizationForm.FormD))
        {
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z')
                builder.Append(lower);
            else if (lower == 'ß')
                builder.Append("ss");
            else if (lower == 'æ')
                builder.Append("ae");
            else if (lower == 'œ')
                builder.Append("oe");
            else if (lower == 'ø')
                builder.Append('o');
        }
        return builder;
    }

    /// <summary>Bogus has gendered first names only for fr, de and it, so first names come from those and last names from the regional locale.</summary>
    private sealed class NamePools(DemoRandom random)
    {
        private const int PoolSize = 600;
        private readonly Dictionary<(string Locale, bool Female), string[]> _first = [];
        private readonly Dictionary<string, string[]> _last = new(StringComparer.Ordinal);

        public string[] FirstNames(string locale, bool female)
        {
            if (!_first.TryGetValue((locale, female), out var pool))
            {
                var name = new Name(locale) { Random = new Randomizer(random.NextSeed()) };
                _first[(locale, female)] = pool = Enumerable.Range(0, PoolSize).Select(_ => name.FirstName(female ? Name.Gender.Female : Name.Gender.Male)).ToArray();
            }
            return pool;
        }

        public string[] LastNames(string locale)
        {
            if (!_last.TryGetValue(locale, out var pool))
            {
                var name = new Name(locale) { Random = new Randomizer(random.NextSeed()) };
                _last[locale] = pool = Enumerable.Range(0, PoolSize * 2).Select(_ => name.LastName()).ToArray();
            }
            return pool;
        }
    }

    private sealed record Region(int Id, string Name, string Country, string FirstNameLocale, string LastNameLocale, double CustomerWeight, string[] Cities);
    private sealed record Category(string Name, int Department, double Weight, double MinPrice, double MaxPrice, string[] Brands, string[] Series, string[] Models);
    private readonly record struct StorePlan(string Name, string City, int RegionId, string Type, int OpenDay, double Weight);
    private readonly record struct ProductPlan(string Name, int Category, string Brand, long PriceCents, long CostCents, int LaunchDay, double Popularity);
    private readonly record struct CustomerPlan(int Region, int SignupDay, int Segment, int Tier);
    private readonly record struct CampaignPlan(string Name, string Channel, int StartDay, int EndDay, long BudgetCents, int DiscountPermille, bool IsBlackFriday);
}

/// <summary>An order plus what its lines depend on.</summary>
internal readonly record struct GeneratedOrder(OrderRow Row, int Day, int Segment, int Tier, bool Outlet, int CampaignDiscountPermille);

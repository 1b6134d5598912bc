namespace NlAnalytics.Core.Offline;

/// <summary>Every English word the offline writer knows. Generic vocabulary only: no table, column or value of any particular database.</summary>
internal static class EnglishLexicon
{
    public static Lexicon Instance { get; } = Build();

    private static Lexicon Build()
    {
        var cues = new Dictionary<string, Cue>();
        void Add(CueKind kind, string? argument, params string[] phrases)
        {
            foreach (var phrase in phrases) cues[phrase] = new Cue(kind, argument);
        }

        Add(CueKind.Count, null, "how many", "number of", "count", "count of", "counts", "amount of", "nb of", "num of", "tally");
        Add(CueKind.Sum, null, "total", "sum", "sum of", "total of", "overall", "combined", "totals");
        Add(CueKind.Cumulative, null, "cumulative", "cumulated", "accumulated", "running total", "running sum");
        Add(CueKind.Average, null, "average", "avg", "mean", "typical", "averages");
        Add(CueKind.Min, null, "minimum", "min", "smallest", "earliest", "lowest value");
        Add(CueKind.Max, null, "maximum", "max", "latest value", "highest value");
        // Superlatives and comparatives that also say which kind of column they rank by.
        Add(CueKind.Highest, "price cost", "most expensive", "priciest", "dearest");
        Add(CueKind.Lowest, "price cost", "cheapest", "least expensive");
        Add(CueKind.Highest, "duration length", "longest");
        Add(CueKind.Highest, "weight", "heaviest");
        Add(CueKind.Lowest, "weight", "lightest");
        Add(CueKind.Lowest, "duration length", "shortest");
        Add(CueKind.Distinct, null, "distinct", "unique", "different");
        Add(CueKind.GroupBy, null, "by", "per", "for each", "for every", "each", "every", "broken down by", "split by", "grouped by", "group by", "across", "in each", "for all", "breakdown by", "breakdown of", "by each", "according to");
        Add(CueKind.Top, null, "top", "best", "first", "best selling", "top selling", "bestselling", "best sellers", "best seller");
        Add(CueKind.Bottom, null, "bottom", "worst");
        Add(CueKind.Most, null, "most", "most common", "most frequent", "most popular", "most used");
        Add(CueKind.Least, null, "least", "fewest", "least common", "least popular", "least used", "least frequent");
        Add(CueKind.Highest, null, "highest", "greatest", "largest", "biggest", "best performing", "top performing", "leading");
        Add(CueKind.Lowest, null, "lowest", "smallest", "worst performing", "weakest");
        Add(CueKind.Ascending, null, "ascending", "increasing order", "lowest first", "smallest first");
        Add(CueKind.Descending, null, "descending", "decreasing order", "highest first", "largest first");
        Add(CueKind.Greater, null, "more than", "greater than", "over", "above", "higher than", "larger than", "bigger than", "exceeding", "exceeds", "later than", "in excess of", ">");
        Add(CueKind.Greater, "duration length", "longer than");
        Add(CueKind.Greater, "weight", "heavier than");
        Add(CueKind.Less, "weight", "lighter than");
        Add(CueKind.Greater, "price cost", "more expensive than", "pricier than");
        Add(CueKind.Less, null, "less than", "fewer than", "under", "below", "lower than", "smaller than", "earlier than", "<");
        Add(CueKind.Less, "duration length", "shorter than");
        Add(CueKind.Less, "price cost", "cheaper than", "less expensive than");
        Add(CueKind.AtLeast, null, "at least", "no less than", "minimum of", "or more", ">=");
        Add(CueKind.AtMost, null, "at most", "no more than", "maximum of", "up to", "or less", "or fewer", "<=");
        Add(CueKind.Between, null, "between");
        Add(CueKind.Equal, null, "equal to", "exactly", "equals", "=");
        Add(CueKind.And, null, "and", "&", "or", "vs", "versus", "compared to", "compared with", "against");
        Add(CueKind.Not, null, "not", "excluding", "except", "except for", "other than", "outside", "outside of", "apart from", "without", "non", "exclude", "excluded", "besides", "isn t", "aren t", "don t", "doesn t", "no");
        Add(CueKind.Share, null, "share of", "share", "percentage of", "percentage", "percent of", "percent", "proportion of", "proportion", "fraction of", "fraction", "what percent", "what share", "pct", "%");
        Add(CueKind.Ratio, null, "ratio of", "ratio", "ratio between");
        Add(CueKind.Growth, null, "growth", "growth of", "change in", "change of", "change", "grow", "grew", "increase in", "increase", "increased", "decrease", "decreased", "decline", "evolution", "evolve", "evolved", "difference", "difference in");
        Add(CueKind.Compare, null, "compare", "compared", "comparison");
        Add(CueKind.Since, null, "since", "starting", "starting in", "starting from", "onwards", "or later", "and later", "from then on");
        Add(CueKind.After, null, "after");
        Add(CueKind.Before, null, "before", "prior to", "until", "up until", "till");
        Add(CueKind.From, null, "from");
        Add(CueKind.To, null, "to", "through", "thru", "until");
        Add(CueKind.During, null, "in", "during", "for", "in year", "of", "at", "on", "within");
        Add(CueKind.Last, null, "last", "past", "previous", "preceding", "recent");
        Add(CueKind.This, null, "this", "current", "so far this", "this past");
        Add(CueKind.Latest, null, "latest", "most recent", "newest", "last available");
        Add(CueKind.Grain, "day", "day", "days", "date", "dates");
        Add(CueKind.Grain, "weekday", "weekday", "weekdays", "day of the week", "days of the week", "day of week", "week day", "week days");
        Add(CueKind.Grain, "week", "week", "weeks");
        Add(CueKind.Grain, "month", "month", "months");
        Add(CueKind.Grain, "quarter", "quarter", "quarters");
        Add(CueKind.Grain, "year", "year", "years");
        Add(CueKind.GrainAdjective, "day", "daily", "day by day", "per day");
        Add(CueKind.GrainAdjective, "weekday", "per day of the week");
        Add(CueKind.GrainAdjective, "week", "weekly", "week by week", "per week");
        Add(CueKind.GrainAdjective, "month", "monthly", "month by month", "per month");
        // A series with each period's change from the one before (LAG), not a filter on "the previous month".
        foreach (var grain in new[] { "day", "week", "month", "quarter", "year" })
            Add(CueKind.PeriodOverPeriod, grain, $"{grain} over {grain}", $"{grain} on {grain}", $"{grain} to {grain}", $"from one {grain} to the next",
                $"from the previous {grain}", $"compared with the previous {grain}", $"compared to the previous {grain}", $"versus the previous {grain}",
                $"vs the previous {grain}", $"over the previous {grain}", $"on the previous {grain}");
        Add(CueKind.GrainAdjective, "quarter", "quarterly", "quarter by quarter", "per quarter");
        Add(CueKind.GrainAdjective, "year", "yearly", "annual", "annually", "year by year", "per year", "each year", "every year");
        Add(CueKind.OverTime, null, "over time", "trend", "trends", "evolution over time", "time series", "history", "historical", "over the years");
        string[] months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
        for (var m = 0; m < 12; m++)
        {
            Add(CueKind.Month, (m + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), months[m]);
            if (months[m].Length > 4) Add(CueKind.Month, (m + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), months[m][..3]);
        }
        Add(CueKind.Month, "9", "sept");
        Add(CueKind.Quarter, "1", "q1", "first quarter", "1st quarter");
        Add(CueKind.Quarter, "2", "q2", "second quarter", "2nd quarter");
        Add(CueKind.Quarter, "3", "q3", "third quarter", "3rd quarter");
        Add(CueKind.Quarter, "4", "q4", "fourth quarter", "4th quarter", "last quarter of");
        Add(CueKind.Chart, "line", "line chart", "line graph", "as a line", "line", "lines", "curve");
        Add(CueKind.Chart, "bar", "bar chart", "bar graph", "bars", "histogram", "column chart", "as bars");
        Add(CueKind.Chart, "donut", "pie chart", "pie", "donut", "doughnut", "donut chart");
        Add(CueKind.Chart, "table", "as a table", "table view", "in a table");
        Add(CueKind.Chart, "scatter", "scatter", "scatter plot");
        Add(CueKind.Only, null, "only", "just", "solely", "exclusively", "restricted to", "limited to", "filter to", "filtered to");
        Add(CueKind.Instead, null, "instead", "rather", "instead of");
        Add(CueKind.Also, null, "also", "as well", "too", "additionally");
        Add(CueKind.List, null, "list", "list of", "show", "show me", "display", "give me", "names of", "name the", "list all", "all");
        Add(CueKind.Which, null, "which", "what", "who", "whose");
        Add(CueKind.When, null, "when", "what date", "which date", "since when");
        Add(CueKind.Unit, "60", "minute", "minutes", "mins");
        Add(CueKind.Unit, "3600", "hour", "hours", "hrs");
        Add(CueKind.FollowUp, null, "what about", "how about", "and what about", "and for", "same for", "same but", "same thing for", "now for", "now", "then");
        Add(CueKind.Multiplier, "1000", "thousand", "k");
        Add(CueKind.Multiplier, "1000000", "million", "millions", "m", "mio");
        Add(CueKind.Multiplier, "1000000000", "billion", "billions", "bn");
        string[] numbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];
        for (var n = 0; n < numbers.Length; n++) Add(CueKind.NumberWord, n.ToString(System.Globalization.CultureInfo.InvariantCulture), numbers[n]);
        Add(CueKind.NumberWord, "30", "thirty");
        Add(CueKind.NumberWord, "50", "fifty");
        Add(CueKind.NumberWord, "100", "hundred", "a hundred");
        Add(CueKind.Percent, null, "percent", "per cent");
        Add(CueKind.With, null, "with", "having", "that have", "who have", "which have", "where", "whose", "that", "who", "whom");

        return new Lexicon
        {
            Language = "en",
            Cues = cues,
            Stopwords = new HashSet<string>(
            [
                "the", "a", "an", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have", "has", "had",
                "what", "which", "me", "us", "i", "we", "you", "please", "can", "could", "would", "will", "shall", "should", "tell",
                "give", "show", "find", "get", "return", "display", "there", "their", "its", "it", "they", "them", "our", "my", "your",
                "value", "values", "figure", "figures", "data", "number", "numbers", "amount", "level", "levels", "overall", "all", "any",
                "as", "so", "far", "about", "into", "out", "up", "if", "how", "much", "many", "this", "that", "these", "those", "some",
                "per", "s", "t", "whole", "entire", "respectively", "currently", "ever", "recorded", "registered", "exist", "exists",
                "existing", "made", "make", "happened", "got", "counted", "here", "again", "same", "well", "ok", "okay", "hi", "hello",
                "thanks", "thank", "know", "want", "like", "see", "look", "looking", "need", "let", "lets", "let's", "view", "chart",
                "graph", "plot", "visualize", "visualise", "breakdown", "sorted", "sort", "order", "ordered", "rank", "ranked", "ranking",
                "along", "together", "including", "included", "both", "when", "where", "why", "each", "one", "ones", "result", "results",
                "answer", "time", "period", "periods", "overview", "summary", "statistics", "stats", "info", "information", "details",
                "record", "records", "row", "rows", "entries", "entry", "kind", "kinds", "type", "types", "category", "goods",
                "level", "group", "groups", "by", "than", "please", "just", "actually", "really", "currently", "altogether", "in", "of",
                "on", "at", "for", "to", "from", "with", "and", "or", "also", "them", "then", "now", "again", "instead", "only",
                // Verbs that link the words that matter without adding a condition of their own.
                "ran", "run", "runs", "placed", "place", "made", "generated", "generate", "brought", "bring", "brings", "received", "receive",
                "took", "take", "came", "come", "comes", "happened", "occurred", "live", "lives", "living", "lived", "studied", "study",
                "linked", "associated", "attributed", "related", "connected", "used", "belong", "belongs", "carry", "carried", "offer",
                "offered", "list", "dataset", "database", "table", "catalogue", "catalog", "we", "our", "ours", "company", "currently",
                "go", "goes", "went", "got", "get", "gets", "hold", "holds", "contain", "contains", "appear", "appears", "exist",
            ]),
            Synonyms = WithCountryCodes(new Dictionary<string, string[]>
            {
                ["revenue"] = ["amount", "turnover", "income"],
                ["income"] = ["revenue", "amount"],
                ["earnings"] = ["revenue", "amount"],
                ["film"] = ["movie"],
                ["films"] = ["movie"],
                ["movie"] = ["film"],
                ["writer"] = ["author"],
                ["writers"] = ["author"],
                ["author"] = ["writer"],
                ["employee"] = ["staff"],
                ["employees"] = ["staff"],
                ["staff"] = ["employee"],
                ["price"] = ["cost"],
                ["prices"] = ["cost"],
                ["cost"] = ["price"],
                ["length"] = ["duration"],
                ["long"] = ["duration", "length"],
                ["duration"] = ["length"],
                ["kind"] = ["type", "category"],
                ["domestic"] = ["local"],
                ["title"] = ["name"],
                ["spent"] = ["amount", "revenue"],
                ["spend"] = ["amount", "revenue"],
                ["spending"] = ["amount", "revenue"],
                ["bought"] = ["order", "purchase"],
                ["purchased"] = ["order", "purchase"],
                ["ordered"] = ["order"],
                ["titles"] = ["name"],
                ["money"] = ["amount"],
            }),
            NonAdditive = new HashSet<string>(["price", "rate", "ratio", "fraction", "percent", "percentage", "pct", "age", "score", "rating", "temperature", "margin", "avg", "average", "mean", "duration", "length", "latitude", "longitude", "lat", "lon", "grade", "rank"]),
            CountCommentMarkers = ["number of", "count of", "headcount", "how many", "total count"],
            AggregateTableWords = new HashSet<string>(["stat", "stats", "statistic", "statistics", "summary", "summaries", "aggregate", "aggregates", "totals", "counts", "figures", "headcount"]),
        };
    }

    /// <summary>
    /// Country names in English and their ISO 3166 alpha-2 codes: a country column often holds the code, so the
    /// name in a question ("other than Norway") has to be looked up as "no". Common single-word names only.
    /// </summary>
    private static Dictionary<string, string[]> WithCountryCodes(Dictionary<string, string[]> synonyms)
    {
        // A local, not a static field: the lexicon is built from a static initializer that runs first.
        (string Name, string Code)[] countries =
        [
        ("afghanistan", "af"), ("albania", "al"), ("algeria", "dz"), ("andorra", "ad"), ("angola", "ao"), ("argentina", "ar"),
        ("armenia", "am"), ("australia", "au"), ("austria", "at"), ("azerbaijan", "az"), ("bangladesh", "bd"), ("belarus", "by"),
        ("belgium", "be"), ("bolivia", "bo"), ("bosnia", "ba"), ("brazil", "br"), ("bulgaria", "bg"), ("cambodia", "kh"),
        ("cameroon", "cm"), ("canada", "ca"), ("chile", "cl"), ("china", "cn"), ("colombia", "co"), ("croatia", "hr"),
        ("cuba", "cu"), ("cyprus", "cy"), ("czechia", "cz"), ("denmark", "dk"), ("ecuador", "ec"), ("egypt", "eg"),
        ("estonia", "ee"), ("ethiopia", "et"), ("finland", "fi"), ("france", "fr"), ("georgia", "ge"), ("germany", "de"),
        ("ghana", "gh"), ("greece", "gr"), ("hungary", "hu"), ("iceland", "is"), ("india", "in"), ("indonesia", "id"),
        ("iran", "ir"), ("iraq", "iq"), ("ireland", "ie"), ("israel", "il"), ("italy", "it"), ("japan", "jp"),
        ("jordan", "jo"), ("kazakhstan", "kz"), ("kenya", "ke"), ("kosovo", "xk"), ("latvia", "lv"), ("lebanon", "lb"),
        ("liechtenstein", "li"), ("lithuania", "lt"), ("luxembourg", "lu"), ("malaysia", "my"), ("malta", "mt"), ("mexico", "mx"),
        ("moldova", "md"), ("monaco", "mc"), ("montenegro", "me"), ("morocco", "ma"), ("nepal", "np"), ("netherlands", "nl"),
        ("holland", "nl"), ("nigeria", "ng"), ("norway", "no"), ("pakistan", "pk"), ("peru", "pe"), ("philippines", "ph"),
        ("poland", "pl"), ("portugal", "pt"), ("qatar", "qa"), ("romania", "ro"), ("russia", "ru"), ("serbia", "rs"),
        ("singapore", "sg"), ("slovakia", "sk"), ("slovenia", "si"), ("spain", "es"), ("sweden", "se"), ("switzerland", "ch"),
        ("taiwan", "tw"), ("thailand", "th"), ("tunisia", "tn"), ("turkey", "tr"), ("ukraine", "ua"), ("uruguay", "uy"),
        ("venezuela", "ve"), ("vietnam", "vn"), ("britain", "gb"), ("uk", "gb"), ("usa", "us"), ("america", "us"),
        ];
        foreach (var (name, code) in countries) synonyms.TryAdd(name, [code]);
        return synonyms;
    }
}

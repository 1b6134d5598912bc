using System.Globalization;

namespace NlAnalytics.Core.Execution;

/// <summary>
/// Maps PostgreSQL's text output to simple CLR values. Results are read in text format so that any type,
/// including ones Npgsql cannot map (extension types, odd arrays), comes back as something showable; the
/// executor pins DateStyle ISO and TimeZone UTC so dates parse predictably. Values that do not fit the
/// CLR type (numeric beyond decimal, 'infinity' dates, BC dates) stay as PostgreSQL wrote them.
/// </summary>
internal static class PostgresText
{
    private const uint Bool = 16, Int8 = 20, Int2 = 21, Int4 = 23, Oid = 26, Float4 = 700, Float8 = 701,
        Numeric = 1700, Date = 1082, Timestamp = 1114, TimestampTz = 1184;

    private static readonly string[] TimestampFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF"];

    private static readonly string[] TimestampTzFormats =
        ["yyyy-MM-dd HH:mm:sszz", "yyyy-MM-dd HH:mm:ss.FFFFFFzz", "yyyy-MM-dd HH:mm:sszzz", "yyyy-MM-dd HH:mm:ss.FFFFFFzzz"];

    public static object ToClr(uint typeOid, string text)
    {
        var invariant = CultureInfo.InvariantCulture;
        switch (typeOid)
        {
            case Bool:
                return text == "t";
            case Int2 or Int4 or Int8 or Oid when long.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var integer):
                return integer;
            case Numeric when decimal.TryParse(text, NumberStyles.Number, invariant, out var number):
                return number;
            case Numeric or Float4 or Float8 when double.TryParse(text, NumberStyles.Float, invariant, out var real):
                return real;
            case Date when DateOnly.TryParseExact(text, "yyyy-MM-dd", invariant, DateTimeStyles.None, out var date):
                return date;
            case Timestamp when DateTime.TryParseExact(text, TimestampFormats, invariant, DateTimeStyles.None, out var timestamp):
                return timestamp;
            case TimestampTz when DateTimeOffset.TryParseExact(text, TimestampTzFormats, invariant, DateTimeStyles.None, out var instant):
                return instant.UtcDateTime;
            default:
                return text;
        }
    }
}

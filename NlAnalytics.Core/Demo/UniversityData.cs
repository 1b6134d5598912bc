namespace NlAnalytics.Core.Demo;

internal readonly record struct FacultyRow(string FacultyCode, string Name);
internal readonly record struct EnrollmentRow(int EnrollmentId, int Year, string FacultyCode, string Sex, string Nationality, int Students);

/// <summary>
/// Enrollments shaped like the University of Lausanne statistics. FBM totals are the published figures
/// and are exact; the other faculties follow plausible trends with a little seeded noise. Each yearly
/// total is split by sex and nationality with integer arithmetic so the four cells add up exactly.
/// </summary>
internal sealed class UniversityData(int seed)
{
    public const int FirstYear = 2011;
    public const int LastYear = 2021;

    public static readonly IReadOnlyList<int> FbmTotals = [2604, 2725, 2854, 2969, 3023, 3220, 3368, 3481, 3688, 3983, 4108];

    /// <summary>(code, name, total in 2011, total in 2021, female share 2011 and 2021, foreign share).</summary>
    private static readonly (string Code, string Name, int From, int To, double FemaleFrom, double FemaleTo, double Foreign)[] FacultyList =
    [
        ("FBM", "Faculty of Biology and Medicine", 2604, 4108, 0.58, 0.64, 0.17),
        ("HEC", "Faculty of Business and Economics", 2380, 3240, 0.38, 0.44, 0.34),
        ("FTSR", "Faculty of Theology and Religious Studies", 260, 205, 0.46, 0.50, 0.30),
        ("Lettres", "Faculty of Arts", 2350, 2080, 0.64, 0.62, 0.16),
        ("SSP", "Faculty of Social and Political Sciences", 2420, 3010, 0.62, 0.65, 0.19),
        ("FDCA", "Faculty of Law, Criminal Justice and Public Administration", 1780, 2260, 0.57, 0.63, 0.14),
        ("FGSE", "Faculty of Geosciences and Environment", 690, 1120, 0.47, 0.53, 0.21),
    ];

    public static int FacultyCount => FacultyList.Length;
    public static int EnrollmentCount => FacultyList.Length * (LastYear - FirstYear + 1) * 4;

    public static IEnumerable<FacultyRow> Faculties() => FacultyList.Select(f => new FacultyRow(f.Code, f.Name));

    public IEnumerable<EnrollmentRow> Enrollments()
    {
        var random = new DemoRandom(seed, "university.enrollments");
        var id = 0;
        for (var year = FirstYear; year <= LastYear; year++)
        {
            var t = (year - FirstYear) / (double)(LastYear - FirstYear);
            foreach (var f in FacultyList)
            {
                var total = f.Code == "FBM"
                    ? FbmTotals[year - FirstYear]
                    : (int)Math.Round((f.From + (f.To - f.From) * t) * (1 + 0.02 * random.Bell()));
                var female = (int)Math.Round(total * (f.FemaleFrom + (f.FemaleTo - f.FemaleFrom) * t + 0.01 * random.Bell()));
                var male = total - female;
                var foreignShare = f.Foreign + 0.015 * random.Bell();
                var femaleForeign = (int)Math.Round(female * foreignShare);
                var maleForeign = (int)Math.Round(male * foreignShare);
                yield return new EnrollmentRow(++id, year, f.Code, "female", "Swiss", female - femaleForeign);
                yield return new EnrollmentRow(++id, year, f.Code, "female", "Foreign", femaleForeign);
                yield return new EnrollmentRow(++id, year, f.Code, "male", "Swiss", male - maleForeign);
                yield return new EnrollmentRow(++id, year, f.Code, "male", "Foreign", maleForeign);
            }
        }
    }
}

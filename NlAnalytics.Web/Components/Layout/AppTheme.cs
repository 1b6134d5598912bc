using MudBlazor;

namespace NlAnalytics.Web.Components.Layout;

/// <summary>The app's MudBlazor theme: the system font stack (no web font is fetched) and calm palettes for light and dark.</summary>
public static class AppTheme
{
    private static readonly string[] SystemFonts =
        ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Noto Sans", "Liberation Sans", "Arial", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
            H1 = new H1Typography { FontFamily = SystemFonts },
            H2 = new H2Typography { FontFamily = SystemFonts },
            H3 = new H3Typography { FontFamily = SystemFonts },
            H4 = new H4Typography { FontFamily = SystemFonts },
            H5 = new H5Typography { FontFamily = SystemFonts },
            H6 = new H6Typography { FontFamily = SystemFonts },
            Subtitle1 = new Subtitle1Typography { FontFamily = SystemFonts },
            Subtitle2 = new Subtitle2Typography { FontFamily = SystemFonts },
            Body1 = new Body1Typography { FontFamily = SystemFonts },
            Body2 = new Body2Typography { FontFamily = SystemFonts },
            Button = new ButtonTypography { FontFamily = SystemFonts, TextTransform = "none" },
            Caption = new CaptionTypography { FontFamily = SystemFonts },
            Overline = new OverlineTypography { FontFamily = SystemFonts },
        },
        PaletteLight = new PaletteLight
        {
            Primary = "#3b6fd4",
            AppbarBackground = "#ffffff",
            AppbarText = "#263238",
            Background = "#f6f7f9",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7aa2f7",
            AppbarBackground = "#1e1f24",
            Background = "#16171b",
            Surface = "#202127",
            DrawerBackground = "#1b1c21",
            DrawerText = "#e3e5ea",
            DrawerIcon = "#a9adb8",
            AppbarText = "#e3e5ea",
            TextPrimary = "#e3e5ea",
            TextSecondary = "#a9adb8",
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "260px", AppbarHeight = "56px" },
    };

    /// <summary>Chart colours that keep their contrast on either background.</summary>
    public static IReadOnlyList<string> ChartColors(bool dark) => dark
        ? ["#7aa2f7", "#f6a96b", "#73d0a4", "#e58fb3", "#c3a6f5", "#e6cf6a", "#6cc6d9", "#b5b5b5"]
        : ["#3b6fd4", "#e07b39", "#2f9e6e", "#c9507e", "#7d5bd0", "#b79a1f", "#2b97ad", "#707070"];
}

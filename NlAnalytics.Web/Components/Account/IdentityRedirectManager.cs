using Microsoft.AspNetCore.Components;

namespace NlAnalytics.Web.Components.Account;

/// <summary>Redirects from static server-rendered account pages, refusing anything that would leave the site.</summary>
internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public void RedirectTo(string? uri) => navigationManager.NavigateTo(LocalOrRoot(uri));

    /// <summary>Only site-relative paths are followed ("/x", not "//host" or "/\host"), so a ReturnUrl cannot send users elsewhere.</summary>
    public static string LocalOrRoot(string? uri)
    {
        if (string.IsNullOrEmpty(uri) || uri[0] != '/')
            return "/";
        if (uri.Length > 1 && (uri[1] == '/' || uri[1] == '\\'))
            return "/";
        return uri;
    }
}

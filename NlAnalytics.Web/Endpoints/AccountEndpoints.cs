using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Components.Account;

namespace NlAnalytics.Web.Endpoints;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/account");
        group.MapPost("/logout", LogoutAsync).RequireAuthorization();
        return endpoints;
    }

    // Binding a form value makes the endpoint validate the antiforgery token, so another site cannot sign users out.
    // A new security stamp makes every copy of this account's cookie invalid (one captured earlier too, on any
    // device): a cookie alone cannot be revoked, and the stamp is what each one is checked against.
    private static async Task<RedirectHttpResult> LogoutAsync(
        SignInManager<AppUser> signInManager, HttpContext context, [FromForm] string? returnUrl)
    {
        var user = await signInManager.UserManager.GetUserAsync(context.User);
        if (user is not null)
            await signInManager.UserManager.UpdateSecurityStampAsync(user);
        await signInManager.SignOutAsync();
        var target = IdentityRedirectManager.LocalOrRoot(returnUrl);
        return TypedResults.LocalRedirect(target == "/" ? "/account/login" : $"/account/login?ReturnUrl={Uri.EscapeDataString(target)}");
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Web.Endpoints;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/account");
        group.MapPost("/logout", LogoutAsync).RequireAuthorization();
        return endpoints;
    }

    private static async Task<RedirectHttpResult> LogoutAsync(SignInManager<AppUser> signInManager)
    {
        await signInManager.SignOutAsync();
        return TypedResults.Redirect("/account/login");
    }
}

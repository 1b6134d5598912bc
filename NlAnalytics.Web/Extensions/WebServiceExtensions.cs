using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Components.Account;
using MudBlazor;
using MudBlazor.Services;
using NlAnalytics.Web.Components.Layout;
using NlAnalytics.Web.Security;
using NlAnalytics.Web.Endpoints;

namespace NlAnalytics.Web.Extensions;

public static class WebServiceExtensions
{
    public const string AdminRole = NlAnalytics.Core.Data.AppRoles.Admin;
    public const string AnalystRole = NlAnalytics.Core.Data.AppRoles.Analyst;

    public static WebApplicationBuilder AddWebServices(this WebApplicationBuilder builder)
    {
        // `dotnet run` without a launch profile is the Production environment, where static assets of packages
        // (_content/MudBlazor, _content/Plotly.Blazor) are only served after publish. Reading the build's manifest in every
        // environment fixes that; a published app has no such manifest and this does nothing.
        builder.WebHost.UseStaticWebAssets();

        // At Debug, SignalR logs every hub message: in Blazor Server that is what people type into the page (connection
        // strings with passwords on the Sources page, questions in the chat). Never below Information, whatever the configuration says.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Information);

        var services = builder.Services;
        services.AddOptions<AppOptions>().BindConfiguration(AppOptions.SectionName);
        services.AddSecurityHeaders(builder.Configuration);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            options.SnackbarConfiguration.VisibleStateDuration = 2500;
        });
        services.AddSingleton<ThemePreference>();
        // The evaluation workspace offers the development sets of the repository the app runs from (never the locked ones).
        var repository = SharedDefaults.RepositoryRoot(builder.Environment);
        services.PostConfigure<NlAnalytics.Core.Evaluation.EvaluationOptions>(options =>
            options.ShippedSetsFolder ??= repository is null ? null : Path.Combine(repository, "benchmarks", "dev"));
        // Here rather than with the endpoints: the pipeline (UseRateLimiter) needs it wherever the app is composed.
        services.AddAnswerRateLimiting();

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<AccountRegistration>();
        services.AddScoped<Invitations>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<PasswordReset>();
        services.AddOptions<DataProtectionTokenProviderOptions>().Configure<Microsoft.Extensions.Options.IOptions<AuthOptions>>(
            (tokens, auth) => tokens.TokenLifespan = TimeSpan.FromMinutes(auth.Value.PasswordResetMinutes));
        services.AddScoped<AccountSignIn>();
        services.AddSingleton<UnknownAddressLockout>();
        // A cookie re-checks its security stamp (and that the account is enabled) this often, so a sign-out, a password
        // change, a disable or a forced sign-out ends every session of that account within it.
        services.AddOptions<SecurityStampValidatorOptions>().Configure<Microsoft.Extensions.Options.IOptions<AuthOptions>>(
            (stamp, auth) => stamp.ValidationInterval = TimeSpan.FromSeconds(auth.Value.SessionCheckSeconds));
        // Runs after the Core platform start-up (registered earlier), so the database is migrated when roles are ensured.
        services.AddHostedService<RoleSetup>();

        services.AddAuthentication(options =>
        {
            // Cookies, or X-API-Key when a request sends one (NlAnalytics.Web.Security.ApiKeyAuthentication).
            options.DefaultScheme = NlAnalytics.Web.Security.ApiKeyAuthentication.SelectorScheme;
            options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
        }).AddApiKeys().AddIdentityCookies();
        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/account/login";
            options.AccessDeniedPath = "/account/denied";
            options.Cookie.Name = "NlAnalytics.Auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            SessionRevocations.Guard(options);
        });
        services.AddSingleton<SessionRevocations>();
        // The antiforgery cookie is not Secure by default even over HTTPS: behind a TLS proxy it is, like the others.
        services.Configure<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>(options =>
            options.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest);

        services.AddIdentityCore<AppUser>(options =>
            {
                // OWASP ASVS 5: at least 8 characters, no composition rules, long passphrases allowed
                // (the forms cap input at AccountPolicy.MaxPasswordLength).
                options.Password.RequiredLength = AccountPolicy.MinPasswordLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
                options.Lockout.MaxFailedAccessAttempts = AccountPolicy.MaxFailedAttempts;
                options.Lockout.DefaultLockoutTimeSpan = AccountPolicy.LockoutDuration;
                options.Lockout.AllowedForNewUsers = true;
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedAccount = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddPasswordValidator<CommonPasswordValidator>()
            .AddUserManager<AppUserManager>()
            .AddSignInManager<AppSignInManager>()
            .AddDefaultTokenProviders();

        services.AddAuthorizationBuilder()
            .AddPolicy(AdminRole, policy => policy.RequireRole(AdminRole))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    public static WebApplication UseWebPipeline(this WebApplication app)
    {
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseOutagePage();
        app.UseSecurityHeaders();
        app.UseMiddleware<CircuitOriginCheck>();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authentication: the answer limits are per signed-in user.
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }
}

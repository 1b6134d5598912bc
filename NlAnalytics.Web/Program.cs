using NlAnalytics.Core;
using NlAnalytics.Web.Cli;
using NlAnalytics.Web.Endpoints;
using NlAnalytics.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddSharedDefaults();
builder.AddNlAnalyticsCore();
builder.AddWebServices();
builder.Services.AddApiEndpoints();

if (CliVerbs.IsCliInvocation(args))
    return await CliVerbs.RunAsync(builder, args);

var app = builder.Build();
app.UseNlAnalyticsApp();
await app.RunAsync();
return 0;

public partial class Program;

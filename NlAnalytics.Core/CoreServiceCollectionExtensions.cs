using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using NlAnalytics.Core.Access;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Demo;
using NlAnalytics.Core.Evaluation;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Offline;
using NlAnalytics.Core.Retrieval;
using NlAnalytics.Core.Samples;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Core.Knowledge;
using NlAnalytics.Core.Semantics;
using NlAnalytics.Core.Sources;
using NlAnalytics.Core.Uploads;

namespace NlAnalytics.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Registers every Core capability: platform databases, app database, data sources and the analyst pipeline.</summary>
    public static IHostApplicationBuilder AddNlAnalyticsCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<EmbeddedPostgresOptions>().BindConfiguration(EmbeddedPostgresOptions.SectionName);
        services.AddSingleton<PlatformDatabases>();
        services.AddHostedService<PlatformStartup>();
        // Right after the platform: it notes where the change table stands before the services below load their copies.
        services.AddOptions<SharedChangeOptions>().BindConfiguration(SharedChangeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SharedChanges>();
        services.AddHostedService<SharedChangeFollower>();

        services.AddSingleton<IDbContextFactory<AppDbContext>, AppDbContextFactory>();
        // Identity's stores take a scoped context; everything else uses the factory (one context per operation).
        services.AddScoped(provider => provider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        // Here rather than in AddCatalog: the catalog works without an app database (tests, CLI), this needs one.
        services.AddSingleton<JoinKeyDecisionStore>();

        services.AddDataProtection().SetApplicationName("NlAnalytics");
        services.AddSingleton<DataProtectionKeyRepository>();
        services.AddOptions<KeyManagementOptions>().Configure<DataProtectionKeyRepository>((options, repository) => options.XmlRepository = repository);

        services.AddOptions<List<DataSourceOptions>>().BindConfiguration(DataSourceOptions.SectionName);
        services.AddSingleton<DemoDataSourceHolder>();
        services.AddSingleton<StoredDataSourceHolder>();
        services.AddSingleton<IDataSourceRegistry, DataSourceRegistry>();
        services.AddOptions<SourceAccessOptions>().BindConfiguration(SourceAccessOptions.SectionName);
        services.AddSingleton<SourceAccess>();
        services.AddSingleton<ISourceAccess>(provider => provider.GetRequiredService<SourceAccess>());
        services.AddSingleton<DataSourceProbe>();
        services.AddSingleton<DataSourceAdministration>();
        services.AddSingleton<ISharedChangeHandler>(provider => provider.GetRequiredService<DataSourceAdministration>());
        services.AddHostedService<StoredDataSourceStartup>();
        services.AddSingleton<SourceKnowledge>();
        services.AddSingleton<ISourceKnowledge>(provider => provider.GetRequiredService<SourceKnowledge>());
        services.AddSingleton<ISharedChangeHandler>(provider => provider.GetRequiredService<SourceKnowledge>());
        services.AddHostedService<SourceKnowledgeStartup>();
        services.AddOptions<DocumentOptions>().BindConfiguration(DocumentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SourceDocuments>();
        services.AddSingleton<IDocumentPassages>(provider => provider.GetRequiredService<SourceDocuments>());
        services.AddSingleton<ISharedChangeHandler>(provider => provider.GetRequiredService<SourceDocuments>());
        services.AddHostedService<SourceDocumentsStartup>();
        services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UploadedSourceHolder>();
        services.AddSingleton<UploadService>();
        services.AddSingleton<ISharedChangeHandler>(provider => provider.GetRequiredService<UploadService>());
        services.AddSingleton<Dashboards.SavedQuestions>();
        services.AddSingleton<Dashboards.DashboardService>();
        services.AddHostedService<UploadStartup>();

        services.AddDemoWarehouse();
        services.AddSingleton<DemoStatus>();
        services.AddHostedService<DemoWarehouseStartup>();
        services.AddCatalog();
        services.AddSemantics();
        services.AddSchemaRetrieval();
        services.AddSqlExecution();
        services.AddLlm();
        services.AddAccounting();
        services.AddOfflineAnalyst();
        services.AddAgentTeam();
        services.AddEvaluation();
        services.AddSamples();
        services.AddSingleton<ThreadStore>();
        services.AddSingleton<ManualQueryRunner>();
        services.AddSingleton<AnswerLeases>();
        services.AddSingleton<AnswerRunner>();
        services.AddHostedService<AnswerRecovery>();
        services.AddSingleton<EvaluationRuns>();
        services.AddSingleton<EvaluationExports>();
        services.AddHostedService<EvaluationWorker>();
        services.AddSingleton<ConversationService>();
        services.AddSingleton<AnswerEvents>();
        services.AddSingleton<VerifiedAnswers>();
        services.AddOptions<VerifiedMemoryOptions>().BindConfiguration(VerifiedMemoryOptions.SectionName);
        return builder;
    }
}

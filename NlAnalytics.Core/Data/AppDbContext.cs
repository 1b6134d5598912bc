using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace NlAnalytics.Core.Data;

/// <summary>The app's own database: identity, threads and messages, model calls and costs, verified queries, Data Protection keys.</summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<ChatThread> Threads => Set<ChatThread>();
    public DbSet<ChatMessage> Messages => Set<ChatMessage>();
    public DbSet<LlmCallRow> LlmCalls => Set<LlmCallRow>();
    public DbSet<VerifiedQuery> VerifiedQueries => Set<VerifiedQuery>();
    public DbSet<DataProtectionKeyRow> DataProtectionKeys => Set<DataProtectionKeyRow>();
    public DbSet<TextEmbeddingRow> TextEmbeddings => Set<TextEmbeddingRow>();
    public DbSet<JoinKeyDecision> JoinKeyDecisions => Set<JoinKeyDecision>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<StoredDataSourceRow> DataSources => Set<StoredDataSourceRow>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<UploadRow> Uploads => Set<UploadRow>();
    public DbSet<SourceGrant> SourceGrants => Set<SourceGrant>();
    public DbSet<SourceKnowledgeRow> SourceKnowledge => Set<SourceKnowledgeRow>();
    public DbSet<GlossaryTermRow> GlossaryTerms => Set<GlossaryTermRow>();
    public DbSet<KnowledgeChangeRow> KnowledgeChanges => Set<KnowledgeChangeRow>();
    public DbSet<SavedQuestionRow> SavedQuestions => Set<SavedQuestionRow>();
    public DbSet<DashboardRow> Dashboards => Set<DashboardRow>();
    public DbSet<DashboardCardRow> DashboardCards => Set<DashboardCardRow>();
    public DbSet<DashboardShareRow> DashboardShares => Set<DashboardShareRow>();
    public DbSet<KnowledgeDocumentRow> KnowledgeDocuments => Set<KnowledgeDocumentRow>();
    public DbSet<DocumentPassageRow> DocumentPassages => Set<DocumentPassageRow>();
    public DbSet<EvaluationRunRow> EvaluationRuns => Set<EvaluationRunRow>();
    public DbSet<EvaluationCaseRow> EvaluationCases => Set<EvaluationCaseRow>();
    public DbSet<SharedChangeRow> SharedChanges => Set<SharedChangeRow>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<ChatThread>(thread =>
        {
            thread.ToTable("threads");
            thread.Property(t => t.Title).HasMaxLength(200);
            thread.Property(t => t.DataSource).HasMaxLength(200);
            thread.HasIndex(t => new { t.UserId, t.IsArchived, t.UpdatedAt });
            thread.HasOne<AppUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
            thread.HasMany(t => t.Messages).WithOne(m => m.Thread).HasForeignKey(m => m.ThreadId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ChatMessage>(message =>
        {
            message.ToTable("messages");
            message.HasIndex(m => new { m.ThreadId, m.Sequence }).IsUnique();
            message.HasIndex(m => m.ClientRequestId).IsUnique();
            message.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
            message.Property(m => m.Path).HasMaxLength(20);
            foreach (var json in new[] { nameof(ChatMessage.ResultJson), nameof(ChatMessage.ChartJson), nameof(ChatMessage.TablesJson), nameof(ChatMessage.TranscriptJson), nameof(ChatMessage.SuggestionsJson), nameof(ChatMessage.InterpretationJson), nameof(ChatMessage.SourcesJson) })
                message.Property(json).HasColumnType("jsonb");
            message.Property(m => m.CostUsd).HasPrecision(18, 8);
            message.HasMany(m => m.Calls).WithOne().HasForeignKey(c => c.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<LlmCallRow>(call =>
        {
            call.ToTable("llm_calls");
            call.Property(c => c.CostUsd).HasPrecision(18, 8);
            call.Property(c => c.Agent).HasMaxLength(50);
            call.Property(c => c.Model).HasMaxLength(200);
            call.HasIndex(c => new { c.UserId, c.CreatedAt });
            call.HasIndex(c => c.ThreadId);
        });

        builder.Entity<VerifiedQuery>(verified =>
        {
            verified.ToTable("verified_queries");
            verified.HasIndex(v => v.DataSource);
            verified.Property(v => v.OwnerId).HasMaxLength(450);
            verified.Property(v => v.CreatedBy).HasMaxLength(256);
            verified.Property(v => v.ApprovedById).HasMaxLength(450);
            verified.Property(v => v.ApprovedBy).HasMaxLength(256);
        });

        builder.Entity<DataProtectionKeyRow>().ToTable("data_protection_keys");

        builder.Entity<Invitation>(invitation =>
        {
            invitation.ToTable("invitations");
            invitation.Property(i => i.TokenHash).HasMaxLength(64);
            invitation.HasIndex(i => i.TokenHash).IsUnique();
            invitation.Property(i => i.Role).HasMaxLength(256);
            invitation.Property(i => i.Note).HasMaxLength(200);
            invitation.Property(i => i.CreatedBy).HasMaxLength(256);
            invitation.Property(i => i.UsedBy).HasMaxLength(256);
        });

        builder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.Property(k => k.KeyHash).HasMaxLength(64);
            key.HasIndex(k => k.KeyHash).IsUnique();
            key.Property(k => k.Name).HasMaxLength(100);
            key.Property(k => k.UserId).HasMaxLength(450);
            key.HasIndex(k => k.UserId);
            key.HasOne<AppUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<StoredDataSourceRow>(source =>
        {
            source.ToTable("data_sources");
            source.HasKey(s => s.Name);
            source.Property(s => s.Name).HasMaxLength(63);
            source.Property(s => s.DisplayName).HasMaxLength(200);
            source.Property(s => s.CreatedBy).HasMaxLength(256);
            source.Property(s => s.UpdatedBy).HasMaxLength(256);
        });

        builder.Entity<UploadRow>(upload =>
        {
            upload.ToTable("uploads");
            upload.HasKey(u => u.Name);
            upload.Property(u => u.Name).HasMaxLength(63);
            upload.Property(u => u.DisplayName).HasMaxLength(200);
            upload.Property(u => u.FileName).HasMaxLength(260);
            upload.Property(u => u.SchemaName).HasMaxLength(63);
            upload.Property(u => u.TableName).HasMaxLength(63);
            upload.Property(u => u.RoleName).HasMaxLength(63);
            upload.Property(u => u.ColumnsJson).HasColumnType("jsonb");
            upload.HasIndex(u => u.OwnerUserId);
            upload.HasOne<AppUser>().WithMany().HasForeignKey(u => u.OwnerUserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<SourceGrant>(grant =>
        {
            grant.ToTable("source_grants", t => t.HasCheckConstraint("CK_source_grants_one_grantee", "(\"UserId\" IS NULL) <> (\"RoleName\" IS NULL)"));
            grant.Property(g => g.DataSource).HasMaxLength(200);
            grant.Property(g => g.RoleName).HasMaxLength(256);
            grant.Property(g => g.GrantedBy).HasMaxLength(256);
            grant.HasIndex(g => new { g.DataSource, g.UserId }).IsUnique().HasFilter("\"UserId\" IS NOT NULL");
            grant.HasIndex(g => new { g.DataSource, g.RoleName }).IsUnique().HasFilter("\"RoleName\" IS NOT NULL");
            grant.HasIndex(g => g.UserId);
            grant.HasOne<AppUser>().WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<SourceKnowledgeRow>(knowledge =>
        {
            knowledge.ToTable("source_knowledge");
            knowledge.HasKey(k => k.DataSource);
            knowledge.Property(k => k.DataSource).HasMaxLength(200);
            knowledge.Property(k => k.UpdatedBy).HasMaxLength(256);
        });

        builder.Entity<GlossaryTermRow>(term =>
        {
            term.ToTable("glossary_terms");
            term.Property(t => t.DataSource).HasMaxLength(200);
            term.Property(t => t.Term).HasMaxLength(100);
            term.Property(t => t.Kind).HasMaxLength(20);
            term.Property(t => t.TableName).HasMaxLength(200);
            term.Property(t => t.Meaning).HasMaxLength(1000);
            term.Property(t => t.Description).HasMaxLength(500);
            term.Property(t => t.CreatedBy).HasMaxLength(256);
            term.Property(t => t.UpdatedBy).HasMaxLength(256);
            term.HasIndex(t => new { t.DataSource, t.Term }).IsUnique();
        });

        builder.Entity<SharedChangeRow>(change =>
        {
            change.ToTable("shared_changes");
            change.Property(c => c.Kind).HasMaxLength(20);
            change.Property(c => c.DataSource).HasMaxLength(200);
            change.Property(c => c.ChangedAt).HasDefaultValueSql("now()");
            change.HasIndex(c => c.ChangedAt);
        });
        builder.Entity<KnowledgeChangeRow>(change =>
        {
            change.ToTable("knowledge_changes");
            change.Property(c => c.DataSource).HasMaxLength(200);
            change.Property(c => c.Subject).HasMaxLength(20);
            change.Property(c => c.Term).HasMaxLength(100);
            change.Property(c => c.Action).HasMaxLength(20);
            change.Property(c => c.ChangedBy).HasMaxLength(256);
            change.HasIndex(c => new { c.DataSource, c.ChangedAt });
        });

        builder.Entity<SavedQuestionRow>(question =>
        {
            question.ToTable("saved_questions");
            question.Property(q => q.DataSource).HasMaxLength(200);
            question.Property(q => q.Title).HasMaxLength(200);
            question.Property(q => q.ChartType).HasMaxLength(20);
            question.HasIndex(q => q.OwnerId);
            question.HasOne<AppUser>().WithMany().HasForeignKey(q => q.OwnerId).OnDelete(DeleteBehavior.Cascade);
            // The answer and the question it came from may go; the saved question stays.
            question.HasOne<ChatMessage>().WithMany().HasForeignKey(q => q.MessageId).OnDelete(DeleteBehavior.SetNull);
            question.HasOne<SavedQuestionRow>().WithMany().HasForeignKey(q => q.ExploredFromId).OnDelete(DeleteBehavior.SetNull);
        });

        builder.Entity<DashboardRow>(dashboard =>
        {
            dashboard.ToTable("dashboards");
            dashboard.Property(d => d.Title).HasMaxLength(200);
            dashboard.HasIndex(d => d.OwnerId);
            dashboard.HasOne<AppUser>().WithMany().HasForeignKey(d => d.OwnerId).OnDelete(DeleteBehavior.Cascade);
            dashboard.HasMany(d => d.Cards).WithOne().HasForeignKey(c => c.DashboardId).OnDelete(DeleteBehavior.Cascade);
            dashboard.HasMany(d => d.Shares).WithOne().HasForeignKey(s => s.DashboardId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<DashboardCardRow>(card =>
        {
            card.ToTable("dashboard_cards");
            card.HasIndex(c => new { c.DashboardId, c.Position });
            card.HasOne(c => c.SavedQuestion).WithMany().HasForeignKey(c => c.SavedQuestionId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<DashboardShareRow>(share =>
        {
            share.ToTable("dashboard_shares");
            share.HasKey(s => new { s.DashboardId, s.UserId });
            share.HasIndex(s => s.UserId);
            share.HasOne<AppUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<KnowledgeDocumentRow>(document =>
        {
            document.ToTable("knowledge_documents");
            document.Property(d => d.DataSource).HasMaxLength(200);
            document.Property(d => d.Name).HasMaxLength(200);
            document.Property(d => d.Format).HasMaxLength(20);
            document.Property(d => d.Model).HasMaxLength(100);
            document.Property(d => d.UploadedBy).HasMaxLength(256);
            document.HasIndex(d => new { d.DataSource, d.Name }).IsUnique();
            document.HasMany(d => d.Passages).WithOne().HasForeignKey(p => p.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<DocumentPassageRow>(passage =>
        {
            passage.ToTable("document_passages");
            passage.HasIndex(p => new { p.DocumentId, p.Ordinal }).IsUnique();
        });

        builder.Entity<EvaluationRunRow>(run =>
        {
            run.ToTable("evaluation_runs");
            run.Property(r => r.SetName).HasMaxLength(200);
            run.Property(r => r.SetHash).HasMaxLength(64);
            run.Property(r => r.DataSource).HasMaxLength(200);
            run.Property(r => r.Mode).HasMaxLength(20);
            run.Property(r => r.Model).HasMaxLength(200);
            run.Property(r => r.StartedById).HasMaxLength(450);
            run.Property(r => r.StartedBy).HasMaxLength(256);
            run.Property(r => r.Status).HasMaxLength(20);
            run.Property(r => r.SummaryJson).HasColumnType("jsonb");
            run.HasIndex(r => r.CreatedAt);
            run.HasIndex(r => r.Status);
            run.HasMany(r => r.Cases).WithOne().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<EvaluationCaseRow>(item =>
        {
            item.ToTable("evaluation_cases");
            item.HasIndex(c => new { c.RunId, c.Position }).IsUnique();
            item.Property(c => c.CaseId).HasMaxLength(200);
            item.Property(c => c.Tier).HasMaxLength(20);
            item.Property(c => c.FollowupOf).HasMaxLength(200);
            item.Property(c => c.Outcome).HasMaxLength(30);
            item.Property(c => c.Path).HasMaxLength(20);
            item.Property(c => c.CostUsd).HasPrecision(18, 8);
            item.Property(c => c.GoldRowsJson).HasColumnType("jsonb");
            item.Property(c => c.GeneratedRowsJson).HasColumnType("jsonb");
        });

        builder.Entity<TextEmbeddingRow>(embedding =>
        {
            embedding.ToTable("text_embeddings");
            embedding.HasKey(e => new { e.Model, e.TextHash });
            embedding.Property(e => e.Model).HasMaxLength(100);
            embedding.Property(e => e.TextHash).HasMaxLength(64);
        });

        builder.Entity<JoinKeyDecision>(decision =>
        {
            decision.ToTable("join_key_decisions");
            decision.Property(d => d.DataSource).HasMaxLength(200);
            decision.Property(d => d.FromColumn).HasMaxLength(400);
            decision.Property(d => d.ToColumn).HasMaxLength(400);
            decision.Property(d => d.DecidedBy).HasMaxLength(256);
            decision.HasIndex(d => new { d.DataSource, d.FromColumn, d.ToColumn }).IsUnique();
        });
    }
}

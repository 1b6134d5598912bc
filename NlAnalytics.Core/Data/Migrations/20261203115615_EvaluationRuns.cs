using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace NlAnalytics.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class EvaluationRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "evaluation_runs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SetName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    SetHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SetText = table.Column<string>(type: "text", nullable: false),
                    DataSource = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Mode = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    StartedById = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    StartedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Total = table.Column<int>(type: "integer", nullable: false),
                    Done = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Message = table.Column<string>(type: "text", nullable: true),
                    SummaryJson = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_evaluation_runs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "evaluation_cases",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    CaseId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Question = table.Column<string>(type: "text", nullable: false),
                    Tier = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    Tags = table.Column<List<string>>(type: "text[]", nullable: false),
                    FollowupOf = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    HistoryTurns = table.Column<int>(type: "integer", nullable: false),
                    GoldSql = table.Column<string>(type: "text", nullable: true),
                    GeneratedSql = table.Column<string>(type: "text", nullable: true),
                    StandaloneQuestion = table.Column<string>(type: "text", nullable: true),
                    Outcome = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    Detail = table.Column<string>(type: "text", nullable: true),
                    Valid = table.Column<bool>(type: "boolean", nullable: false),
                    Right = table.Column<bool>(type: "boolean", nullable: false),
                    Declined = table.Column<bool>(type: "boolean", nullable: false),
                    AnsweredWrong = table.Column<bool>(type: "boolean", nullable: false),
                    Confidence = table.Column<double>(type: "double precision", nullable: false),
                    GenerationMs = table.Column<double>(type: "double precision", nullable: false),
                    AnswerMs = table.Column<double>(type: "double precision", nullable: false),
                    InputTokens = table.Column<long>(type: "bigint", nullable: false),
                    OutputTokens = table.Column<long>(type: "bigint", nullable: false),
                    CostUsd = table.Column<decimal>(type: "numeric(18,8)", precision: 18, scale: 8, nullable: false),
                    Path = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    GoldTables = table.Column<List<string>>(type: "text[]", nullable: false),
                    RetrievedTables = table.Column<List<string>>(type: "text[]", nullable: false),
                    RetrievalRecall = table.Column<double>(type: "double precision", nullable: true),
                    GoldRowsJson = table.Column<string>(type: "jsonb", nullable: true),
                    GeneratedRowsJson = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_evaluation_cases", x => x.Id);
                    table.ForeignKey(
                        name: "FK_evaluation_cases_evaluation_runs_RunId",
                        column: x => x.RunId,
                        principalTable: "evaluation_runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_evaluation_cases_RunId_Position",
                table: "evaluation_cases",
                columns: new[] { "RunId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_evaluation_runs_CreatedAt",
                table: "evaluation_runs",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_evaluation_runs_Status",
                table: "evaluation_runs",
                column: "Status");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "evaluation_cases");

            migrationBuilder.DropTable(
                name: "evaluation_runs");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NlAnalytics.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class SavedQuestionsAndDashboards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "dashboards",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerId = table.Column<string>(type: "text", nullable: false),
                    Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dashboards", x => x.Id);
                    table.ForeignKey(
                        name: "FK_dashboards_AspNetUsers_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "saved_questions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerId = table.Column<string>(type: "text", nullable: false),
                    DataSource = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Sql = table.Column<string>(type: "text", nullable: false),
                    ChartType = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: true),
                    ExploredFromId = table.Column<Guid>(type: "uuid", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_saved_questions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_saved_questions_AspNetUsers_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_saved_questions_messages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "messages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_saved_questions_saved_questions_ExploredFromId",
                        column: x => x.ExploredFromId,
                        principalTable: "saved_questions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "dashboard_shares",
                columns: table => new
                {
                    DashboardId = table.Column<Guid>(type: "uuid", nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    SharedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dashboard_shares", x => new { x.DashboardId, x.UserId });
                    table.ForeignKey(
                        name: "FK_dashboard_shares_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_dashboard_shares_dashboards_DashboardId",
                        column: x => x.DashboardId,
                        principalTable: "dashboards",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "dashboard_cards",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    DashboardId = table.Column<Guid>(type: "uuid", nullable: false),
                    SavedQuestionId = table.Column<Guid>(type: "uuid", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    Width = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dashboard_cards", x => x.Id);
                    table.ForeignKey(
                        name: "FK_dashboard_cards_dashboards_DashboardId",
                        column: x => x.DashboardId,
                        principalTable: "dashboards",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_dashboard_cards_saved_questions_SavedQuestionId",
                        column: x => x.SavedQuestionId,
                        principalTable: "saved_questions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_dashboard_cards_DashboardId_Position",
                table: "dashboard_cards",
                columns: new[] { "DashboardId", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_dashboard_cards_SavedQuestionId",
                table: "dashboard_cards",
                column: "SavedQuestionId");

            migrationBuilder.CreateIndex(
                name: "IX_dashboard_shares_UserId",
                table: "dashboard_shares",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_dashboards_OwnerId",
                table: "dashboards",
                column: "OwnerId");

            migrationBuilder.CreateIndex(
                name: "IX_saved_questions_ExploredFromId",
                table: "saved_questions",
                column: "ExploredFromId");

            migrationBuilder.CreateIndex(
                name: "IX_saved_questions_MessageId",
                table: "saved_questions",
                column: "MessageId");

            migrationBuilder.CreateIndex(
                name: "IX_saved_questions_OwnerId",
                table: "saved_questions",
                column: "OwnerId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "dashboard_cards");

            migrationBuilder.DropTable(
                name: "dashboard_shares");

            migrationBuilder.DropTable(
                name: "saved_questions");

            migrationBuilder.DropTable(
                name: "dashboards");
        }
    }
}

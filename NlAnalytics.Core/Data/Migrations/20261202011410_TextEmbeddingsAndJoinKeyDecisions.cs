using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace NlAnalytics.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class TextEmbeddingsAndJoinKeyDecisions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "join_key_decisions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DataSource = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    FromColumn = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    ToColumn = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    Confirmed = table.Column<bool>(type: "boolean", nullable: false),
                    DecidedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_join_key_decisions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "text_embeddings",
                columns: table => new
                {
                    Model = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    TextHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Vector = table.Column<float[]>(type: "real[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_text_embeddings", x => new { x.Model, x.TextHash });
                });

            migrationBuilder.CreateIndex(
                name: "IX_join_key_decisions_DataSource_FromColumn_ToColumn",
                table: "join_key_decisions",
                columns: new[] { "DataSource", "FromColumn", "ToColumn" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "join_key_decisions");

            migrationBuilder.DropTable(
                name: "text_embeddings");
        }
    }
}

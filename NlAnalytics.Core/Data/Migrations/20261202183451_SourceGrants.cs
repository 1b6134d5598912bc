using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace NlAnalytics.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class SourceGrants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "source_grants",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DataSource = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: true),
                    RoleName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    GrantedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    GrantedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_source_grants", x => x.Id);
                    table.CheckConstraint("CK_source_grants_one_grantee", "(\"UserId\" IS NULL) <> (\"RoleName\" IS NULL)");
                    table.ForeignKey(
                        name: "FK_source_grants_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_source_grants_DataSource_RoleName",
                table: "source_grants",
                columns: new[] { "DataSource", "RoleName" },
                unique: true,
                filter: "\"RoleName\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_source_grants_DataSource_UserId",
                table: "source_grants",
                columns: new[] { "DataSource", "UserId" },
                unique: true,
                filter: "\"UserId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_source_grants_UserId",
                table: "source_grants",
                column: "UserId");

            // Existing installs (ADR 0020): the sources Admins had already stored stay open to every analyst, as they were
            // before grants existed; sources added from now on start closed until an Admin grants them.
            migrationBuilder.Sql(
                "INSERT INTO source_grants (\"DataSource\", \"RoleName\", \"GrantedBy\", \"GrantedAt\") " +
                "SELECT \"Name\", 'Analyst', 'upgrade to per-source access', now() FROM data_sources;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "source_grants");
        }
    }
}

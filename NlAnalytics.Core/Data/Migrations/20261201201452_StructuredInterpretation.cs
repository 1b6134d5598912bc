using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NlAnalytics.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class StructuredInterpretation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "InterpretationJson",
                table: "messages",
                type: "jsonb",
                nullable: true);

            // Answers stored before keep their sentence as the summary of the structured reading.
            migrationBuilder.Sql("""
                UPDATE messages SET "InterpretationJson" = jsonb_build_object(
                    'summary', "Interpretation", 'filters', '[]'::jsonb, 'inheritedFilters', '[]'::jsonb,
                    'grouping', '[]'::jsonb, 'ignored', '[]'::jsonb, 'corrections', '[]'::jsonb)
                WHERE "Interpretation" IS NOT NULL
                """);

            migrationBuilder.DropColumn(
                name: "Interpretation",
                table: "messages");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Interpretation",
                table: "messages",
                type: "text",
                nullable: true);

            migrationBuilder.Sql("""UPDATE messages SET "Interpretation" = "InterpretationJson" ->> 'summary' WHERE "InterpretationJson" IS NOT NULL""");

            migrationBuilder.DropColumn(
                name: "InterpretationJson",
                table: "messages");
        }
    }
}

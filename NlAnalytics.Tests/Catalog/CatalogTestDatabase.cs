using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Catalog;

/// <summary>A small library database (not the demo) with the shapes the catalog must describe: comments, a two-column key, a view, an enum, a partitioned table, a schema to hide.</summary>
public sealed class LibraryDatabase : IAsyncLifetime
{
    public const string Schema = """
        CREATE SCHEMA library;
        CREATE SCHEMA internal;
        CREATE TYPE library.loan_state AS ENUM ('open', 'returned', 'lost');

        CREATE TABLE library.branches (branch_code text PRIMARY KEY, name text NOT NULL, city text NOT NULL);
        COMMENT ON TABLE library.branches IS 'Library branches, one per building';
        COMMENT ON COLUMN library.branches.city IS 'City the branch is in';

        CREATE TABLE library.shelves (
            branch_code text NOT NULL REFERENCES library.branches,
            shelf_no int NOT NULL,
            genre text NOT NULL,
            PRIMARY KEY (branch_code, shelf_no));
        COMMENT ON TABLE library.shelves IS 'Shelves inside a branch';

        CREATE TABLE library.books (
            book_id int PRIMARY KEY,
            title text NOT NULL,
            language text,
            branch_code text NOT NULL,
            shelf_no int NOT NULL,
            price numeric(8,2),
            CONSTRAINT books_shelf_fk FOREIGN KEY (branch_code, shelf_no) REFERENCES library.shelves (branch_code, shelf_no));
        COMMENT ON TABLE library.books IS 'Every copy of a book the library owns';
        COMMENT ON COLUMN library.books.language IS 'Language the book is written in';

        CREATE TABLE library.loans (
            loan_id bigint PRIMARY KEY,
            book_id int NOT NULL REFERENCES library.books,
            state library.loan_state NOT NULL,
            loaned_on date NOT NULL);

        CREATE VIEW library.open_loans AS SELECT * FROM library.loans WHERE state = 'open';
        COMMENT ON VIEW library.open_loans IS 'Loans not returned yet';

        CREATE TABLE library.visits (visited_on date NOT NULL, branch_code text NOT NULL) PARTITION BY RANGE (visited_on);
        CREATE TABLE library.visits_2024 PARTITION OF library.visits FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE library.visits_2025 PARTITION OF library.visits FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

        CREATE TABLE internal.audit_log (id int PRIMARY KEY, note text);

        INSERT INTO library.branches VALUES ('LSN', 'Central', 'Lausanne'), ('GVA', 'Lake', 'Geneva'), ('ZRH', 'Old Town', 'Zurich');
        INSERT INTO library.shelves SELECT b, s, (ARRAY['fiction','history','science'])[1 + s % 3] FROM unnest(ARRAY['LSN','GVA','ZRH']) b, generate_series(1, 10) s;
        INSERT INTO library.books
            SELECT i, 'Title ' || i, (ARRAY['English','French','German'])[1 + i % 3], (ARRAY['LSN','GVA','ZRH'])[1 + i % 3], 1 + i % 10, 10 + i % 50
            FROM generate_series(1, 2000) i;
        INSERT INTO library.loans SELECT i, 1 + i % 2000, (ARRAY['open','returned','lost']::library.loan_state[])[1 + i % 3], DATE '2025-01-01' + i % 300
            FROM generate_series(1, 5000) i;
        INSERT INTO library.visits SELECT DATE '2024-06-01' + i % 400, 'LSN' FROM generate_series(1, 600) i;
        ANALYZE;
        """;

    public string ConnectionString { get; private set; } = "";

    public DataSource Source(params string[] exposedSchemas) => new("library", "Library", ConnectionString, null, exposedSchemas);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("catalog");
        await ExecuteAsync(ConnectionString, Schema);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static PostgresCatalogReader NewReader(CatalogOptions? options = null) =>
        new(Options.Create(options ?? new CatalogOptions()), TimeProvider.System, NullLogger<PostgresCatalogReader>.Instance);

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}

using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Offline;

/// <summary>
/// A small public-library database (nothing like the demo warehouse) on a real PostgreSQL, with the
/// catalog the offline writer would get for it, including the value index.
/// </summary>
public sealed class LibraryDatabase : IAsyncLifetime
{
    public const string Schema = """
        CREATE SCHEMA library;
        CREATE TABLE library.authors (author_id int PRIMARY KEY, name text NOT NULL, country text NOT NULL, birth_year int);
        CREATE TABLE library.books (book_id int PRIMARY KEY, title text NOT NULL, author_id int NOT NULL REFERENCES library.authors,
            genre text NOT NULL, pages int NOT NULL, price numeric(8,2) NOT NULL, published_year int NOT NULL);
        CREATE TABLE library.members (member_id int PRIMARY KEY, full_name text NOT NULL, city text NOT NULL, gender text NOT NULL, joined_on date NOT NULL);
        CREATE TABLE library.loans (loan_id int PRIMARY KEY, book_id int NOT NULL REFERENCES library.books, member_id int NOT NULL REFERENCES library.members,
            loan_date date NOT NULL, fee numeric(6,2) NOT NULL);
        CREATE TABLE library.visit_stats (stat_id int PRIMARY KEY, year int NOT NULL, city text NOT NULL, visitors int NOT NULL);
        CREATE TABLE library.talks (talk_id int PRIMARY KEY, topic text NOT NULL, duration_seconds int NOT NULL);
        INSERT INTO library.talks VALUES (1, 'storytime', 1800), (2, 'workshop', 5400), (3, 'storytime', 2700), (4, 'workshop', 4500);
        COMMENT ON TABLE library.visit_stats IS 'Yearly visitor statistics per city';
        COMMENT ON COLUMN library.visit_stats.visitors IS 'Number of visitors that year in that city';
        COMMENT ON COLUMN library.loans.fee IS 'Late fee charged for the loan';

        INSERT INTO library.authors VALUES
            (1, 'Ada Stone', 'France', 1950), (2, 'Bruno Keller', 'Germany', 1962), (3, 'Chloe Martin', 'France', 1975),
            (4, 'Dario Rossi', 'Italy', 1980), (5, 'Eva Lind', 'Sweden', 1990), (6, 'Felix Brun', 'Canada', 1971);
        INSERT INTO library.books
            SELECT i, 'Book ' || i, 1 + (i % 6), (ARRAY['mystery','poetry','science','history','fantasy'])[1 + (i % 5)],
                   100 + (i * 37) % 400, round(8 + (i * 3.7) % 30, 2), 2000 + (i % 20)
            FROM generate_series(1, 40) AS i;
        INSERT INTO library.books VALUES (41, 'Unread Pages', 2, 'poetry', 120, 9.50, 2019), (42, 'Quiet Shelf', 5, 'history', 310, 21.00, 2021);
        INSERT INTO library.members
            SELECT i, 'Member ' || i, (ARRAY['Lyon','Geneva','Oslo','Porto'])[1 + (i % 4)], CASE WHEN i % 3 = 0 THEN 'male' ELSE 'female' END,
                   DATE '2018-01-01' + (i * 53) % 2000
            FROM generate_series(1, 30) AS i;
        INSERT INTO library.loans
            SELECT i, 1 + (i * 7) % 40, 1 + (i * 11) % 30, CURRENT_DATE - ((i * 13) % 1500), round(((i * 17) % 9) * 0.5, 2)
            FROM generate_series(1, 600) AS i;
        INSERT INTO library.visit_stats
            SELECT row_number() OVER (), y, c, 1000 + y % 7 * 100 + length(c) * 10
            FROM generate_series(2015, 2022) AS y, unnest(ARRAY['Lyon','Geneva','Oslo','Porto']) AS c;
        """;

    public string ConnectionString { get; private set; } = "";
    public DatabaseCatalog Catalog { get; private set; } = null!;
    public OfflineSqlWriter Writer { get; } = new(TimeProvider.System, NullLogger<OfflineSqlWriter>.Instance);

    /// <summary>The writer without its calibration: it declines nothing for a low estimate, so tests of what a question composes to see every composition.</summary>
    public OfflineSqlWriter Composer { get; } = new(TimeProvider.System, NullLogger<OfflineSqlWriter>.Instance, calibration: OfflineCalibration.Uncalibrated);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("offline_library");
        await Sql.ExecuteAsync(ConnectionString, Schema);
        Catalog = await LoadCatalogAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Reads the catalog the way an introspector would, with distinct values of every text column as the value index.</summary>
    private async Task<DatabaseCatalog> LoadCatalogAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type, bool Nullable, string? Comment)>();
        await using (var command = new NpgsqlCommand("""
            SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'YES', col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position)
            FROM information_schema.columns c WHERE c.table_schema = 'library' ORDER BY c.table_name, c.ordinal_position
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetString(4)));

        string[] primaryKeys = ["author_id@authors", "book_id@books", "member_id@members", "loan_id@loans", "stat_id@visit_stats"];
        var foreignKeys = new Dictionary<string, List<ForeignKeyInfo>>
        {
            ["books"] = [new("books_author_fk", ["author_id"], "library", "authors", ["author_id"])],
            ["loans"] = [new("loans_book_fk", ["book_id"], "library", "books", ["book_id"]), new("loans_member_fk", ["member_id"], "library", "members", ["member_id"])],
        };
        var tables = new List<TableInfo>();
        foreach (var table in columns.GroupBy(c => c.Table))
        {
            var infos = new List<ColumnInfo>();
            foreach (var c in table)
            {
                List<string>? values = null;
                if (c.Type == "text")
                {
                    values = [];
                    await using var distinct = new NpgsqlCommand($"SELECT DISTINCT {c.Column} FROM library.{table.Key} ORDER BY 1", connection);
                    await using var reader = await distinct.ExecuteReaderAsync();
                    while (await reader.ReadAsync()) values.Add(reader.GetString(0));
                }
                infos.Add(new ColumnInfo(c.Column, c.Type, c.Nullable, primaryKeys.Contains($"{c.Column}@{table.Key}"), c.Comment, values));
            }
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM library.{table.Key}", connection);
            var rows = (long)(await count.ExecuteScalarAsync())!;
            tables.Add(new TableInfo("library", table.Key, TableKind.Table, null, rows, infos, foreignKeys.GetValueOrDefault(table.Key) ?? []));
        }
        return new DatabaseCatalog("library", tables, DateTimeOffset.UtcNow);
    }

    /// <summary>The shipped writer, calibrated: what a user gets.</summary>
    public Task<SqlDraft> AskAsync(string question, params (string Question, string? Sql)[] history) => WriteAsync(Writer, question, history);

    /// <summary>What the question composes to, whatever the calibration would estimate.</summary>
    public Task<SqlDraft> ComposeAsync(string question, params (string Question, string? Sql)[] history) => WriteAsync(Composer, question, history);

    private Task<SqlDraft> WriteAsync(OfflineSqlWriter writer, string question, (string Question, string? Sql)[] history) =>
        writer.WriteAsync(new SqlWritingContext(question, Catalog, [], "", history.Select(h => new ThreadTurn(h.Question, h.Question, h.Sql, null)).ToList(), []), CancellationToken.None);

    /// <summary>Runs a query and returns its rows as invariant strings (numbers normalized), for comparing meaning rather than SQL text.</summary>
    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var cells = new string[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++) cells[i] = Format(reader.IsDBNull(i) ? null : reader.GetValue(i));
            rows.Add(string.Join(" | ", cells));
        }
        return rows;
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        decimal d => decimal.Round(d, 2).ToString("0.##", CultureInfo.InvariantCulture),
        double d => Math.Round(d, 2).ToString("0.##", CultureInfo.InvariantCulture),
        float f => Math.Round(f, 2).ToString("0.##", CultureInfo.InvariantCulture),
        long or int or short => Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

[CollectionDefinition(Name)]
public sealed class LibraryCollection : ICollectionFixture<LibraryDatabase>
{
    public const string Name = "offline library";
}

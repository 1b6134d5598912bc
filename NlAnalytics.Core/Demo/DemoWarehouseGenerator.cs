using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace NlAnalytics.Core.Demo;

/// <summary>
/// Builds the demo warehouse (schemas sales, university and music, see briefs/demo-schema.md) in one
/// transaction: drop and recreate the schemas, stream deterministic rows in with binary COPY, then add
/// keys and indexes, comments, statistics and finally the stamp that <see cref="ReadStampAsync"/> reads.
/// A load that fails or is cancelled leaves the database as it was.
/// </summary>
public sealed partial class DemoWarehouseGenerator(TimeProvider time, ILogger<DemoWarehouseGenerator> logger)
{
    /// <summary>Bumped whenever generated data changes, so apps regenerate a stamped demo from an older generator.</summary>
    public const int GeneratorVersion = 2;

    private const string StampPrefix = "nlanalytics-demo-stamp: ";
    private const int ProgressEvery = 50_000;
    private static readonly JsonSerializerOptions StampJson = new(JsonSerializerDefaults.Web);

    /// <summary>Drops and regenerates the demo warehouse; the same seed, scale and end date always give byte-identical data.</summary>
    public async Task<DemoLoadReport> GenerateAsync(string connectionString, DemoWarehouseOptions options, IProgress<DemoLoadProgress>? progress, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var endDate = options.EndDate ?? DateOnly.FromDateTime(time.GetLocalNow().DateTime);
        LogStarting(logger, options.Seed, options.Scale, endDate);

        var sales = new SalesData(options.Seed, options.Scale, endDate);
        var university = new UniversityData(options.Seed);
        var music = new MusicData(options.Seed, endDate);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Index builds and FK checks over a million rows take seconds: no command timeout, the token decides.
        await ExecuteAsync(connection, "SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL synchronous_commit = off", ct);
        await ExecuteAsync(connection, CreateSql(), ct);

        var loaded = new List<DemoTableRows>();
        async Task Copy<T>(DemoTable table, IEnumerable<T> rows, long expected, Func<NpgsqlBinaryImporter, T, CancellationToken, Task> write)
        {
            var rowCount = await CopyAsync(connection, table, rows, expected, write, progress, ct);
            loaded.Add(new DemoTableRows(table.QualifiedName, rowCount));
            LogTableLoaded(logger, table.QualifiedName, rowCount);
        }

        await Copy(DemoSchema.Regions, sales.Regions(), SalesData.RegionCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.RegionId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Country, NpgsqlDbType.Text, ct);
        });
        await Copy(DemoSchema.Stores, sales.Stores(), sales.StoreCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.StoreId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.City, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.RegionId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.StoreType, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.OpenedOn, NpgsqlDbType.Date, ct);
        });
        await Copy(DemoSchema.Categories, sales.Categories(), SalesData.CategoryCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.CategoryId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Department, NpgsqlDbType.Text, ct);
        });
        await Copy(DemoSchema.Products, sales.Products(), sales.ProductCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.ProductId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.CategoryId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Brand, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.UnitPrice, NpgsqlDbType.Numeric, ct);
            await w.WriteAsync(r.UnitCost, NpgsqlDbType.Numeric, ct);
            await w.WriteAsync(r.LaunchedOn, NpgsqlDbType.Date, ct);
        });
        await Copy(DemoSchema.Customers, sales.Customers(), sales.CustomerCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.CustomerId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.FirstName, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.LastName, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Email, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Gender, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.BirthDate, NpgsqlDbType.Date, ct);
            await w.WriteAsync(r.City, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Country, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Segment, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.LoyaltyTier, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.SignupDate, NpgsqlDbType.Date, ct);
        });
        await Copy(DemoSchema.Campaigns, sales.Campaigns(), sales.CampaignCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.CampaignId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Channel, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.StartDate, NpgsqlDbType.Date, ct);
            await w.WriteAsync(r.EndDate, NpgsqlDbType.Date, ct);
            await w.WriteAsync(r.Budget, NpgsqlDbType.Numeric, ct);
        });
        await Copy(DemoSchema.Orders, sales.Orders(), sales.ExpectedOrders, static async (w, o, ct) =>
        {
            var r = o.Row;
            await w.WriteAsync(r.OrderId, NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(r.OrderDate, NpgsqlDbType.Date, ct);
            await w.WriteAsync(r.CustomerId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.StoreId, NpgsqlDbType.Integer, ct);
            if (r.CampaignId is { } campaign)
                await w.WriteAsync(campaign, NpgsqlDbType.Integer, ct);
            else
                await w.WriteNullAsync(ct);
            await w.WriteAsync(r.Channel, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.PaymentMethod, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Status, NpgsqlDbType.Text, ct);
        });
        // Returns are a few percent of lines, so buffering them while the lines stream is cheap.
        var returns = new List<ReturnRow>((int)(sales.ExpectedOrderLines / 16));
        await Copy(DemoSchema.OrderLines, sales.OrderLines(returns), sales.ExpectedOrderLines, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.OrderLineId, NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(r.OrderId, NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(r.ProductId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Quantity, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.UnitPrice, NpgsqlDbType.Numeric, ct);
            await w.WriteAsync(r.Discount, NpgsqlDbType.Numeric, ct);
            await w.WriteAsync(r.NetAmount, NpgsqlDbType.Numeric, ct);
        });
        await Copy(DemoSchema.Returns, returns, returns.Count, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.ReturnId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.OrderLineId, NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(r.ReturnDate, NpgsqlDbType.Date, ct);
            await w.WriteAsync(r.Quantity, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Reason, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.RefundAmount, NpgsqlDbType.Numeric, ct);
        });
        await Copy(DemoSchema.Faculties, UniversityData.Faculties(), UniversityData.FacultyCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.FacultyCode, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
        });
        await Copy(DemoSchema.Enrollments, university.Enrollments(), UniversityData.EnrollmentCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.EnrollmentId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Year, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.FacultyCode, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Sex, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Nationality, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Students, NpgsqlDbType.Integer, ct);
        });
        await Copy(DemoSchema.Artists, music.Artists(), MusicData.ArtistCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.ArtistId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.Country, NpgsqlDbType.Text, ct);
        });
        await Copy(DemoSchema.Genres, MusicData.Genres(), MusicData.GenreCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.GenreId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
        });
        await Copy(DemoSchema.Songs, music.Songs(), MusicData.SongCount, static async (w, r, ct) =>
        {
            await w.WriteAsync(r.SongId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Title, NpgsqlDbType.Text, ct);
            await w.WriteAsync(r.ArtistId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.GenreId, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.ReleaseYear, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.DurationSeconds, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(r.Streams, NpgsqlDbType.Bigint, ct);
        });

        var copied = time.GetElapsedTime(started);
        LogPhase(logger, "rows copied", copied.TotalSeconds);
        foreach (var statement in DemoSchema.KeysAndIndexes)
            await ExecuteAsync(connection, statement, ct);
        LogPhase(logger, "keys and indexes built", time.GetElapsedTime(started).TotalSeconds);
        var stamp = new DemoStamp(options.Seed, options.Scale, endDate, GeneratorVersion, time.GetUtcNow());
        await ExecuteAsync(connection, CommentSql(stamp), ct);
        // The catalog reads row estimates and pg_stats, so statistics must exist before anyone asks.
        await ExecuteAsync(connection, "ANALYZE " + string.Join(", ", DemoSchema.Tables.Select(t => t.QualifiedName)), ct);
        LogPhase(logger, "analyzed", time.GetElapsedTime(started).TotalSeconds);
        await transaction.CommitAsync(ct);

        var report = new DemoLoadReport(loaded, time.GetElapsedTime(started), stamp);
        LogFinished(logger, report.TotalRows, report.Elapsed.TotalSeconds, copied.TotalSeconds, report.RowsPerSecond);
        return report;
    }

    /// <summary>Generates the demo unless the database already holds one stamped for these options; returns null when nothing had to be done.</summary>
    public async Task<DemoLoadReport?> EnsureAsync(string connectionString, DemoWarehouseOptions options, IProgress<DemoLoadProgress>? progress, CancellationToken ct)
    {
        var stamp = await ReadStampAsync(connectionString, ct);
        if (stamp is not null && stamp.Satisfies(options))
        {
            LogUpToDate(logger, stamp.Seed, stamp.Scale, stamp.EndDate);
            return null;
        }
        return await GenerateAsync(connectionString, options, progress, ct);
    }

    /// <summary>The stamp of a completed demo load in this database, or null when it holds no (complete) demo warehouse.</summary>
    public async Task<DemoStamp?> ReadStampAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'sales'", connection);
        if (await command.ExecuteScalarAsync(ct) is not string comment)
            return null;
        var line = comment.Split('\n').FirstOrDefault(l => l.StartsWith(StampPrefix, StringComparison.Ordinal));
        if (line is null)
            return null;
        try
        {
            return JsonSerializer.Deserialize<DemoStamp>(line[StampPrefix.Length..], StampJson);
        }
        catch (JsonException ex)
        {
            LogUnreadableStamp(logger, ex.Message);
            return null;
        }
    }

    private static async Task<long> CopyAsync<T>(NpgsqlConnection connection, DemoTable table, IEnumerable<T> rows, long expected,
        Func<NpgsqlBinaryImporter, T, CancellationToken, Task> write, IProgress<DemoLoadProgress>? progress, CancellationToken ct)
    {
        progress?.Report(new DemoLoadProgress(table.QualifiedName, 0, expected));
        long done = 0;
        await using (var importer = await connection.BeginBinaryImportAsync(table.CopySql, ct))
        {
            foreach (var row in rows)
            {
                // Buffered writes do not look at the token until the buffer flushes; check it per row.
                ct.ThrowIfCancellationRequested();
                await importer.StartRowAsync(ct);
                await write(importer, row, ct);
                if (++done % ProgressEvery == 0)
                    progress?.Report(new DemoLoadProgress(table.QualifiedName, done, Math.Max(expected, done)));
            }
            await importer.CompleteAsync(ct);
        }
        progress?.Report(new DemoLoadProgress(table.QualifiedName, done, done));
        return done;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string CreateSql()
    {
        var sql = new StringBuilder();
        sql.Append("DROP SCHEMA IF EXISTS ").AppendJoin(", ", DemoSchema.Schemas).Append(" CASCADE;\n");
        foreach (var schema in DemoSchema.Schemas)
            sql.Append("CREATE SCHEMA ").Append(schema).Append(";\n");
        foreach (var table in DemoSchema.Tables)
            sql.Append(table.CreateSql).Append(";\n");
        return sql.ToString();
    }

    private static string CommentSql(DemoStamp stamp)
    {
        var sql = new StringBuilder();
        foreach (var schema in DemoSchema.Schemas)
        {
            var comment = DemoSchema.SchemaComments[schema];
            if (schema == "sales")
                comment += "\n" + StampPrefix + JsonSerializer.Serialize(stamp, StampJson);
            sql.Append("COMMENT ON SCHEMA ").Append(schema).Append(" IS ").Append(Literal(comment)).Append(";\n");
        }
        foreach (var table in DemoSchema.Tables)
        {
            sql.Append("COMMENT ON TABLE ").Append(table.QualifiedName).Append(" IS ").Append(Literal(table.Comment)).Append(";\n");
            foreach (var column in table.Columns)
                sql.Append("COMMENT ON COLUMN ").Append(table.QualifiedName).Append('.').Append(column.Name).Append(" IS ").Append(Literal(column.Comment)).Append(";\n");
        }
        return sql.ToString();
    }

    private static string Literal(string text) => "'" + text.Replace("'", "''") + "'";

    [LoggerMessage(Level = LogLevel.Information, Message = "Generating the demo warehouse (seed {Seed}, scale {Scale}, end date {EndDate})")]
    private static partial void LogStarting(ILogger logger, int seed, double scale, DateOnly endDate);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Loaded {Table}: {Rows} rows")]
    private static partial void LogTableLoaded(ILogger logger, string table, long rows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Demo load: {Phase} after {Seconds:F1} s")]
    private static partial void LogPhase(ILogger logger, string phase, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo warehouse ready: {Rows} rows in {Seconds:F1} s (rows copied after {CopySeconds:F1} s), {RowsPerSecond:F0} rows/s")]
    private static partial void LogFinished(ILogger logger, long rows, double seconds, double copySeconds, double rowsPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo warehouse already loaded (seed {Seed}, scale {Scale}, end date {EndDate}); not regenerating")]
    private static partial void LogUpToDate(ILogger logger, int seed, double scale, DateOnly endDate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The demo stamp on schema sales is unreadable ({Error}); treating the database as not loaded")]
    private static partial void LogUnreadableStamp(ILogger logger, string error);
}

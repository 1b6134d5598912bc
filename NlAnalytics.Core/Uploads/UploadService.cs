using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Hosting;
using Npgsql;

namespace NlAnalytics.Core.Uploads;

public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>The largest file accepted, in bytes (100 MB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>What one user's uploads may hold in all, counted as the files' sizes (1 GB).</summary>
    [Range(1, long.MaxValue)]
    public long QuotaBytesPerUser { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Rows the preview shows.</summary>
    [Range(1, 1000)]
    public int PreviewRows { get; set; } = 20;
}

/// <summary>What a file will become: its columns with inferred types, the first rows, and how it was read.</summary>
public sealed record UploadPreview(
    string FileName, string TableName, TabularFormat Format, string? Encoding, char? Separator,
    IReadOnlyList<UploadColumn> Columns, IReadOnlyList<string?[]> FirstRows, int RowCount, long Bytes);

/// <summary>What the uploader decided on the preview: the source's name, corrected types and column meanings, by column name.</summary>
public sealed record UploadChoices(
    string? DisplayName = null,
    IReadOnlyDictionary<string, UploadColumnType>? Types = null,
    IReadOnlyDictionary<string, string>? Descriptions = null);

/// <summary>An uploaded file as a source: its table, columns and size.</summary>
public sealed record UploadedTable(
    string SourceName, string DisplayName, string FileName, string Schema, string Table,
    IReadOnlyList<UploadColumn> Columns, int RowCount, long Bytes, DateTimeOffset CreatedAt);

/// <summary>
/// Analysts' own files as sources. A CSV or XLSX file is checked and typed (<see cref="PreviewAsync"/>), then
/// becomes a table with COMMENTs in a schema of its own in the uploads database, loaded with binary COPY in one
/// transaction (a bad cell leaves nothing behind), read through a login role provisioned for that schema alone,
/// and published to the registry as a source private to its uploader.
/// </summary>
public sealed partial class UploadService(
    PlatformDatabases databases,
    IDbContextFactory<AppDbContext> contexts,
    IDataProtectionProvider protection,
    ExecutionRoleProvisioner provisioner,
    UploadedSourceHolder holder,
    IOptions<UploadOptions> options,
    SharedChanges changes,
    TimeProvider clock,
    ILogger<UploadService> logger) : ISharedChangeHandler
{
    public const string SourcePrefix = "upload-";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IDataProtector _protector = protection.CreateProtector("NlAnalytics.Uploads.ConnectionStrings.v1");

    public bool Enabled => databases.UploadsAdminConnectionString is not null;

    public UploadOptions Options => options.Value;

    /// <summary>
    /// Copies an upload to a temporary file, refusing it as soon as it passes the size limit. The caller deletes the
    /// file (<see cref="TemporaryUpload.Dispose"/>).
    /// </summary>
    public async Task<TemporaryUpload> ReceiveAsync(Stream content, string fileName, long? declaredLength, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxFileBytes;
        if (declaredLength > max)
            throw new UploadException($"The file is {Size(declaredLength.Value)}; an upload is at most {Size(max)}.");
        if (!IsAccepted(fileName))
            throw new UploadException($"'{fileName}' is not a CSV, TSV, TXT or XLSX file.");
        var upload = new TemporaryUpload(Path.Combine(Path.GetTempPath(), $"nla-upload-{Guid.NewGuid():N}"), fileName);
        try
        {
            await using var file = new FileStream(upload.Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > max)
                    throw new UploadException($"The file is larger than {Size(max)}, the most an upload may be.");
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            upload.Bytes = total;
            return upload;
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    /// <summary>Reads the whole file once: its columns, their types and the first rows. Throws <see cref="UploadException"/> on bad input.</summary>
    public Task<UploadPreview> PreviewAsync(TemporaryUpload upload, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var file = TabularFile.Open(upload.Path, upload.FileName);
            var first = new List<string?[]>();
            var columns = UploadColumns.Infer(file.Header, Rows(file, first, options.Value.PreviewRows, cancellationToken), file.Separator, out var rowCount);
            if (rowCount == 0)
                throw new UploadException("The file has a header but no rows of data.", 2);
            return new UploadPreview(upload.FileName, TableName(upload.FileName), file.Format, file.Encoding?.WebName, file.Separator,
                columns, first, rowCount, upload.Bytes);
        }, cancellationToken);

    /// <summary>
    /// Makes the file a source of <paramref name="ownerUserId"/>, with the <paramref name="choices"/> made on the preview.
    /// Nothing is left behind when any step fails.
    /// </summary>
    public async Task<UploadedTable> CreateAsync(string ownerUserId, TemporaryUpload upload, UploadChoices choices, CancellationToken cancellationToken)
    {
        var admin = databases.UploadsAdminConnectionString
            ?? throw new UploadException("Uploads are off on this installation: set ConnectionStrings:Uploads to a database the app may create tables in.");
        await CheckQuotaAsync(ownerUserId, upload.Bytes, cancellationToken);

        var preview = await PreviewAsync(upload, cancellationToken);
        var unknown = (choices.Types?.Keys ?? []).Concat(choices.Descriptions?.Keys ?? []).Where(k => preview.Columns.All(c => c.Name != k)).Distinct().ToList();
        if (unknown.Count > 0)
            throw new UploadException($"The file has no column named {string.Join(", ", unknown.Select(u => $"'{u}'"))}.");
        var columns = preview.Columns.Select(c => c with
        {
            Type = choices.Types?.TryGetValue(c.Name, out var t) == true ? t : c.Type,
            Description = choices.Descriptions?.TryGetValue(c.Name, out var d) == true && !string.IsNullOrWhiteSpace(d) ? Clip(d.Trim(), 500) : null,
        }).ToList();
        var displayName = choices.DisplayName;

        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var schema = $"upload_{id}";
        var role = $"nla_upload_{id}";
        var name = SourceName(preview.TableName, id);
        var title = string.IsNullOrWhiteSpace(displayName) ? Path.GetFileNameWithoutExtension(upload.FileName) : displayName.Trim();
        if (title.Length > 200)
            title = title[..200];

        await LoadTableAsync(admin, schema, preview.TableName, upload, columns, preview.Separator, cancellationToken);
        try
        {
            var provisioned = await provisioner.ProvisionAsync(admin, role, [schema], cancellationToken: cancellationToken);
            var row = new UploadRow
            {
                Name = name,
                DisplayName = title,
                OwnerUserId = ownerUserId,
                FileName = Path.GetFileName(upload.FileName),
                SchemaName = schema,
                TableName = preview.TableName,
                RoleName = role,
                QueryConnectionProtected = _protector.Protect(provisioned.ConnectionString),
                Bytes = upload.Bytes,
                RowCount = preview.RowCount,
                ColumnsJson = JsonSerializer.Serialize(columns, Json),
                CreatedAt = clock.GetUtcNow(),
            };
            await using (var context = await contexts.CreateDbContextAsync(cancellationToken))
            {
                context.Uploads.Add(row);
                await context.SaveChangesAsync(cancellationToken);
            }
            await LoadAsync(cancellationToken);
            await changes.PublishAsync(SharedChange.Uploads, name);
            LogUploaded(logger, name, preview.RowCount, columns.Count);
            return ToTable(row);
        }
        catch
        {
            await DropAsync(admin, schema, role, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The user's uploads, newest first.</summary>
    public async Task<IReadOnlyList<UploadedTable>> ListAsync(string ownerUserId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.Uploads.AsNoTracking().Where(u => u.OwnerUserId == ownerUserId).OrderByDescending(u => u.CreatedAt).ToListAsync(cancellationToken);
        return [.. rows.Select(ToTable)];
    }

    /// <summary>Removes an upload of <paramref name="ownerUserId"/> (any user's when <paramref name="asAdmin"/>): its table, its role, its source. False when there is none.</summary>
    public async Task<bool> DeleteAsync(string ownerUserId, string name, bool asAdmin, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await context.Uploads.FirstOrDefaultAsync(u => u.Name == name && (asAdmin || u.OwnerUserId == ownerUserId), cancellationToken);
        if (row is null)
            return false;
        if (databases.UploadsAdminConnectionString is { } admin)
            await DropAsync(admin, row.SchemaName, row.RoleName, cancellationToken);
        context.Uploads.Remove(row);
        await context.SaveChangesAsync(cancellationToken);
        await Access.SourceAccess.RevokeAllAsync(context, row.Name, cancellationToken);
        await LoadAsync(cancellationToken);
        await changes.PublishAsync(SharedChange.Uploads, row.Name);
        return true;
    }

    /// <summary>Another instance added or deleted an upload: read the list again.</summary>
    public async Task ApplyAsync(SharedChangeNotice change, CancellationToken cancellationToken)
    {
        if (change.Kind == SharedChange.Uploads)
            await LoadAsync(cancellationToken);
    }

    /// <summary>Publishes the stored uploads to the registry (at start-up and after every change).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.Uploads.AsNoTracking().OrderBy(u => u.Name).ToListAsync(cancellationToken);
        var sources = new List<DataSource>(rows.Count);
        foreach (var row in rows)
        {
            try
            {
                sources.Add(new DataSource(row.Name, row.DisplayName, _protector.Unprotect(row.QueryConnectionProtected), null, [row.SchemaName])
                {
                    Origin = DataSourceOrigin.Upload,
                    OwnerUserId = row.OwnerUserId,
                });
            }
            catch (CryptographicException)
            {
                LogUndecryptable(logger, row.Name);
            }
        }
        holder.Sources = sources;
    }

    private async Task CheckQuotaAsync(string ownerUserId, long bytes, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var used = await context.Uploads.Where(u => u.OwnerUserId == ownerUserId).SumAsync(u => (long?)u.Bytes, cancellationToken) ?? 0;
        var quota = options.Value.QuotaBytesPerUser;
        if (used + bytes > quota)
            throw new UploadException($"This file ({Size(bytes)}) would take your uploads to {Size(used + bytes)}, over your quota of {Size(quota)}. Remove an upload you no longer need.");
    }

    /// <summary>Schema, table, COMMENTs and rows in one transaction: a bad cell rolls all of it back.</summary>
    private static async Task LoadTableAsync(string admin, string schema, string table, TemporaryUpload upload, IReadOnlyList<UploadColumn> columns, char? separator, CancellationToken cancellationToken)
    {
        var file = TabularFile.Open(upload.Path, upload.FileName);
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var qualified = $"{Quote(schema)}.{Quote(table)}";
        var ddl = new List<string>
        {
            $"CREATE SCHEMA {Quote(schema)}",
            $"CREATE TABLE {qualified} ({string.Join(", ", columns.Select(c => $"{Quote(c.Name)} {UploadColumns.SqlType(c.Type)}"))})",
            $"COMMENT ON TABLE {qualified} IS {Literal($"Uploaded file {Path.GetFileName(upload.FileName)}")}",
        };
        ddl.AddRange(columns.Select(c => $"COMMENT ON COLUMN {qualified}.{Quote(c.Name)} IS {Literal(ColumnComment(c))}"));
        foreach (var statement in ddl)
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var types = columns.Select(c => UploadColumns.DbType(c.Type)).ToArray();
        await using (var writer = await connection.BeginBinaryImportAsync(
            $"COPY {qualified} ({string.Join(", ", columns.Select(c => Quote(c.Name)))}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var row in file.Rows())
            {
                await writer.StartRowAsync(cancellationToken);
                for (var i = 0; i < columns.Count; i++)
                {
                    var value = UploadColumns.Convert(row.Cells[i], columns[i], row.Line, separator);
                    if (value is null)
                        await writer.WriteNullAsync(cancellationToken);
                    else
                        await writer.WriteAsync(value, types[i], cancellationToken);
                }
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await using (var analyze = new NpgsqlCommand($"ANALYZE {qualified}", connection, transaction))
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>What the uploader said the column means, else the header as written (a phrase, another language); "year" for a year column.</summary>
    private static string ColumnComment(UploadColumn column)
    {
        var meaning = column.Description is { } description ? $"{description} ({column.Header})" : column.Header;
        return column.Type == UploadColumnType.Year ? $"{meaning} (year)" : meaning;
    }

    private static string Clip(string text, int length) => text.Length > length ? text[..length] : text;

    private static async Task DropAsync(string admin, string schema, string role, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        var hasRole = false;
        await using (var check = new NpgsqlCommand("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", connection))
        {
            check.Parameters.AddWithValue(role);
            hasRole = (bool)(await check.ExecuteScalarAsync(cancellationToken))!;
        }
        var statements = new List<string> { $"DROP SCHEMA IF EXISTS {Quote(schema)} CASCADE" };
        if (hasRole)
            statements.AddRange([$"DROP OWNED BY {Quote(role)}", $"DROP ROLE {Quote(role)}"]);
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static IEnumerable<TabularRow> Rows(TabularFile file, List<string?[]> first, int keep, CancellationToken cancellationToken)
    {
        foreach (var row in file.Rows())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (first.Count < keep)
                first.Add(row.Cells);
            yield return row;
        }
    }

    private UploadedTable ToTable(UploadRow row) =>
        new(row.Name, row.DisplayName, row.FileName, row.SchemaName, row.TableName,
            JsonSerializer.Deserialize<List<UploadColumn>>(row.ColumnsJson, Json) ?? [], row.RowCount, row.Bytes, row.CreatedAt);

    private static bool IsAccepted(string fileName) =>
        Path.GetExtension(fileName).ToLowerInvariant() is ".csv" or ".tsv" or ".txt" or ".xlsx";

    /// <summary>The table's name: the file's name as an SQL name ("FBM étudiants.csv" → fbm_etudiants).</summary>
    public static string TableName(string fileName) => UploadColumns.SqlName(Path.GetFileNameWithoutExtension(fileName));

    private static string SourceName(string table, string id)
    {
        var stem = table.Replace('_', '-');
        if (stem.StartsWith("c-", StringComparison.Ordinal))
            stem = stem[2..];
        var room = 63 - SourcePrefix.Length - id.Length - 1;
        stem = stem.Length > room ? stem[..room].TrimEnd('-') : stem;
        return $"{SourcePrefix}{stem}-{id}";
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1024L * 1024 * 1024 => $"{(bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture)} GB",
        >= 1024 * 1024 => $"{(bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture)} MB",
        >= 1024 => $"{(bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture)} KB",
        _ => $"{bytes} bytes",
    };

    private static string Quote(string identifier) => ExecutionRoleProvisioner.QuoteIdentifier(identifier);

    private static string Literal(string text) => ExecutionRoleProvisioner.Literal(text);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {Name} loaded: {Rows} rows, {Columns} columns")]
    private static partial void LogUploaded(ILogger logger, string name, int rows, int columns);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stored connection of upload {Name} cannot be decrypted with this Data Protection key ring")]
    private static partial void LogUndecryptable(ILogger logger, string name);
}

/// <summary>An upload saved to a temporary file while it is checked and loaded; deleted on dispose.</summary>
public sealed class TemporaryUpload(string path, string fileName) : IDisposable
{
    public string Path { get; } = path;

    /// <summary>The name the user gave the file (only its last segment is ever used).</summary>
    public string FileName { get; } = System.IO.Path.GetFileName(fileName);

    public long Bytes { get; set; }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // A temp file that cannot be deleted now is left to the OS's temp cleanup.
        }
    }
}

/// <summary>Publishes the stored uploads once the app database is migrated.</summary>
public sealed class UploadStartup(UploadService uploads) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => uploads.LoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>/api/uploads: a CSV or XLSX file becomes a private source that can be asked about; bad files get a message naming the line and leave nothing behind.</summary>
[Collection(ApiCollection.Name)]
public sealed class UploadApiTests(ApiApp app)
{
    /// <summary>The University of Lausanne's medical-faculty enrolment file, as it is published (semicolons, spaces after them, French headers).</summary>
    internal const string UnilCsv = """
        annee; femmes; hommes; etranger; CH; total
        2011; 1519; 1085; 556; 2048; 2604
        2012; 1555; 1170; 626; 2099; 2725
        2013; 1645; 1209; 692; 2162; 2854
        2014; 1699; 1270; 734; 2235; 2969
        2015; 1735; 1288; 750; 2273; 3023
        2016; 1911; 1309; 792; 2428; 3220
        2017; 1993; 1375; 858; 2510; 3368
        2018; 2112; 1369; 869; 2612; 3481
        2019; 2250; 1438; 905; 2783; 3688
        2020; 2477; 1506; 979; 3004; 3983
        2021; 2578; 1530; 1039; 3069; 4108

        """;

    [Fact]
    public async Task The_semicolon_CSV_becomes_a_typed_table_that_answers_how_many_women_in_2015_offline()
    {
        // The headers are French: the uploader says what two of them mean, as the preview asks.
        using var created = await UploadAsync(app.Alice, "fbm-etudiants.csv", Encoding.UTF8.GetBytes(UnilCsv),
            descriptions: """{"femmes": "women", "hommes": "men"}""");
        var body = await ApiApp.ReadJsonAsync(created);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        var source = body["source"]!.GetValue<string>();
        Assert.StartsWith("upload-fbm-etudiants-", source);
        Assert.Equal("fbm_etudiants", body["table"]!.GetValue<string>());
        Assert.Equal(11, body["rows"]!.GetValue<int>());
        var columns = body["columns"]!.AsArray().Select(c => (c!["name"]!.GetValue<string>(), c["type"]!.GetValue<string>())).ToList();
        Assert.Equal([("annee", "Year"), ("femmes", "Integer"), ("hommes", "Integer"), ("etranger", "Integer"), ("ch", "Integer"), ("total", "Integer")], columns);

        using var list = await app.Alice.GetAsync("/api/uploads");
        Assert.Contains((await ApiApp.ReadJsonAsync(list)).AsArray(), u => u!["source"]!.GetValue<string>() == source);
        using var sources = await app.Alice.GetAsync("/api/data-sources");
        Assert.Contains((await ApiApp.ReadJsonAsync(sources)).AsArray(), s => s!["name"]!.GetValue<string>() == source);

        var thread = await ApiApp.CreateThreadAsync(app.Alice, "Enrolment", source);

        using var asked = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true",
            new { question = "how many women in 2015?", clientRequestId = Guid.NewGuid(), mode = "offline" });
        var answer = await ApiApp.ReadJsonAsync(asked);
        Assert.True(answer["status"]!.GetValue<string>() == "Succeeded", answer.ToJsonString());
        Assert.Contains("1735", answer["result"]!.ToJsonString().Replace(",", ""));
        Assert.Contains("femmes", answer["sql"]!.GetValue<string>());
        Assert.Contains("2015", answer["sql"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_user_neither_sees_nor_queries_an_upload_and_its_role_reads_only_its_own_table()
    {
        using var created = await UploadAsync(app.Alice, "private.csv", "city,visits\nLausanne,3\nGeneva,5\n"u8.ToArray());
        var body = await ApiApp.ReadJsonAsync(created);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var source = body["source"]!.GetValue<string>();

        using var bobList = await app.Bob.GetAsync("/api/uploads");
        Assert.DoesNotContain((await ApiApp.ReadJsonAsync(bobList)).AsArray(), u => u!["source"]!.GetValue<string>() == source);
        using var bobSources = await app.Bob.GetAsync("/api/data-sources");
        Assert.DoesNotContain((await ApiApp.ReadJsonAsync(bobSources)).AsArray(), s => s!["name"]!.GetValue<string>() == source);
        using var bobThread = await app.Bob.Http.PostAsJsonAsync("/api/threads", new { title = "Peek", dataSource = source });
        Assert.Equal(HttpStatusCode.BadRequest, bobThread.StatusCode);
        using var bobDelete = await app.Bob.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/uploads/{source}") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.NotFound, bobDelete.StatusCode);

        // The upload's own role cannot read another upload's table, even by its qualified name.
        using var other = await UploadAsync(app.Bob, "other.csv", "secret\n42\n"u8.ToArray());
        var otherBody = await ApiApp.ReadJsonAsync(other);
        var registry = app.Factory.Services.GetRequiredService<NlAnalytics.Core.Data.IDataSourceRegistry>();
        var alices = registry.Resolve(source);
        await using var connection = new NpgsqlConnection(alices.QueryConnectionString);
        await connection.OpenAsync();
        var otherSchema = registry.Resolve(otherBody["source"]!.GetValue<string>()).ExposedSchemas[0];
        await using var peek = new NpgsqlCommand($"SELECT * FROM {otherSchema}.other", connection);
        var denied = await Assert.ThrowsAsync<PostgresException>(() => peek.ExecuteScalarAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        await using var write = new NpgsqlCommand($"INSERT INTO {alices.ExposedSchemas[0]}.private VALUES ('Bern', 1)", connection);
        await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());

        using var deleted = await app.Alice.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/uploads/{source}") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(registry.All, s => s.Name == source);
        Assert.False(await SchemaExistsAsync(alices.ExposedSchemas[0]));
    }

    [Theory]
    [InlineData("ragged.csv", "a;b;c\n1;2;3\n4;5\n6;7;8\n", "Line 3 has 2 fields, but the header has 3", 3)]
    [InlineData("empty.csv", "", "The file is empty.", null)]
    [InlineData("header-only.csv", "a,b\n", "The file has a header but no rows of data.", 2)]
    [InlineData("duplicate.csv", "name,total,Name\nx,1,y\n", "Line 1 names two columns 'Name' (columns 1 and 3)", 1)]
    [InlineData("clash.csv", "Total sales,total-sales\n1,2\n", "both become the column name 'total_sales'", 1)]
    [InlineData("notes.pdf", "%PDF-1.4", "is not a CSV, TSV, TXT or XLSX file", null)]
    public async Task A_bad_file_gets_a_clear_message_naming_the_line_and_leaves_nothing_behind(string fileName, string content, string message, int? line)
    {
        var before = await UploadSchemasAsync();
        using var refused = await UploadAsync(app.Alice, fileName, Encoding.UTF8.GetBytes(content));
        var problem = await ApiApp.ReadJsonAsync(refused);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(message, problem["detail"]!.GetValue<string>());
        Assert.Equal(line, problem["line"]?.GetValue<int>());
        Assert.Equal(before, await UploadSchemasAsync());
    }

    [Fact]
    public async Task A_UTF16_file_is_refused_as_not_UTF8_and_a_Latin1_file_is_read_as_Latin1()
    {
        using var utf16 = await UploadAsync(app.Alice, "utf16.csv", Encoding.Unicode.GetBytes("ville,total\nZürich,3\n"));
        Assert.Equal(HttpStatusCode.BadRequest, utf16.StatusCode);
        Assert.Contains("UTF-16 or not text", (await ApiApp.ReadJsonAsync(utf16))["detail"]!.GetValue<string>());

        using var latin1 = await UploadAsync(app.Alice, "latin1.csv", Encoding.Latin1.GetBytes("Ville;Année;Étudiants\nZürich;2020;3\nNeuchâtel;2021;4\n"), preview: true);
        var preview = await ApiApp.ReadJsonAsync(latin1);
        Assert.True(latin1.StatusCode == HttpStatusCode.OK, preview.ToJsonString());
        Assert.Equal("iso-8859-1", preview["encoding"]!.GetValue<string>());
        Assert.Equal(";", preview["separator"]!.GetValue<string>());
        Assert.Equal(["ville", "annee", "etudiants"], preview["columns"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal(["Ville", "Année", "Étudiants"], preview["columns"]!.AsArray().Select(c => c!["header"]!.GetValue<string>()));
        Assert.Equal(["Text", "Year", "Integer"], preview["columns"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));
        Assert.Equal("Neuchâtel", preview["firstRows"]![1]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_type_the_cells_do_not_fit_fails_on_the_first_bad_line_and_rolls_everything_back()
    {
        var before = await UploadSchemasAsync();
        var csv = "code,amount\n10,1.5\n20,2\nA7,3\n"u8.ToArray();
        using var refused = await UploadAsync(app.Alice, "codes.csv", csv, types: """{"code": "Integer"}""");
        var problem = await ApiApp.ReadJsonAsync(refused);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("Line 4, column 'code': 'A7' is not a whole number. Correct the cell, or make the column text.", problem["detail"]!.GetValue<string>());
        Assert.Equal(before, await UploadSchemasAsync());

        using var badType = await UploadAsync(app.Alice, "codes.csv", csv, types: """{"code": "Money"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);

        // Decimal stays decimal; text codes load as text.
        using var created = await UploadAsync(app.Alice, "codes.csv", csv);
        var body = await ApiApp.ReadJsonAsync(created);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(["Text", "Decimal"], body["columns"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_before_and_while_it_is_read_and_no_temporary_file_stays()
    {
        var uploads = app.Factory.Services.GetRequiredService<NlAnalytics.Core.Uploads.UploadService>();
        var twoGigabytes = 2L * 1024 * 1024 * 1024;
        var declared = await Assert.ThrowsAsync<NlAnalytics.Core.Uploads.UploadException>(() =>
            uploads.ReceiveAsync(Stream.Null, "big.csv", twoGigabytes, CancellationToken.None));
        Assert.Equal("The file is 2.0 GB; an upload is at most 100.0 MB.", declared.Message);

        // A stream that does not say its length (chunked) is cut off at the limit.
        var before = Directory.GetFiles(Path.GetTempPath(), "nla-upload-*").Length;
        await using var endless = new ZeroStream(uploads.Options.MaxFileBytes + 10);
        var streamed = await Assert.ThrowsAsync<NlAnalytics.Core.Uploads.UploadException>(() =>
            uploads.ReceiveAsync(endless, "big.csv", null, CancellationToken.None));
        Assert.Equal("The file is larger than 100.0 MB, the most an upload may be.", streamed.Message);
        Assert.Equal(before, Directory.GetFiles(Path.GetTempPath(), "nla-upload-*").Length);
    }

    [Fact]
    public async Task An_upload_that_would_pass_the_users_quota_is_refused_whole_and_one_that_fits_is_loaded()
    {
        var options = app.Factory.Services.GetRequiredService<NlAnalytics.Core.Uploads.UploadService>().Options;
        var original = options.QuotaBytesPerUser;
        using var list = await app.Bob.GetAsync("/api/uploads");
        var used = (await ApiApp.ReadJsonAsync(list)).AsArray().Sum(u => u!["bytes"]!.GetValue<long>());
        var csv = "region;visits\nnorth;12\nsouth;30\n"u8.ToArray();
        var before = await UploadSchemasAsync();
        try
        {
            options.QuotaBytesPerUser = used + csv.Length - 1;
            using var refused = await UploadAsync(app.Bob, "visits.csv", csv);
            var problem = await ApiApp.ReadJsonAsync(refused);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("over your quota of", problem["detail"]!.GetValue<string>());
            Assert.Contains("Remove an upload you no longer need", problem["detail"]!.GetValue<string>());
            Assert.Equal(before, await UploadSchemasAsync());

            options.QuotaBytesPerUser = used + csv.Length;
            using var created = await UploadAsync(app.Bob, "visits.csv", csv);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(before.Count + 1, (await UploadSchemasAsync()).Count);
        }
        finally
        {
            options.QuotaBytesPerUser = original;
        }
    }

    /// <summary>Reads as <c>length</c> zero bytes without holding them.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task An_XLSX_sheet_becomes_a_table_with_dates_numbers_and_text()
    {
        using var sheet = new MemoryStream();
        MiniExcelLibs.MiniExcel.SaveAs(sheet, new[]
        {
            new Dictionary<string, object?> { ["Store"] = "Lausanne", ["Opened"] = new DateTime(2019, 3, 1), ["Revenue"] = 1250.5m, ["Staff"] = 4 },
            new Dictionary<string, object?> { ["Store"] = "Geneva", ["Opened"] = new DateTime(2021, 9, 15), ["Revenue"] = 980m, ["Staff"] = 3 },
        });
        using var created = await UploadAsync(app.Alice, "stores.xlsx", sheet.ToArray());
        var body = await ApiApp.ReadJsonAsync(created);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        Assert.Equal([("store", "Text"), ("opened", "Date"), ("revenue", "Decimal"), ("staff", "Integer")],
            body["columns"]!.AsArray().Select(c => (c!["name"]!.GetValue<string>(), c["type"]!.GetValue<string>())));
        Assert.Equal(2, body["rows"]!.GetValue<int>());
    }

    private async Task<HttpResponseMessage> UploadAsync(BrowserSession session, string fileName, byte[] content, string? types = null, bool preview = false, string? descriptions = null)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(content), "file", fileName } };
        if (types is not null)
            form.Add(new StringContent(types), "types");
        if (descriptions is not null)
            form.Add(new StringContent(descriptions), "descriptions");
        using var request = new HttpRequestMessage(HttpMethod.Post, preview ? "/api/uploads?preview=true" : "/api/uploads") { Content = form };
        request.Headers.Add("X-Requested-With", "test");
        return await session.Http.SendAsync(request);
    }

    private async Task<List<string>> UploadSchemasAsync()
    {
        await using var connection = new NpgsqlConnection(app.Factory.Services.GetRequiredService<PlatformDatabases>().UploadsAdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'upload\\_%' ORDER BY 1", connection);
        var schemas = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            schemas.Add(reader.GetString(0));
        return schemas;
    }

    private async Task<bool> SchemaExistsAsync(string schema) => (await UploadSchemasAsync()).Contains(schema);
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Agents;
using NlAnalytics.Tests.Infrastructure;
using Npgsql;

namespace NlAnalytics.Tests.Offline;

/// <summary>
/// A parcel courier database written in abbreviations (tbl_prcl, typ_cd, actv_flg, wgt_kg) whose comments
/// say what the short names mean, read through the real catalog reader.
/// </summary>
public sealed class CourierDatabase : IAsyncLifetime
{
    private const string Schema = """
        CREATE SCHEMA crr;
        CREATE TABLE crr.tbl_clnt (clnt_id int PRIMARY KEY, clnt_nm text NOT NULL, sgmt_cd text NOT NULL);
        COMMENT ON TABLE crr.tbl_clnt IS 'Customer accounts (buyers, clients) that send parcels.';
        COMMENT ON COLUMN crr.tbl_clnt.clnt_nm IS 'Customer name.';
        COMMENT ON COLUMN crr.tbl_clnt.sgmt_cd IS 'Segment of the customer: smb (small business), corp (corporate).';
        CREATE TABLE crr.tbl_drvr (drvr_id int PRIMARY KEY, full_nm text NOT NULL, rgn_cd text NOT NULL, actv_flg boolean NOT NULL);
        COMMENT ON TABLE crr.tbl_drvr IS 'Drivers who deliver parcels.';
        COMMENT ON COLUMN crr.tbl_drvr.rgn_cd IS 'Region: north, south, east.';
        COMMENT ON COLUMN crr.tbl_drvr.actv_flg IS 'True while the driver is still under contract.';
        CREATE TABLE crr.tbl_prcl (prcl_id int PRIMARY KEY, clnt_id int NOT NULL REFERENCES crr.tbl_clnt, drvr_id int NOT NULL REFERENCES crr.tbl_drvr,
            typ_cd text NOT NULL, wgt_kg numeric(8,2) NOT NULL, fee_amt numeric(8,2) NOT NULL, dst_ctry_cd char(2) NOT NULL);
        COMMENT ON TABLE crr.tbl_prcl IS 'Parcels: one row per parcel sent by a customer.';
        COMMENT ON COLUMN crr.tbl_prcl.typ_cd IS 'Parcel type: std (standard), exp (express), frz (frozen).';
        COMMENT ON COLUMN crr.tbl_prcl.wgt_kg IS 'Weight in kilograms.';
        COMMENT ON COLUMN crr.tbl_prcl.fee_amt IS 'Fee billed to the customer.';
        COMMENT ON COLUMN crr.tbl_prcl.dst_ctry_cd IS 'Destination country, ISO alpha-2 code.';
        INSERT INTO crr.tbl_clnt SELECT i, 'Client ' || i, (ARRAY['smb','corp'])[1 + i % 2] FROM generate_series(1, 12) AS i;
        INSERT INTO crr.tbl_drvr SELECT i, 'Driver ' || i, (ARRAY['north','south','east'])[1 + i % 3], i % 4 <> 0 FROM generate_series(1, 20) AS i;
        INSERT INTO crr.tbl_prcl SELECT i, 1 + (i * 7) % 12, 1 + (i * 11) % 20, (ARRAY['std','exp','frz'])[1 + i % 3],
            round((1 + (i * 37) % 500) / 10.0, 2), round(5 + (i * 13) % 40, 2), (ARRAY['NO','SE','DK','NO','FI'])[1 + i % 5]
            FROM generate_series(1, 300) AS i;
        """;

    public string ConnectionString { get; private set; } = "";
    public DatabaseCatalog Catalog { get; private set; } = null!;
    /// <summary>Uncalibrated: these tests are about what abbreviated names compose to, not about the confidence of it.</summary>
    public OfflineSqlWriter Writer { get; } = new(TimeProvider.System, NullLogger<OfflineSqlWriter>.Instance, calibration: OfflineCalibration.Uncalibrated);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("offline_courier");
        await Sql.ExecuteAsync(ConnectionString, Schema);
        await using var services = AgentTeamServices.Create(llm: null);
        Catalog = await services.GetRequiredService<ICatalogProvider>()
            .GetAsync(new DataSource("courier", "Courier", ConnectionString, ConnectionString, ["crr"]), CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }
}

public sealed class AbbreviatedSchemaTests(CourierDatabase courier) : IClassFixture<CourierDatabase>
{
    private async Task AssertMeansAsync(string question, string expectedSql)
    {
        var draft = courier.Writer.Write(new SqlWritingContext(question, courier.Catalog, [], "", [], []));
        Assert.True(draft.Sql is not null, $"declined \"{question}\": {draft.Interpretation}");
        var expected = (await courier.RowsAsync(expectedSql)).Order(StringComparer.Ordinal).ToList();
        var actual = (await courier.RowsAsync(draft.Sql!)).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(actual),
            $"\"{question}\"\n{draft.Interpretation}\n{draft.Sql}\nexpected: {string.Join(" ; ", expected.Take(12))}\nactual:   {string.Join(" ; ", actual.Take(12))}");
    }

    [Fact]
    public Task A_noun_the_table_comment_gives_counts_that_table_even_when_a_measure_comment_mentions_it_too() =>
        AssertMeansAsync("How many corporate customers do we have?", "SELECT count(*) FROM crr.tbl_clnt WHERE sgmt_cd = 'corp'");

    [Fact]
    public Task A_column_named_only_by_generic_words_groups_when_the_question_says_that_word() =>
        AssertMeansAsync("Parcels by type", "SELECT typ_cd, count(*) FROM crr.tbl_prcl GROUP BY typ_cd");

    [Fact]
    public Task An_abbreviated_flag_the_question_spells_out_filters_the_rows() =>
        AssertMeansAsync("Active drivers per region", "SELECT rgn_cd, count(*) FROM crr.tbl_drvr WHERE actv_flg GROUP BY rgn_cd");

    [Fact]
    public Task Top_n_keeps_its_number_through_a_superlative() =>
        AssertMeansAsync("Top 3 heaviest parcels", "SELECT prcl_id, wgt_kg FROM crr.tbl_prcl ORDER BY wgt_kg DESC, prcl_id LIMIT 3");

    [Fact]
    public Task A_country_name_matches_the_iso_code_a_country_column_holds() =>
        AssertMeansAsync("How many parcels went to countries other than Norway?", "SELECT count(*) FROM crr.tbl_prcl WHERE dst_ctry_cd <> 'NO'");

    [Fact]
    public Task A_measure_per_unit_of_another_measure_divides_the_totals() =>
        AssertMeansAsync("Fee per kilogram", "SELECT sum(fee_amt)::numeric / sum(wgt_kg) FROM crr.tbl_prcl");
}

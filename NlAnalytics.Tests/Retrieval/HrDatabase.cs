using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Retrieval;
using NlAnalytics.Tests.Catalog;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Retrieval;

/// <summary>An HR database (deliberately not the demo) read through the real catalog reader, so the value index comes from ANALYZE.</summary>
public sealed class HrDatabase : IAsyncLifetime
{
    private const string Schema = """
        CREATE SCHEMA hr;
        CREATE SCHEMA payroll;
        CREATE SCHEMA audit;

        CREATE TABLE hr.departments (department_id int PRIMARY KEY, name text NOT NULL, location_city text NOT NULL);
        COMMENT ON TABLE hr.departments IS 'Organisational units of the company';

        CREATE TABLE hr.employees (
            employee_id int PRIMARY KEY,
            first_name text NOT NULL,
            last_name text NOT NULL,
            department_id int NOT NULL REFERENCES hr.departments,
            manager_id int REFERENCES hr.employees,
            hire_date date NOT NULL,
            employment_type text NOT NULL);
        COMMENT ON TABLE hr.employees IS 'People employed by the company';
        COMMENT ON COLUMN hr.employees.employment_type IS 'Contract kind';

        CREATE TABLE hr.projects (project_code text PRIMARY KEY, title text NOT NULL, budget numeric(12,2), status text NOT NULL);
        COMMENT ON TABLE hr.projects IS 'Internal projects';

        CREATE TABLE hr.project_assignments (
            employee_id int NOT NULL REFERENCES hr.employees,
            project_code text NOT NULL REFERENCES hr.projects,
            hours_per_week int NOT NULL,
            PRIMARY KEY (employee_id, project_code));
        COMMENT ON TABLE hr.project_assignments IS 'Who works on what';

        CREATE TABLE hr.leave_requests (
            request_id int PRIMARY KEY,
            employee_id int NOT NULL REFERENCES hr.employees,
            leave_type text NOT NULL,
            start_date date NOT NULL,
            days int NOT NULL);
        COMMENT ON TABLE hr.leave_requests IS 'Absences requested by employees';

        CREATE TABLE payroll.salary_payments (
            payment_id int PRIMARY KEY,
            employee_id int NOT NULL REFERENCES hr.employees,
            paid_on date NOT NULL,
            gross_amount numeric(12,2) NOT NULL,
            net_amount numeric(12,2) NOT NULL);
        COMMENT ON TABLE payroll.salary_payments IS 'Monthly salary paid to each employee';

        CREATE TABLE audit.login_events (event_id bigint PRIMARY KEY, user_name text NOT NULL, logged_in_at timestamptz NOT NULL, client text NOT NULL);
        COMMENT ON TABLE audit.login_events IS 'Sign-ins to the intranet';

        INSERT INTO hr.departments VALUES (1, 'Engineering', 'Lausanne'), (2, 'Finance', 'Geneva'), (3, 'Marketing', 'Geneva'), (4, 'Support', 'Lausanne');
        INSERT INTO hr.employees SELECT i, 'First' || i, 'Last' || i, 1 + i % 4, CASE WHEN i > 10 THEN 1 + i % 10 END, DATE '2015-01-01' + i * 11,
            (ARRAY['full-time', 'part-time', 'contractor'])[1 + i % 3] FROM generate_series(1, 300) i;
        INSERT INTO hr.projects VALUES ('P1', 'Apollo', 100000, 'active'), ('P2', 'Hermes', 50000, 'closed'), ('P3', 'Zephyr', 75000, 'active');
        INSERT INTO hr.project_assignments SELECT i, (ARRAY['P1', 'P2', 'P3'])[1 + i % 3], 10 + i % 30 FROM generate_series(1, 300) i;
        INSERT INTO hr.leave_requests SELECT i, 1 + i % 300, (ARRAY['vacation', 'sick', 'parental'])[1 + i % 3], DATE '2024-01-01' + i % 365, 1 + i % 10
            FROM generate_series(1, 900) i;
        INSERT INTO payroll.salary_payments SELECT i, 1 + i % 300, DATE '2024-01-25' + (i / 300) * 30, 8000, 6500 FROM generate_series(1, 3600) i;
        INSERT INTO audit.login_events SELECT i, 'user' || i % 50, now() - i * interval '1 hour', (ARRAY['web', 'mobile'])[1 + i % 2] FROM generate_series(1, 2000) i;
        ANALYZE;
        """;

    public string ConnectionString { get; private set; } = "";
    public DatabaseCatalog Catalog { get; private set; } = null!;
    public DataSource Source => new("hr", "HR", ConnectionString, null, []);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("retrieval");
        await LibraryDatabase.ExecuteAsync(ConnectionString, Schema);
        Catalog = await LibraryDatabase.NewReader().ReadAsync(Source, CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static SchemaRetriever NewRetriever(IEmbeddingProvider? embeddings = null, RetrievalOptions? options = null)
    {
        var wrapped = Options.Create(options ?? new RetrievalOptions());
        return new SchemaRetriever(new SchemaPromptBuilder(wrapped), wrapped, NullLogger<SchemaRetriever>.Instance, embeddings);
    }
}

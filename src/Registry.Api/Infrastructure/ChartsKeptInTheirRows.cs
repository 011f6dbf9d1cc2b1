using System.Data.Common;
using Registry.Projections.Patients;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace Registry.Api.Infrastructure;

/// <summary>
/// A patient's chart is upserted whole on every entry: its <c>data</c> is stored <c>main</c>, compressed in the chart's own
/// row rather than moved out to TOAST (new TOAST rows and TOAST index entries for every entry otherwise), so with the
/// table's free space (<see cref="FillFactor"/>) and no index over <c>data</c> an entry's update stays on its page (HOT).
/// Marten manages the fill factor; a column's storage it does not, so this object checks and sets it with the schema,
/// once the chart table is there (<see cref="Feature"/>).
/// </summary>
public sealed class ChartsKeptInTheirRows(string schema) : ISchemaObject
{
    /// <summary>Room on each page for a chart's next version beside the last (a long chart is a few KB compressed).</summary>
    public const int FillFactor = 50;

    private const string Table = "mt_doc_patientchart";

    public DbObjectName Identifier { get; } = new PostgresqlObjectName(schema, Table + "_data_storage", SchemaUtils.IdentifierUsage.General);

    public void WriteCreateStatement(Migrator migrator, TextWriter writer) =>
        writer.WriteLine($"alter table {schema}.{Table} alter column data set storage main;");

    public void WriteDropStatement(Migrator rules, TextWriter writer) =>
        writer.WriteLine($"alter table {schema}.{Table} alter column data set storage extended;");

    public void ConfigureQueryCommand(Weasel.Core.DbCommandBuilder builder)
    {
        builder.Append("select a.attstorage::text from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = ");
        builder.AppendParameter(schema);
        builder.Append(" and c.relname = ");
        builder.AppendParameter(Table);
        builder.Append(" and a.attname = 'data';");
    }

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        var storage = await reader.ReadAsync(ct) ? await reader.GetFieldValueAsync<string>(0, ct) : null;
        return new StorageDelta(this, storage == "m" ? SchemaPatchDifference.None : SchemaPatchDifference.Update);
    }

    public IEnumerable<DbObjectName> AllNames() => [];

    /// <summary>The schema feature that sets the storage after the chart table is created or updated.</summary>
    public sealed class Feature(string schema) : FeatureSchemaBase("ChartsKeptInTheirRows", new PostgresqlMigrator())
    {
        public override Type StorageType => typeof(ChartsKeptInTheirRows);

        public override IEnumerable<Type> DependentTypes() => [typeof(PatientChart)];

        protected override IEnumerable<ISchemaObject> schemaObjects() => [new ChartsKeptInTheirRows(schema)];
    }

    private sealed class StorageDelta(ChartsKeptInTheirRows charts, SchemaPatchDifference difference) : ISchemaObjectDelta
    {
        public ISchemaObject SchemaObject => charts;
        public SchemaPatchDifference Difference => difference;
        public void WriteUpdate(Migrator rules, TextWriter writer) => charts.WriteCreateStatement(rules, writer);
        public void WriteRollback(Migrator rules, TextWriter writer) => charts.WriteDropStatement(rules, writer);
        public void WriteRestorationOfPreviousState(Migrator rules, TextWriter writer) => charts.WriteDropStatement(rules, writer);
    }
}

using JasperFx;
using JasperFx.Events;
using Marten;
using JasperFx.Events.Projections;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Projections.Studies;
using Registry.Domain.Patients;
using Registry.Domain.Studies;
using Weasel.Core;

namespace Registry.Api.Infrastructure;

public static class EventStoreConfiguration
{
    public const string Schema = "registry";

    /// <summary>
    /// The store's shape. Event type names are pinned so the store stays readable when classes are renamed;
    /// enums are stored as strings so the raw events read as the clinic wrote them.
    /// </summary>
    public static StoreOptions Build(string connectionString)
    {
        var options = new StoreOptions();
        options.Connection(connectionString);
        options.DatabaseSchemaName = Schema;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.MetadataConfig.UserNameEnabled = true;

        options.Events.MapEventType<StudyRegistered>("study_registered");
        options.Events.MapEventType<ArmAdded>("arm_added");
        options.Events.MapEventType<PatientEnrolled>("patient_enrolled");
        options.Events.MapEventType<TreatmentStarted>("treatment_started");
        options.Events.MapEventType<ImagingAssessed>("imaging_assessed");
        options.Events.MapEventType<AdverseEventRecorded>("adverse_event_recorded");
        options.Events.MapEventType<DiseaseProgressed>("disease_progressed");
        options.Events.MapEventType<PatientDied>("patient_died");
        options.Events.MapEventType<LastKnownAlive>("last_known_alive");
        options.Events.MapEventType<WithdrewFromFollowUp>("withdrew_from_follow_up");
        options.Events.MapEventType<EntryCorrected>("entry_corrected");
        options.Events.MapEventType<EntryVoided>("entry_voided");

        options.Schema.For<SubjectCodeClaim>().Identity(c => c.Id);
        options.Schema.For<StudyCodeClaim>().Identity(c => c.Id);
        options.Projections.Add<StudyProjection>(ProjectionLifecycle.Inline);
        return options;
    }
}

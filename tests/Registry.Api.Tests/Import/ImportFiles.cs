using System.Text;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Registry.Api.Import;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Studies;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Registry.Api.Tests.Import;

/// <summary>Import files written as a spreadsheet would save them, and the import run in process as the verb and page run it.</summary>
public static class ImportFiles
{
    public const string EventsHeader =
        "subjectCode,kind,date,arm,agents,line,targetLesionSumMm,nonTargetStatus,newLesions,response,term,grade,serious,attribution,diedOn,basis,site,type,cause,reason";

    public const string SubjectsHeader = "subjectCode,site,arm,enrolledOn,age,sex,kps,liverMetastasis,ebvDna";

    /// <summary>Three eligible patients of <see cref="Scenarios.Protocol"/> at two sites, values as a spreadsheet writes them (TRUE, a missing code).</summary>
    public static string Subjects => Lines(SubjectsHeader,
        "P-001,S1,ITC,2021-01-04,45,Male,90,TRUE,positive",
        "P-002,S2,C,2021-01-11,62,Female,80,false,missing:unknown",
        "P-003,S1,C,2021-02-01,55,Male,70,FALSE,negative");

    /// <summary>Each patient treated and followed; P-001 responds, progresses and has a fatal adverse event with its death.</summary>
    public static string Events => Lines(EventsHeader,
        "P-001,treatmentStarted,2021-01-06,,camrelizumab;apatinib,2,,,,,,,,,,,,,,",
        "P-002,treatmentStarted,2021-01-12,,gemcitabine,,,,,,,,,,,,,,,",
        "P-003,treatmentStarted,2021-02-03,,,,,,,,,,,,,,,,,",
        "P-001,imagingAssessed,2021-03-01,,,,31.5,NonCRNonPD,false,PR,,,,,,,,,,",
        "P-001,adverseEventRecorded,2021-03-10,,,,,,,,Hypothyroidism,2,false,Probable,,,,,,",
        "P-002,imagingAssessed,2021-03-05,,,,48,None,true,PD,,,,,,,,,,",
        "P-002,diseaseProgressed,2021-03-05,,,,,,,,,,,,,Radiological,Distant,,,",
        "P-001,diseaseProgressed,2021-07-01,,,,,,,,,,,,,Clinical,,,,",
        "P-001,adverseEventRecorded,2021-08-01,,,,,,,,Pneumonitis,5,true,Possible,2021-08-09,,,,,",
        "P-002,lastKnownAlive,2021-09-30,,,,,,,,,,,,,,,,,",
        "P-003,withdrewFromFollowUp,2021-06-30,,,,,,,,,,,,,,,,,Moved abroad");

    public static string Lines(params string[] lines) => string.Join("\r\n", lines) + "\r\n";

    public static ImportFile File(string name, string text) => new(name, Encoding.UTF8.GetBytes(text));

    public static async Task<ImportOutcome> ImportAsync(this RegistryApp app, Guid studyId, ImportFile? subjects, ImportFile? events, bool dryRun = false,
        ImportFile? odm = null)
    {
        Study study;
        await using (var session = app.Store.QuerySession()) study = (await session.LoadAsync<Study>(studyId))!;
        var plan = StudyImports.Plan(study, subjects, events, odm);
        var json = app.Host.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return await StudyImport.RunAsync(app.Store, study, "importing-admin", plan, dryRun, json, null, CancellationToken.None);
    }
}

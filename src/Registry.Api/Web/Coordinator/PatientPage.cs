using System.Globalization;
using Marten;
using Microsoft.AspNetCore.Components;

namespace Registry.Api.Web.Coordinator;

/// <summary>
/// A page about one patient: loads the record (404 for an unknown patient, 403 for another site's) and reads the
/// patient's version a form was opened at, which every write checks so nothing is recorded over an unseen entry.
/// </summary>
public abstract class PatientPage : ComponentBase
{
    public const string ExpectedVersionField = "expectedVersion";

    [Parameter] public Guid PatientId { get; set; }
    [CascadingParameter] protected HttpContext HttpContext { get; set; } = null!;
    [Inject] protected IDocumentSession Session { get; set; } = null!;

    protected PatientRecord? Record { get; private set; }

    /// <summary>
    /// A submission, as opposed to opening the page. A refused submission still renders its (empty, hidden) form: the
    /// framework runs a form's handler only when the page shows a form of that name, and would otherwise answer a bare 400.
    /// </summary>
    protected bool IsPost => HttpMethods.IsPost(HttpContext.Request.Method);
    protected FormErrors Errors { get; set; } = FormErrors.None;

    /// <summary>False when the page can only say why it cannot be shown (<see cref="Errors"/>, with its status set).</summary>
    protected async Task<bool> LoadAsync()
    {
        (Record, var refusal) = await PatientRecord.LoadAsync(Session, HttpContext.User, PatientId, HttpContext.RequestAborted);
        if (Record is null) Refuse(refusal);
        return Record is not null;
    }

    protected void Refuse(FormErrors errors)
    {
        Errors = errors;
        PageStatus.Set(HttpContext, errors.Status);
    }

    /// <summary>The version the submitted form was opened at; null (and the form refused) when it does not say.</summary>
    protected long? PostedExpectedVersion()
    {
        if (long.TryParse(HttpContext.Request.Form[ExpectedVersionField], NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return version;
        Refuse(FormErrors.Page(StatusCodes.Status400BadRequest,
            "This form does not say which version of the patient's record it was opened at; nothing was recorded. Open it again from the patient's page."));
        return null;
    }
}

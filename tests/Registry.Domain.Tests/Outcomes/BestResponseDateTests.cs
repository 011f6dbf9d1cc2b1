using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Outcomes;

/// <summary>The date <see cref="OutcomeDerivation.BestResponseOn"/> gives the best overall response (ADRS BOR's ADT).</summary>
public sealed class BestResponseDateTests
{
    private static readonly DateOnly Start = D("2021-01-01");

    [Fact]
    public void A_response_is_dated_by_its_earliest_qualifying_timepoint_whatever_order_the_scans_are_given_in()
    {
        var scans = new[] { Scan("2021-04-01", TimepointResponse.PR), Scan("2021-03-01", TimepointResponse.PR), Scan("2021-02-01", TimepointResponse.SD) };
        Assert.Equal((BestOverallResponse.PR, (DateOnly?)D("2021-03-01")), OutcomeDerivation.BestResponseOn(Start, null, scans, ResponseCriteria.Default));
    }

    [Fact]
    public void With_confirmation_required_the_date_is_the_first_confirmed_response_and_an_unconfirmed_one_dates_stable_disease()
    {
        var confirmed = new ResponseCriteria(RequireConfirmation: true);
        // The PR of 1 Feb is confirmed by the PR of 1 Mar, 28 days later: the response dates from 1 Feb.
        var scans = new[] { Scan("2021-02-01", TimepointResponse.PR), Scan("2021-03-01", TimepointResponse.PR), Scan("2021-04-01", TimepointResponse.SD) };
        Assert.Equal((BestOverallResponse.PR, (DateOnly?)D("2021-02-01")), OutcomeDerivation.BestResponseOn(Start, null, scans, confirmed));
        // A lone PR on 20 Feb (50 days in) cannot be confirmed: stable disease, dated by that timepoint.
        Assert.Equal((BestOverallResponse.SD, (DateOnly?)D("2021-02-20")),
            OutcomeDerivation.BestResponseOn(Start, null, [Scan("2021-02-20", TimepointResponse.PR)], confirmed));
    }

    [Fact]
    public void Progressive_disease_is_dated_by_the_first_failure_and_not_evaluable_has_no_date()
    {
        Assert.Equal((BestOverallResponse.PD, (DateOnly?)D("2021-01-20")),
            OutcomeDerivation.BestResponseOn(Start, D("2021-01-20"), [Scan("2021-01-20", TimepointResponse.SD)], ResponseCriteria.Default));
        Assert.Equal((BestOverallResponse.NE, (DateOnly?)null), OutcomeDerivation.BestResponseOn(Start, null, [Scan("2021-01-15", TimepointResponse.NE)], ResponseCriteria.Default));
    }
}

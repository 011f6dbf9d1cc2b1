using FsCheck.Xunit;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Domain.Tests.Properties;

/// <summary>
/// What must hold for every patient whatever was recorded: the derivation is total, and the endpoints of
/// <see cref="EndpointCatalogue"/> keep the relations their definitions imply. Each property takes an accepted and a raw
/// history (see <see cref="RawHistory"/>), except where a relation holds only under the write side's rules.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 300)]
public sealed class OutcomeDerivationProperties
{
    private static readonly string[] Survival = ["pfs", "os", "efs", "ffs", "dmfs", "lrrfs", "ttp"];

    private static PatientOutcome Derive(History h, DateOnly? cut) => OutcomeDerivation.Derive(h.Timeline, h.Protocol, cut);

    /// <summary>The outcome with the history's own cut and without one: every relation below must hold for both.</summary>
    private static IEnumerable<PatientOutcome> Outcomes(History h) => [Derive(h, h.DataCut), Derive(h, null)];

    private static TimeToEvent T(PatientOutcome o, string endpoint) => o.Time(endpoint) ?? throw new Xunit.Sdk.XunitException($"{endpoint} is missing");

    [Property]
    public void Derivation_never_throws_for_any_history_at_any_data_cut(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var h in new History[] { accepted, raw })
            foreach (var cut in new DateOnly?[] { h.DataCut, null, DateOnly.MinValue, DateOnly.MaxValue, h.Scenario.Enrolment.EnrolledOn.AddDays(-1) })
                Derive(h, cut);
    }

    [Property]
    public void The_outcome_for_one_endpoint_is_the_whole_outcome_as_far_as_a_comparison_on_that_endpoint_reads_it(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var h in new History[] { accepted, raw })
            foreach (var cut in new DateOnly?[] { h.DataCut, null })
            {
                var whole = Derive(h, cut);
                foreach (var endpoint in EndpointCatalogue.All.Select(e => e.Code))
                {
                    var one = OutcomeDerivation.DeriveFor(endpoint, h.Timeline, h.Protocol, cut);
                    Assert.Equal((whole.PatientId, whole.Arm, whole.ExcludedBecause, whole.OriginOn), (one.PatientId, one.Arm, one.ExcludedBecause, one.OriginOn));
                    var (expected, actual) = (whole.Time(endpoint), one.Time(endpoint));
                    Assert.Equal(expected, actual);
                    Assert.Equal((expected?.End?.From, expected?.End?.On, expected?.End?.Censoring), (actual?.End?.From, actual?.End?.On, actual?.End?.Censoring));
                }
            }
    }

    [Property]
    public void The_outcome_without_ends_is_the_whole_outcome_but_where_its_times_end(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var h in new History[] { accepted, raw })
            foreach (var cut in new DateOnly?[] { h.DataCut, null })
            {
                var whole = Derive(h, cut);
                var kept = OutcomeDerivation.DeriveWithoutEnds(h.Timeline, h.Protocol, cut);
                // Days and event of every time, in the same order; TimeToEvent's equality reads nothing else.
                Assert.Equal(whole.Times.Select(t => (t.Key, t.Value.Days, t.Value.Event)), kept.Times.Select(t => (t.Key, t.Value.Days, t.Value.Event)));
                Assert.All(kept.Times.Values, t => Assert.Null(t.End));
                Assert.Equal(whole with { Times = kept.Times, AdverseEvents = kept.AdverseEvents }, kept);
                Assert.Equal(whole.AdverseEvents, kept.AdverseEvents);
            }
    }

    [Property]
    public void Every_time_is_at_least_zero_days(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)))
            Assert.All(o.Times, t => Assert.True(t.Value.Days >= 0, $"{t.Key} is {t.Value.Days} days"));
    }

    [Property]
    public void An_analysable_patient_has_every_survival_endpoint_and_an_excluded_one_has_none_and_a_reason(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)))
        {
            if (o.Analysable)
            {
                Assert.All(Survival, e => Assert.NotNull(o.Time(e)));
                Assert.NotNull(o.Arm);
                Assert.NotNull(o.OriginOn);
            }
            else
            {
                Assert.Empty(o.Times);
                Assert.False(string.IsNullOrWhiteSpace(o.ExcludedBecause)); // every view reports excluded patients by reason
            }
            // Only catalogue endpoints, and never a rate among the times.
            Assert.All(o.Times.Keys, k => Assert.Equal(EndpointKind.TimeToEvent, EndpointCatalogue.Find(k)?.Kind));
        }
    }

    [Property]
    public void Duration_of_response_is_there_exactly_for_responders(AcceptedHistory accepted, RawHistory raw)
    {
        // DOR: "among responders (best overall response CR or PR)".
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)).Where(o => o.Analysable))
            Assert.Equal(o.BestOverallResponse is BestOverallResponse.CR or BestOverallResponse.PR, o.Time("dor") is not null);
    }

    [Property]
    public void A_confirmed_response_is_a_best_response_of_CR_or_PR(AcceptedHistory accepted, RawHistory raw)
    {
        // A response confirmed under the protocol's interval is a response whether or not the protocol requires confirmation.
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)).Where(o => o.ConfirmedResponse))
            Assert.Contains(o.BestOverallResponse, new[] { BestOverallResponse.CR, BestOverallResponse.PR });
    }

    [Property]
    public void PFS_and_EFS_end_with_the_same_event_and_PFS_is_never_the_longer(AcceptedHistory accepted, RawHistory raw)
    {
        // Both: first failure (any site, imaging PD included) or death. Censored, PFS stops at the last assessment,
        // which is a recorded date no later than the last date known alive (or the cut) where EFS stops.
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)).Where(o => o.Analysable))
        {
            var (pfs, efs) = (T(o, "pfs"), T(o, "efs"));
            Assert.Equal(efs.Event, pfs.Event);
            if (efs.Event) Assert.Equal(efs.Days, pfs.Days);
            Assert.True(pfs.Days <= efs.Days, $"pfs {pfs} > efs {efs}");
        }
    }

    [Property]
    public void EFS_is_the_first_of_failure_and_death(AcceptedHistory accepted, RawHistory raw)
    {
        // FFS's event is failure, OS's is death; EFS's is whichever came first.
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)).Where(o => o.Analysable))
        {
            var (efs, ffs, os) = (T(o, "efs"), T(o, "ffs"), T(o, "os"));
            Assert.Equal(ffs.Event || os.Event, efs.Event);
            if (efs.Event) Assert.Equal(new[] { ffs, os }.Where(t => t.Event).Min(t => t.Days), efs.Days);
        }
    }

    [Property]
    public void TTP_and_FFS_end_with_the_same_failure(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)).Where(o => o.Analysable))
        {
            var (ttp, ffs) = (T(o, "ttp"), T(o, "ffs"));
            Assert.Equal(ffs.Event, ttp.Event);
            if (ffs.Event) Assert.Equal(ffs.Days, ttp.Days);
        }
    }

    [Property]
    public void No_endpoint_that_counts_death_or_stops_at_the_last_contact_ends_before_EFS(AcceptedHistory accepted, RawHistory raw)
    {
        // EFS's event is the earliest failure or death, and every failure is a recorded date no later than the last
        // contact or the cut: so OS, FFS, DMFS and LRRFS (events at a subset of those, or censored at the last contact,
        // the cut or death) are never shorter. In particular DMFS and LRRFS are at least EFS when EFS is an event.
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)).Where(o => o.Analysable))
        {
            var efs = T(o, "efs");
            foreach (var e in new[] { "os", "ffs", "dmfs", "lrrfs" })
                Assert.True(efs.Days <= T(o, e).Days, $"efs {efs} > {e} {T(o, e)}");
        }
    }

    [Property]
    public void A_death_is_an_event_for_PFS_EFS_DMFS_and_LRRFS_no_later_than_OS(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var o in Outcomes(accepted).Concat(Outcomes(raw)).Where(o => o.Analysable))
        {
            var os = T(o, "os");
            Assert.True(T(o, "pfs").Days <= os.Days, $"pfs {T(o, "pfs")} > os {os}");
            if (!os.Event) continue;
            foreach (var e in new[] { "pfs", "efs", "dmfs", "lrrfs" })
                Assert.True(T(o, e).Event && T(o, e).Days <= os.Days, $"os {os} but {e} {T(o, e)}");
        }
    }

    [Property]
    public void Under_the_write_sides_rules_TTP_is_never_longer_than_FFS(AcceptedHistory accepted)
    {
        // Censored, TTP stops at the last assessment and FFS at death or the last contact; nothing is accepted after a
        // death, so the last assessment is never later. (A raw stream with imaging after death can break this.)
        foreach (var o in Outcomes(accepted).Where(o => o.Analysable))
            Assert.True(T(o, "ttp").Days <= T(o, "ffs").Days, $"ttp {T(o, "ttp")} > ffs {T(o, "ffs")}");
    }

    [Property]
    public void Under_the_write_sides_rules_a_response_ends_with_PFS_and_is_never_longer(AcceptedHistory accepted)
    {
        // DOR runs from the first response (on or after the origin) to PFS's own event; nothing is accepted after a
        // death, so the death is never before the first response.
        foreach (var o in Outcomes(accepted).Where(o => o.Time("dor") is not null))
        {
            var (dor, pfs) = (T(o, "dor"), T(o, "pfs"));
            Assert.Equal(pfs.Event, dor.Event);
            Assert.True(dor.Days <= pfs.Days, $"dor {dor} > pfs {pfs}");
        }
    }

    [Property]
    public void A_data_cut_never_lengthens_a_time_nor_adds_an_endpoint(AcceptedHistory accepted, RawHistory raw)
    {
        // A cut only removes facts (those after it) and ends follow-up at it: whatever it shows, the full history shows
        // at least as long, and every endpoint or patient it analyses is analysed without it too.
        foreach (var h in new History[] { accepted, raw })
        {
            var cut = h.DataCut ?? h.Scenario.Enrolment.EnrolledOn.AddDays(90);
            var (atCut, full) = (Derive(h, cut), Derive(h, null));
            if (!atCut.Analysable) continue;
            Assert.True(full.Analysable);
            foreach (var (endpoint, time) in atCut.Times)
            {
                var later = full.Time(endpoint);
                Assert.True(later is not null && time.Days <= later.Days, $"{endpoint} is {time} at the cut {cut:yyyy-MM-dd} but {later?.ToString() ?? "absent"} without it");
            }
        }
    }

    [Property]
    public void An_event_seen_at_a_data_cut_is_the_same_event_without_the_cut(AcceptedHistory accepted, RawHistory raw)
    {
        // Facts up to the cut are all still there without it, and any fact it removes is later than the cut.
        foreach (var h in new History[] { accepted, raw })
        {
            var cut = h.DataCut ?? h.Scenario.Enrolment.EnrolledOn.AddDays(90);
            var (atCut, full) = (Derive(h, cut), Derive(h, null));
            foreach (var (endpoint, time) in atCut.Times.Where(t => t.Value.Event))
                Assert.Equal(time, full.Time(endpoint));
        }
    }

    [Property]
    public void At_a_data_cut_no_analysable_patients_time_reaches_past_the_cut(AcceptedHistory accepted, RawHistory raw)
    {
        // "Facts dated after the cut are ignored": the origin is one of those facts, so a patient whose origin is after
        // the cut is not yet in the analysis at it, and no time runs past the cut.
        foreach (var h in new History[] { accepted, raw })
        {
            if (h.DataCut is not { } cut) continue;
            var o = Derive(h, cut);
            if (!o.Analysable) continue;
            Assert.True(o.OriginOn <= cut, $"analysable at the cut {cut:yyyy-MM-dd} with origin {o.OriginOn:yyyy-MM-dd} (time origin {h.Protocol.TimeOrigin})");
            Assert.All(o.Times, t => Assert.True(o.OriginOn!.Value.AddDays(t.Value.Days) <= cut, $"{t.Key} {t.Value} runs past the cut"));
        }
    }
}

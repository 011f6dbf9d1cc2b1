using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Registry.Domain.Protocols;

namespace Registry.Domain.Tests.Properties;

/// <summary>
/// ProtocolRules guards registration and amendment, so it must answer with field errors for any protocol a client can
/// send, however incomplete; and the data dictionary must apply any protocol the rules accept to any baseline.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 300)]
public sealed class ProtocolProperties
{
    [Property]
    public void Protocol_rules_answer_with_field_errors_for_protocols_with_null_lists_or_elements(MangledProtocol mangled)
    {
        _ = ProtocolRules.Errors(mangled.Protocol);
    }

    [Property]
    public void Amendment_rules_never_throw_between_protocols_the_rules_accept(BaselineAgainstLaxProtocol current, BaselineAgainstProtocol amended)
    {
        // Both directions: the current protocol may be the lax one, or the amendment may be.
        _ = ProtocolRules.AmendmentViolations(current.Protocol, amended.Protocol);
        _ = ProtocolRules.AmendmentViolations(amended.Protocol, current.Protocol);
        _ = ProtocolRules.AmendmentViolations(amended.Protocol, amended.Protocol with { Arms = [.. amended.Protocol.Arms.Skip(1)] });
    }

    [Property]
    public void The_data_dictionary_takes_any_baseline_against_any_protocol(BaselineAgainstProtocol x) => ApplyDictionary(x.Protocol, x.Baseline);

    [Property]
    public void The_data_dictionary_takes_any_baseline_against_a_protocol_the_rules_accept_despite_nulls(BaselineAgainstLaxProtocol x)
    {
        // ProtocolRules lets these through (it reads a null list as empty), so every consumer of the protocol has to as well.
        ApplyDictionary(x.Protocol, x.Baseline);
    }

    private static void ApplyDictionary(Protocol protocol, BaselineValues baseline)
    {
        _ = DataDictionary.Errors(protocol, baseline);
        _ = DataDictionary.Ineligibility(protocol, baseline);
        foreach (var v in protocol.GroupableVariables)
        {
            _ = DataDictionary.GroupLabels(v);
            _ = DataDictionary.GroupOf(v, baseline.Get(v.Key));
            _ = DataDictionary.NumericOf(baseline.Get(v.Key));
        }
    }

    [Property]
    public void A_value_without_field_errors_falls_in_one_of_its_variables_groups(BaselineAgainstProtocol x)
    {
        // Tables list GroupLabels and count GroupOf: a valid value outside the labels would vanish from a table.
        var errors = DataDictionary.Errors(x.Protocol, x.Baseline);
        foreach (var v in x.Protocol.GroupableVariables.Where(v => !errors.ContainsKey($"baseline.{v.Key}")))
        {
            var value = x.Baseline.Get(v.Key)!;
            var group = DataDictionary.GroupOf(v, value);
            if (value.IsMissing) Assert.Equal(MissingCodes.Label(value.Missing!), group);
            else Assert.Contains(group, DataDictionary.GroupLabels(v));
        }
    }

    /// <summary>Text as a client can send it: any characters but lone surrogates, which are not UTF-16 text at all.</summary>
    private static readonly Gen<string> Texts =
        ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => s.Get).Where(s => !s.Any(char.IsSurrogate));

    [Property]
    public Property A_baseline_survives_a_JSON_round_trip()
    {
        // Every value JSON can carry: finite numbers, any text, yes/no, any missing code; keys with dots stay flat.
        var values = Gen.OneOf(
            Gen.Choose(-1_000_000, 1_000_000).Select(n => BaselineValue.Of(n / 8.0)),
            Gen.Elements(0.1, 1e-300, 1.7976931348623157e308, -0.0).Select(BaselineValue.Of),
            Texts.Select(BaselineValue.Of),
            Gen.Elements(true, false).Select(BaselineValue.Of),
            Gen.Elements(MissingCodes.Unknown, MissingCodes.NotDone, "other").Select(BaselineValue.MissingAs));
        var keys = Gen.OneOf(Gen.Elements("age", "metastaticSites.count", "a.b.c", "é", ""), Texts);
        var baselines = (from pairs in Gen.Zip(keys, values).ListOf()
                         select new BaselineValues(pairs.DistinctBy(p => p.Item1).Select(p => new KeyValuePair<string, BaselineValue>(p.Item1, p.Item2)))).ToArbitrary();

        return Prop.ForAll(baselines, baseline =>
            Assert.Equal(baseline, JsonSerializer.Deserialize<BaselineValues>(JsonSerializer.Serialize(baseline))));
    }
}

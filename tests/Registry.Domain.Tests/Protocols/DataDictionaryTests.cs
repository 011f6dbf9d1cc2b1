using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Protocols;

/// <summary>
/// The data dictionary applied to a baseline: one field error per kind of mistake, keyed <c>baseline.KEY</c> so a
/// client can put it beside the field; eligibility; and the groups tables and forest plots split patients by.
/// </summary>
public sealed class DataDictionaryTests
{
    private static readonly Protocol Study = SingleArm() with
    {
        Variables =
        [
            new("age", "Age", VariableTypes.Integer, Min: 18, Max: 100, Unit: "years", Grouping: new Grouping(CutPoints: [50])),
            new("bmi", "BMI", VariableTypes.Decimal, Min: 10, Max: 60, Grouping: new Grouping(CutPoints: [18.5, 24])),
            new("sex", "Sex", VariableTypes.Category, Levels: ["male", "female"]),
            new("ecog", "ECOG", VariableTypes.Category, Levels: ["0", "1", "2"],
                Grouping: new Grouping(Merge: [new MergedLevels("0–1", ["0", "1"])])),
            new("kps", "Karnofsky score", VariableTypes.Integer, Min: 0, Max: 100,
                Grouping: new Grouping(CutPoints: [70, 90], Labels: ["<70", "70–80", "90–100"])),
            new("liver", "Liver metastasis", VariableTypes.Boolean),
            new("diagnosedOn", "Date of diagnosis", VariableTypes.Date),
            new("notes", "Notes", VariableTypes.Text, Required: false),
            new("ebvDna", "EBV DNA", VariableTypes.Category, Levels: ["negative", "positive"], Required: false, Missing: [MissingCodes.Unknown]),
            new("pdL1", "PD-L1 CPS", VariableTypes.Decimal, Min: 0, Max: 100, Required: false),
        ],
    };

    private static readonly (string Key, BaselineValue Value)[] Valid =
    [
        ("age", BaselineValue.Of(52)), ("bmi", BaselineValue.Of(22.5)), ("sex", BaselineValue.Of("female")), ("ecog", BaselineValue.Of("1")),
        ("kps", BaselineValue.Of(80)), ("liver", BaselineValue.Of(true)), ("diagnosedOn", BaselineValue.Of("2019-06-30")),
        ("notes", BaselineValue.Of("referred from S2")), ("ebvDna", BaselineValue.MissingAs(MissingCodes.Unknown)),
        ("pdL1", BaselineValue.MissingAs(MissingCodes.NotDone)),
    ];

    /// <summary>The valid baseline with one value replaced (or, given null, left out).</summary>
    private static BaselineValues ValidWith(string key, BaselineValue? value) =>
        Baseline([.. Valid.Where(v => v.Key != key), .. value is null ? [] : new[] { (key, value) }]);

    private static Variable V(string key) => Study.Variable(key)!;

    [Fact]
    public void A_complete_baseline_has_no_errors()
    {
        Assert.Empty(DataDictionary.Errors(Study, Baseline(Valid)));
    }

    [Fact]
    public void A_key_outside_the_dictionary_is_an_error_on_that_key()
    {
        var errors = DataDictionary.Errors(Study, Baseline([.. Valid, ("weight", BaselineValue.Of(70))]));
        Assert.Equal(["baseline.weight"], errors.Keys);
        Assert.StartsWith("'weight' is not a variable of study NPC-ITC's data dictionary", errors["baseline.weight"].Single());
    }

    [Theory]
    [InlineData("age", "fifty", "age must be a number")]
    [InlineData("liver", "yes", "liver must be true or false.")]
    [InlineData("diagnosedOn", "30/06/2019", "diagnosedOn must be a date in the form YYYY-MM-DD.")]
    public void A_text_where_another_type_is_expected_is_a_wrong_type(string key, string text, string expected)
    {
        Assert.StartsWith(expected, DataDictionary.Errors(Study, ValidWith(key, BaselineValue.Of(text)))[$"baseline.{key}"].Single());
    }

    [Fact]
    public void A_number_for_a_category_or_text_is_a_wrong_type()
    {
        Assert.Equal(["sex must be one of 'male', 'female'."], DataDictionary.Errors(Study, ValidWith("sex", BaselineValue.Of(1)))["baseline.sex"]);
        Assert.Equal(["notes must be text."], DataDictionary.Errors(Study, ValidWith("notes", BaselineValue.Of(1)))["baseline.notes"]);
    }

    [Fact]
    public void A_fraction_for_an_integer_is_refused_but_whole_numbers_written_as_decimals_are_not()
    {
        Assert.Equal(["age must be a whole number."], DataDictionary.Errors(Study, ValidWith("age", BaselineValue.Of(52.5)))["baseline.age"]);
        Assert.Empty(DataDictionary.Errors(Study, ValidWith("age", BaselineValue.Of(52.0))));
    }

    [Theory]
    [InlineData(17, false)]
    [InlineData(18, true)]  // bounds are inclusive
    [InlineData(100, true)]
    [InlineData(101, false)]
    public void A_number_outside_the_variables_range_is_an_error(double age, bool valid)
    {
        var errors = DataDictionary.Errors(Study, ValidWith("age", BaselineValue.Of(age)));
        if (valid) Assert.Empty(errors);
        else Assert.Equal([$"age must be between 18 and 100 years; {age} is outside."], errors["baseline.age"]);
    }

    [Fact]
    public void A_level_not_listed_is_an_error_and_levels_are_case_sensitive()
    {
        Assert.Equal(["sex must be one of 'male', 'female', not 'other'."], DataDictionary.Errors(Study, ValidWith("sex", BaselineValue.Of("other")))["baseline.sex"]);
        Assert.Equal(["sex must be one of 'male', 'female', not 'Male'."], DataDictionary.Errors(Study, ValidWith("sex", BaselineValue.Of("Male")))["baseline.sex"]);
    }

    [Fact]
    public void A_required_variable_left_out_or_recorded_as_missing_is_an_error()
    {
        Assert.Equal(["Age (age) is required."], DataDictionary.Errors(Study, ValidWith("age", null))["baseline.age"]);
        Assert.Equal(["Age (age) is required and cannot be recorded as missing."],
            DataDictionary.Errors(Study, ValidWith("age", BaselineValue.MissingAs(MissingCodes.Unknown)))["baseline.age"]);
    }

    [Fact]
    public void An_optional_variable_still_has_to_be_answered_with_a_value_or_a_missing_code()
    {
        // Nothing is filled in by default: leaving an optional field out is not the same as saying it is unknown.
        Assert.Equal(["PD-L1 CPS (pdL1) must be given: a value, or null / {\"missing\":\"unknown|notDone\"} when it is not known."],
            DataDictionary.Errors(Study, ValidWith("pdL1", null))["baseline.pdL1"]);
    }

    [Fact]
    public void A_missing_code_the_variable_does_not_allow_is_an_error()
    {
        // ebvDna lists only 'unknown': a test that was not done is not a reason this study accepts.
        Assert.Equal(["ebvDna may be recorded as missing only with 'unknown', not 'notDone'."],
            DataDictionary.Errors(Study, ValidWith("ebvDna", BaselineValue.MissingAs(MissingCodes.NotDone)))["baseline.ebvDna"]);
    }

    [Fact]
    public void Null_in_JSON_is_recorded_as_unknown_and_allowed_for_an_optional_variable()
    {
        var baseline = System.Text.Json.JsonSerializer.Deserialize<BaselineValues>(
            """{"age":52,"bmi":22.5,"sex":"female","ecog":"1","kps":80,"liver":true,"diagnosedOn":"2019-06-30","notes":null,"ebvDna":null,"pdL1":null}""")!;
        Assert.Equal(BaselineValue.MissingAs(MissingCodes.Unknown), baseline.Get("pdL1"));
        Assert.Empty(DataDictionary.Errors(Study, baseline));
    }

    [Fact]
    public void Errors_are_keyed_under_the_prefix_given_so_a_correction_names_its_own_field()
    {
        Assert.Equal(["replacement.baseline.age"], DataDictionary.Errors(Study, ValidWith("age", null), "replacement.baseline").Keys);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = DataDictionary.Errors(Study, Baseline(("age", BaselineValue.Of(7.5)), ("sex", BaselineValue.Of("x"))));
        Assert.Equal(["age", "bmi", "diagnosedOn", "ebvDna", "ecog", "kps", "liver", "notes", "pdL1", "sex"],
            errors.Keys.Select(k => k["baseline.".Length..]).Order(StringComparer.Ordinal));
        Assert.Equal(2, errors["baseline.age"].Count + errors["baseline.sex"].Count); // 7.5: not whole (first problem reported); 'x' not a level
    }

    // ── eligibility ─────────────────────────────────────────────────────────────────────────────────────────────

    private static Protocol WithEligibility(params EligibilityCriterion[] criteria) => Study with { Eligibility = criteria };

    [Theory]
    [InlineData(17, false)]
    [InlineData(18, true)]
    [InlineData(75, true)] // both ends of the range are eligible
    [InlineData(76, false)]
    public void An_age_outside_the_criterions_range_is_not_eligible(double age, bool eligible)
    {
        var failed = DataDictionary.Ineligibility(WithEligibility(new EligibilityCriterion("age", Min: 18, Max: 75)), ValidWith("age", BaselineValue.Of(age)));
        if (eligible) Assert.Empty(failed);
        else Assert.Equal([$"Not eligible: Age 18–75 years (recorded {age})."], failed);
    }

    [Fact]
    public void A_level_not_among_the_criterions_levels_is_not_eligible()
    {
        var study = WithEligibility(new EligibilityCriterion("ecog", Levels: ["0", "1"]));
        Assert.Empty(DataDictionary.Ineligibility(study, ValidWith("ecog", BaselineValue.Of("1"))));
        Assert.Equal(["Not eligible: ECOG must be 0 or 1 (recorded 2)."], DataDictionary.Ineligibility(study, ValidWith("ecog", BaselineValue.Of("2"))));
    }

    [Fact]
    public void A_boolean_must_be_the_criterions_answer()
    {
        var study = WithEligibility(new EligibilityCriterion("liver", MustBe: false, Label: "No liver metastasis"));
        Assert.Empty(DataDictionary.Ineligibility(study, ValidWith("liver", BaselineValue.Of(false))));
        // The protocol's own label is what the coordinator reads.
        Assert.Equal(["Not eligible: No liver metastasis (recorded Yes)."], DataDictionary.Ineligibility(study, ValidWith("liver", BaselineValue.Of(true))));
    }

    [Fact]
    public void A_missing_or_absent_value_fails_a_criterion_over_it()
    {
        // Eligibility has to be shown, not assumed: unknown EBV DNA does not meet "EBV DNA positive".
        var study = WithEligibility(new EligibilityCriterion("ebvDna", Levels: ["positive"]));
        Assert.Equal(["Not eligible: EBV DNA must be positive (recorded Unknown)."], DataDictionary.Ineligibility(study, ValidWith("ebvDna", BaselineValue.MissingAs(MissingCodes.Unknown))));
        Assert.Equal(["Not eligible: EBV DNA must be positive (recorded nothing)."], DataDictionary.Ineligibility(study, ValidWith("ebvDna", null)));
    }

    [Fact]
    public void Every_failed_criterion_is_listed()
    {
        var study = WithEligibility(new EligibilityCriterion("age", Max: 75), new EligibilityCriterion("kps", Min: 70));
        Assert.Equal(["Not eligible: Age ≤ 75 years (recorded 80).", "Not eligible: Karnofsky score ≥ 70 (recorded 60)."],
            DataDictionary.Ineligibility(study, Baseline([.. Valid.Where(v => v.Key is not ("age" or "kps")), ("age", BaselineValue.Of(80)), ("kps", BaselineValue.Of(60))])));
    }

    // ── groups ──────────────────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    // Each group is [previous cut, cut): a value on a cut-point belongs to the group above it.
    [InlineData(49.9, "<50")]
    [InlineData(50, "≥50")]
    [InlineData(18, "<50")]
    public void A_cut_point_starts_the_group_above_it(double age, string group)
    {
        Assert.Equal(group, DataDictionary.GroupOf(V("age"), BaselineValue.Of(age)));
    }

    [Theory]
    [InlineData(69, "<70")]
    [InlineData(70, "70–80")]
    [InlineData(89, "70–80")]
    [InlineData(90, "90–100")]
    public void Labelled_cut_points_use_the_protocols_labels(double kps, string group)
    {
        Assert.Equal(group, DataDictionary.GroupOf(V("kps"), BaselineValue.Of(kps)));
    }

    [Fact]
    public void Unlabelled_cut_points_generate_half_open_labels()
    {
        Assert.Equal(["<18.5", "18.5–<24", "≥24"], DataDictionary.GroupLabels(V("bmi")));
        Assert.Equal("18.5–<24", DataDictionary.GroupOf(V("bmi"), BaselineValue.Of(18.5)));
        Assert.Equal("≥24", DataDictionary.GroupOf(V("bmi"), BaselineValue.Of(24)));
    }

    [Fact]
    public void Merged_levels_form_one_group_listed_before_the_levels_left_alone()
    {
        Assert.Equal(["0–1", "2"], DataDictionary.GroupLabels(V("ecog")));
        Assert.Equal("0–1", DataDictionary.GroupOf(V("ecog"), BaselineValue.Of("0")));
        Assert.Equal("0–1", DataDictionary.GroupOf(V("ecog"), BaselineValue.Of("1")));
        Assert.Equal("2", DataDictionary.GroupOf(V("ecog"), BaselineValue.Of("2")));
    }

    [Fact]
    public void A_boolean_groups_as_no_and_yes()
    {
        Assert.Equal(["No", "Yes"], DataDictionary.GroupLabels(V("liver")));
        Assert.Equal("Yes", DataDictionary.GroupOf(V("liver"), BaselineValue.Of(true)));
        Assert.Equal("No", DataDictionary.GroupOf(V("liver"), BaselineValue.Of(false)));
    }

    [Fact]
    public void A_missing_code_is_its_own_group_outside_the_variables_labels()
    {
        Assert.Equal("Unknown", DataDictionary.GroupOf(V("ebvDna"), BaselineValue.MissingAs(MissingCodes.Unknown)));
        Assert.Equal("Not done", DataDictionary.GroupOf(V("ebvDna"), BaselineValue.MissingAs(MissingCodes.NotDone)));
        Assert.DoesNotContain("Unknown", DataDictionary.GroupLabels(V("ebvDna")));
    }

    [Fact]
    public void A_variable_that_cannot_be_grouped_or_an_absent_value_has_no_group()
    {
        Assert.Null(DataDictionary.GroupOf(V("pdL1"), BaselineValue.Of(5)));    // decimal without cut-points
        Assert.Null(DataDictionary.GroupOf(V("notes"), BaselineValue.Of("x"))); // free text
        Assert.Null(DataDictionary.GroupOf(V("sex"), null));
    }

    [Fact]
    public void A_yes_no_reads_as_one_or_zero_for_a_Cox_covariate()
    {
        Assert.Equal(1d, DataDictionary.NumericOf(BaselineValue.Of(true)));
        Assert.Equal(0d, DataDictionary.NumericOf(BaselineValue.Of(false)));
        Assert.Equal(52d, DataDictionary.NumericOf(BaselineValue.Of(52)));
        Assert.Null(DataDictionary.NumericOf(BaselineValue.MissingAs(MissingCodes.Unknown)));
        Assert.Null(DataDictionary.NumericOf(BaselineValue.Of("male")));
    }

    // ── found by ProtocolProperties: protocols the rules accept although they hold nulls ────────────────────────

    [Fact]
    public void A_protocol_the_rules_accept_without_a_variables_list_still_checks_a_baseline()
    {
        // A registration that omits "variables" passes ProtocolRules (a null list reads as empty); rejecting it there would be a fix as well.
        var lax = SingleArm() with { Variables = null! };
        if (ProtocolRules.Errors(lax).Count > 0) return;
        Assert.Empty(DataDictionary.Errors(lax, BaselineValues.Empty));
        Assert.Equal(["baseline.age"], DataDictionary.Errors(lax, Baseline(("age", BaselineValue.Of(52)))).Keys);
        Assert.Empty(lax.GroupableVariables);
    }

    [Theory]
    [InlineData("a null merged group")]
    [InlineData("a merged group without levels or label")]
    public void A_merged_grouping_the_rules_accept_groups_values_without_throwing(string merge)
    {
        var ecog = V("ecog") with
        {
            Grouping = new Grouping(Merge: merge == "a null merged group" ? [null!] : [new MergedLevels(null!, null!)]),
        };
        var lax = Study with { Variables = [ecog] };
        if (ProtocolRules.Errors(lax).Count > 0) return; // rejecting it at registration is a fix as well
        Assert.Equal(["0", "1", "2"], DataDictionary.GroupLabels(ecog));
        Assert.Equal("1", DataDictionary.GroupOf(ecog, BaselineValue.Of("1")));
    }
}

using System.Globalization;
using System.Xml.Linq;

namespace Registry.Api.Tests.Import;

/// <summary>What an ODM 1.3.2 consumer needs of a file with metadata: every OID referred to is defined, and values fit their definitions.</summary>
public static class OdmChecks
{
    public static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";

    public static void EveryReferenceIsDefined(XElement odm)
    {
        void Defined(string definition, string reference, string attribute, string definedBy = "OID")
        {
            var defined = odm.Descendants(Odm + definition).Select(d => (string)d.Attribute(definedBy)!).ToHashSet();
            var referred = odm.Descendants(Odm + reference).Select(r => (string?)r.Attribute(attribute)).OfType<string>().Distinct().ToList();
            Assert.All(referred, oid => Assert.True(defined.Contains(oid), $"{reference}/@{attribute} '{oid}' has no {definition}."));
        }
        Defined("StudyEventDef", "StudyEventRef", "StudyEventOID");
        Defined("StudyEventDef", "StudyEventData", "StudyEventOID");
        Defined("FormDef", "FormRef", "FormOID");
        Defined("FormDef", "FormData", "FormOID");
        Defined("ItemGroupDef", "ItemGroupRef", "ItemGroupOID");
        Defined("ItemGroupDef", "ItemGroupData", "ItemGroupOID");
        Defined("ItemDef", "ItemRef", "ItemOID");
        Defined("ItemDef", "ItemData", "ItemOID");
        Defined("CodeList", "CodeListRef", "CodeListOID");
        Defined("MeasurementUnit", "MeasurementUnitRef", "MeasurementUnitOID");
        Defined("MetaDataVersion", "ClinicalData", "MetaDataVersionOID");
        Defined("MetaDataVersion", "MetaDataVersionRef", "MetaDataVersionOID");
        Defined("Study", "ClinicalData", "StudyOID");
        Defined("User", "UserRef", "UserOID");
        Defined("Location", "LocationRef", "LocationOID");
        Defined("Location", "SiteRef", "LocationOID");

        // Each item sits in the group that lists it, and each group in the form that lists it.
        var groupItems = odm.Descendants(Odm + "ItemGroupDef").ToDictionary(g => (string)g.Attribute("OID")!,
            g => g.Elements(Odm + "ItemRef").Select(r => (string)r.Attribute("ItemOID")!).ToHashSet());
        var formGroups = odm.Descendants(Odm + "FormDef").ToDictionary(f => (string)f.Attribute("OID")!,
            f => f.Elements(Odm + "ItemGroupRef").Select(r => (string)r.Attribute("ItemGroupOID")!).ToHashSet());
        foreach (var group in odm.Descendants(Odm + "ItemGroupData"))
        {
            var form = (string)group.Parent!.Attribute("FormOID")!;
            Assert.Contains((string)group.Attribute("ItemGroupOID")!, formGroups[form]);
            Assert.All(group.Elements(Odm + "ItemData"), i => Assert.Contains((string)i.Attribute("ItemOID")!, groupItems[(string)group.Attribute("ItemGroupOID")!]));
        }

        // Values fit their ItemDef: its data type, its code list.
        var items = odm.Descendants(Odm + "ItemDef").ToDictionary(d => (string)d.Attribute("OID")!);
        var codes = odm.Descendants(Odm + "CodeList").ToDictionary(c => (string)c.Attribute("OID")!,
            c => c.Elements(Odm + "CodeListItem").Select(i => (string)i.Attribute("CodedValue")!).ToHashSet());
        foreach (var data in odm.Descendants(Odm + "ItemData").Where(d => d.Attribute("Value") is not null))
        {
            var definition = items[(string)data.Attribute("ItemOID")!];
            var value = (string)data.Attribute("Value")!;
            var ok = (string)definition.Attribute("DataType")! switch
            {
                "integer" => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
                "float" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
                "date" => DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
                "boolean" => value is "true" or "false",
                _ => true,
            };
            Assert.True(ok, $"{data.Attribute("ItemOID")} = '{value}' is not a {definition.Attribute("DataType")}.");
            if (definition.Element(Odm + "CodeListRef") is { } list)
                Assert.True(codes[(string)list.Attribute("CodeListOID")!].Contains(value), $"{data.Attribute("ItemOID")} = '{value}' is not in {list.Attribute("CodeListOID")}.");
        }
    }

    /// <summary>The ODM 1.3.2 schema's order of children where the file has them (xs:sequence), checked without the schema.</summary>
    public static void ChildrenInSchemaOrder(XElement odm)
    {
        void Order(string parent, params string[] sequence)
        {
            foreach (var element in odm.DescendantsAndSelf(Odm + parent))
            {
                var positions = element.Elements().Select(e => Array.IndexOf(sequence, e.Name.LocalName)).ToList();
                Assert.DoesNotContain(-1, positions);
                Assert.Equal(positions.Order(), positions);
            }
        }
        Order("ODM", "Study", "AdminData", "ReferenceData", "ClinicalData", "Association");
        Order("Study", "GlobalVariables", "BasicDefinitions", "MetaDataVersion");
        Order("GlobalVariables", "StudyName", "StudyDescription", "ProtocolName");
        Order("MetaDataVersion", "Include", "Protocol", "StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef", "CodeList");
        Order("ItemDef", "Description", "Question", "ExternalQuestion", "MeasurementUnitRef", "RangeCheck", "CodeListRef", "Role", "Alias");
        Order("RangeCheck", "CheckValue", "FormalExpression", "MeasurementUnitRef", "ErrorMessage");
        Order("AuditRecord", "UserRef", "LocationRef", "DateTimeStamp", "ReasonForChange", "SourceID");
    }
}

package register

import "slices"

// Kind is the kind of a register record.
type Kind string

// The kinds of record.
const (
	Entity       Kind = "entity"       // a company or other organisation in the market
	Person       Kind = "person"       // a public figure with a public role in it
	Relationship Kind = "relationship" // a dated, sourced link between two records
	Product      Kind = "product"      // a product or capability sold by a vendor
	HireService  Kind = "service"      // a hack-for-hire service
	Customer     Kind = "customer"     // a government end user of a vendor or product
	Export       Kind = "export"       // an export-licence decision reported by a state
	Incident     Kind = "incident"     // a documented misuse incident
	Assessment   Kind = "assessment"   // a due-diligence assessment against a code of practice
)

// Kinds lists every kind in display order.
var Kinds = []Kind{Entity, Person, Relationship, Product, HireService, Customer, Export, Incident, Assessment}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Confidence says how sure the register is of a record.
type Confidence string

// The confidence levels, surest first.
const (
	Confirmed Confidence = "confirmed"
	Likely    Confidence = "likely"
	Reported  Confidence = "reported"
)

// Confidences lists the levels, surest first.
var Confidences = []Confidence{Confirmed, Likely, Reported}

// Valid reports whether c is one of Confidences.
func (c Confidence) Valid() bool { return slices.Contains(Confidences, c) }

// FieldType says what a field holds and how it is checked.
type FieldType string

// The field types.
const (
	Text      FieldType = "text"      // free text, at most 2000 bytes
	Date      FieldType = "date"      // YYYY, YYYY-MM or YYYY-MM-DD
	Country   FieldType = "country"   // an ISO 3166-1 alpha-2 code
	Countries FieldType = "countries" // a list of them
	Choice    FieldType = "choice"    // one of Choices
	Choices   FieldType = "choices"   // a list of Choices
	List      FieldType = "list"      // a list of short texts
	CVEs      FieldType = "cves"      // a list of CVE ids
	URL       FieldType = "url"       // an http(s) URL
	Percent   FieldType = "percent"   // a whole number from 0 to 100
	Number    FieldType = "number"    // a whole number from 0
	Ref       FieldType = "ref"       // the id of a record of one of RefKinds
)

// Field describes one kind-specific field. Its label and hint are message
// keys "register.field.NAME" and "register.field.NAME.hint"; a choice's
// label is "register.choice.NAME.VALUE".
type Field struct {
	Name     string
	Type     FieldType
	Required bool
	Choices  []string // for Choice and Choices
	RefKinds []Kind   // for Ref
}

// The choice lists shared by several kinds.
var (
	EntityKinds    = []string{"vendor", "supplier", "broker", "investor", "holding", "subsidiary", "partner", "hack_for_hire"}
	ProductClasses = []string{"spyware_implant", "exploit", "access_as_a_service", "forensic_extraction"}
	Vectors        = []string{"zero_click", "one_click", "network_injection", "physical"}
	AgencyTypes    = []string{"intelligence", "police", "military", "other"}
	TargetGroups   = []string{"journalist", "human_rights_defender", "lawyer", "opposition_politician", "official", "other"}
	RelationTypes  = []string{"owns", "invests_in", "supplies", "resells", "subsidiary_of", "employs", "founder_of", "executive_of", "alumni_of"}
)

// schemas lists each kind's own fields in form order. Every record also
// has a name, a confidence, an English and a French summary and sources.
var schemas = map[Kind][]Field{
	Entity: {
		{Name: "entity_kind", Type: Choice, Required: true, Choices: EntityKinds},
		{Name: "aliases", Type: List},
		{Name: "incorporated", Type: Countries, Required: true},
		{Name: "operates", Type: Countries},
		{Name: "founded", Type: Date},
		{Name: "dissolved", Type: Date},
		{Name: "status", Type: Choice, Required: true, Choices: []string{"active", "dissolved", "renamed", "unknown"}},
		{Name: "predecessor", Type: Ref, RefKinds: []Kind{Entity}},
		{Name: "successor", Type: Ref, RefKinds: []Kind{Entity}},
		{Name: "website", Type: URL},
	},
	Person: {
		{Name: "nationality", Type: Countries},
		{Name: "public_basis", Type: Text, Required: true},
	},
	Relationship: {
		{Name: "from", Type: Ref, Required: true, RefKinds: []Kind{Entity, Person}},
		{Name: "relation", Type: Choice, Required: true, Choices: RelationTypes},
		{Name: "to", Type: Ref, Required: true, RefKinds: []Kind{Entity, Person}},
		{Name: "share", Type: Percent},
		{Name: "start", Type: Date},
		{Name: "end", Type: Date},
	},
	Product: {
		{Name: "vendor", Type: Ref, Required: true, RefKinds: []Kind{Entity}},
		{Name: "product_class", Type: Choice, Required: true, Choices: ProductClasses},
		{Name: "platforms", Type: List},
		{Name: "vectors", Type: Choices, Choices: Vectors},
		{Name: "cves", Type: CVEs},
		{Name: "first_seen", Type: Date},
		{Name: "last_seen", Type: Date},
	},
	HireService: {
		{Name: "provider", Type: Ref, Required: true, RefKinds: []Kind{Entity}},
		{Name: "offered", Type: Text, Required: true},
		{Name: "targets_reported", Type: Text},
	},
	Customer: {
		{Name: "customer_country", Type: Country, Required: true},
		{Name: "agency_type", Type: Choice, Required: true, Choices: AgencyTypes},
		{Name: "vendor", Type: Ref, Required: true, RefKinds: []Kind{Entity}},
		{Name: "product", Type: Ref, RefKinds: []Kind{Product}},
		{Name: "start", Type: Date},
		{Name: "end", Type: Date},
	},
	Export: {
		{Name: "issuing_state", Type: Country, Required: true},
		{Name: "exporter", Type: Ref, Required: true, RefKinds: []Kind{Entity}},
		{Name: "product", Type: Ref, RefKinds: []Kind{Product}},
		{Name: "destination", Type: Country, Required: true},
		{Name: "end_user_type", Type: Choice, Required: true, Choices: AgencyTypes},
		{Name: "decision", Type: Choice, Required: true, Choices: []string{"granted", "denied", "revoked"}},
		{Name: "hr_assessment", Type: Text},
		{Name: "decided", Type: Date, Required: true},
	},
	Incident: {
		{Name: "target_group", Type: Choice, Required: true, Choices: TargetGroups},
		{Name: "targets", Type: Number},
		{Name: "target_country", Type: Country, Required: true},
		{Name: "operator_country", Type: Country},
		{Name: "vendor", Type: Ref, RefKinds: []Kind{Entity}},
		{Name: "product", Type: Ref, RefKinds: []Kind{Product}},
		{Name: "vector", Type: Choice, Choices: Vectors},
		{Name: "exploits", Type: CVEs},
		{Name: "indicators", Type: List},
		{Name: "outcome", Type: Choice, Required: true, Choices: []string{"attempted", "successful"}},
		{Name: "first_activity", Type: Date, Required: true},
		{Name: "last_activity", Type: Date},
		{Name: "disclosed_by", Type: Text, Required: true},
		{Name: "forensic_method", Type: Text},
		{Name: "platform_notified", Type: Choice, Choices: []string{"yes", "no", "unknown"}},
	},
	Assessment: {
		{Name: "subject", Type: Ref, Required: true, RefKinds: []Kind{Entity, Customer}},
		{Name: "code", Type: Text, Required: true},
		{Name: "ratings", Type: List, Required: true},
		{Name: "evidence", Type: Text, Required: true},
		{Name: "assessor", Type: Text, Required: true},
		{Name: "assessed", Type: Date, Required: true},
		{Name: "review", Type: Date},
	},
}

// Schema returns the kind's own fields in form order.
func Schema(k Kind) []Field { return schemas[k] }

// field returns the kind's field named name.
func field(k Kind, name string) (Field, bool) {
	for _, f := range schemas[k] {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// AllFieldNames lists every kind-specific field name once, in schema order
// of the kinds: the columns of the CSV format after the common ones.
func AllFieldNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range Kinds {
		for _, f := range schemas[k] {
			if !seen[f.Name] {
				seen[f.Name] = true
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// index says which fields of a kind feed the search and statistics
// columns: country, category, year, vectors and the two references.
type index struct{ country, category, year, vectors, refA, refB string }

var indexes = map[Kind]index{
	Entity:       {country: "incorporated", category: "entity_kind", year: "founded", refA: "predecessor", refB: "successor"},
	Person:       {country: "nationality"},
	Relationship: {category: "relation", year: "start", refA: "from", refB: "to"},
	Product:      {category: "product_class", year: "first_seen", vectors: "vectors", refA: "vendor"},
	HireService:  {refA: "provider"},
	Customer:     {country: "customer_country", category: "agency_type", year: "start", refA: "vendor", refB: "product"},
	Export:       {country: "destination", category: "decision", year: "decided", refA: "exporter", refB: "product"},
	Incident:     {country: "target_country", category: "target_group", year: "first_activity", vectors: "vector", refA: "vendor", refB: "product"},
	Assessment:   {year: "assessed", refA: "subject"},
}
